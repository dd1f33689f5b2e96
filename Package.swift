// swift-tools-version:6.0
// swift-lmconv: the Locally Masked PixelCNN (Jain, Abbeel, Pathak, UAI 2020) in Swift.
import Foundation
import PackageDescription

// Open MPI (Debian: libopenmpi-dev) enables `mpirun -np N lmconv train ...`: when its pkg-config file is found, the
// CMPI module and the LMCONV_MPI define are added; otherwise lmconv is single-process only and builds the same.
// LMCONV_MPI=0 in the environment builds without MPI even where it is installed. (SwiftPM caches this manifest: after
// installing or removing Open MPI, `swift package reset` or touch this file.)
let mpiPkgConfigDirectories = (Context.environment["PKG_CONFIG_PATH"] ?? "").split(separator: ":").map(String.init)
    + ["/usr/lib/x86_64-linux-gnu/pkgconfig", "/usr/lib/aarch64-linux-gnu/pkgconfig", "/usr/lib64/pkgconfig",
       "/usr/lib/pkgconfig", "/usr/local/lib/pkgconfig", "/opt/homebrew/lib/pkgconfig"]
let withMPI = Context.environment["LMCONV_MPI"] != "0"
    && mpiPkgConfigDirectories.contains { FileManager.default.fileExists(atPath: $0 + "/ompi.pc") }

let package = Package(
    name: "swift-lmconv",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "LMConv", targets: ["LMConv"]),
        .library(name: "LMConvTensor", targets: ["LMConvTensor"]),
        .executable(name: "lmconv", targets: ["lmconv"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // C shims with no Swift API of their own. On Apple platforms GEMM uses Accelerate instead of CBLAS.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "SystemZlib", path: "Sources/SystemZlib"),
        .systemLibrary(name: "SystemPNG", path: "Sources/SystemPNG", providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),
        // PNG reading through libpng: the setjmp that libpng's error handling needs, which Swift cannot do.
        // (A C target does not autolink its system-library dependency the way a Swift import does: hence the setting.)
        .target(name: "CPNGShim", dependencies: ["SystemPNG"], linkerSettings: [.linkedLibrary("png")]),
        .systemLibrary(name: "SystemJPEG", path: "Sources/SystemJPEG"),
        // libjpeg's errors longjmp; this C target catches them with setjmp (Swift cannot) and returns error codes.
        // C code does not autolink a module map's `link "jpeg"`, hence the explicit linker setting.
        .target(name: "CJPEGShim", dependencies: ["SystemJPEG"], path: "Sources/CJPEGShim",
                linkerSettings: [.linkedLibrary("jpeg")]),
        // The codec's deterministic kernels in C (PortableKernels' matrix product, the mixtures' logistic CDFs):
        // AVX-512, AVX2 and portable paths chosen at run time, all giving the same bits (fp contraction off in every
        // file, no FMA).
        .target(name: "CPortableKernels", path: "Sources/CPortableKernels"),
        // The small CPU tensor core: storage, GEMM (the only BLAS call site), masked im2col, parallel loops.
        .target(
            name: "LMConvTensor",
            dependencies: [.target(name: "CBLAS", condition: .when(platforms: [.linux]))]
        ),
        // Processes working as one (rank, size, allreduce, broadcast, abort) and splitting work between them: MPI
        // under mpirun when built with it, a single process otherwise.
        .target(
            name: "LMConvDistributed",
            dependencies: withMPI ? ["CMPI"] : [],
            swiftSettings: withMPI ? [.define("LMCONV_MPI")] : []
        ),
        // The model library: orders, masks, layers, network, likelihoods, training, sampling, data and formats.
        .target(
            name: "LMConv",
            dependencies: [
                "LMConvTensor", "CPortableKernels", "SystemZlib", "CPNGShim", "CJPEGShim", "LMConvDistributed",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // The codec's default models (ShippedCodecModel) and the generic ratio's (ShippedGenericModel), copied
            // beside the executable.
            resources: [.copy("Resources/CodecModels"), .copy("Resources/GenericModels")]
        ),
        // The command-line tool: thin commands over the library.
        .executableTarget(
            name: "lmconv",
            dependencies: ["LMConv", "LMConvDistributed", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Shared test helpers (assertClose, finite differences, fixture loading).
        .target(name: "TestSupport", dependencies: ["LMConv", "LMConvDistributed"], path: "Sources/TestSupport"),
        .testTarget(name: "LMConvTensorTests", dependencies: ["LMConvTensor", "TestSupport"]),
        .testTarget(name: "LMConvTests", dependencies: ["LMConv", "CPortableKernels", "LMConvDistributed", "TestSupport"]),
        .testTarget(name: "LMConvToolTests", dependencies: ["LMConv", "LMConvDistributed", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

if withMPI {
    package.targets.append(.systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi",
                                          providers: [.apt(["libopenmpi-dev"])]))
}
