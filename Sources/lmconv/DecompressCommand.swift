import ArgumentParser
import Foundation
import LMConv

/// `lmconv decompress`: a .lmc file back into the exact images.
struct DecompressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decompress",
        abstract: "Restore the images of a .lmc file exactly (PNG files under their names, one .npy or one IDX file).",
        discussion: """
            Without --model, the shipped model whose fingerprint the file records is used. A file of another model, \
            a truncated or corrupt file, or pixels that fail their CRC are refused in one line, and nothing is \
            written: every image is decoded and checked before the first file is.
            """)

    @Argument(help: ArgumentHelp("The .lmc file.", valueName: "file.lmc"))
    var input: String

    @Option(help: ArgumentHelp("The folder to write into (created if missing).", valueName: "dir"))
    var output: String

    enum Format: String, ExpressibleByArgument, CaseIterable { case png, npy, idx }

    @Option(help: "png: one file per image (its stored name, else image-NNNNN.png); npy: images.npy; idx: images-idx3-ubyte.")
    var format: Format = .png

    @Flag(help: "Replace files that already exist in the output folder.")
    var overwrite = false

    @OptionGroup var codecOptions: CodecModelOptions

    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        threadOptions.apply()
        let file = try LMCFile.read(path: input)
        let codec: ModelCodec
        if let model = codecOptions.model {
            codec = try forOption("--model") { try codecOptions.codec(path: model) }
        } else {
            codec = try shippedCodec(for: file)
        }
        let started = Date()
        let images = try codec.decompress(file, source: input)
        let seconds = Date().timeIntervalSince(started)
        let written: [String]
        switch format {
        case .png:
            written = try images.writePNGs(to: output, overwrite: overwrite)
        case .npy, .idx:
            let name = format == .npy ? "images.npy" : "images-idx3-ubyte"
            let path = (output as NSString).appendingPathComponent(name)
            let bytes = format == .npy ? images.npyBytes : try images.idxBytes(source: input)
            try CodecImages.prepareOutput(directory: output, files: [path], overwrite: overwrite)
            try AtomicFile.write(bytes, to: path)
            written = [path]
        }
        print("\(images.count) image\(images.count == 1 ? "" : "s") of \(images.channels)x\(images.height)x\(images.width) "
              + "decoded in " + String(format: "%.2f", seconds) + " s ("
              + String(format: "%.1f", Double(images.count) / max(seconds, 1e-9)) + " images/s) -> "
              + (written.count == 1 ? written[0] : "\(written.count) files in \(output)"))
    }

    /// The shipped model whose fingerprint the file records: a current one, or one retired by a later version.
    private func shippedCodec(for file: LMCFile) throws -> ModelCodec {
        for path in ShippedCodecModel.allCases.compactMap(\.path) + ShippedCodecModel.retiredModelPaths {
            let codec = try codecOptions.codec(path: path)
            if codec.fingerprint == file.fingerprint { return codec }
        }
        throw LMConvError.invalidArgument(source: input, reason: "compressed with a model that does not ship with lmconv "
            + "(fingerprint \(file.fingerprint.description.prefix(16))...): pass --model")
    }
}
