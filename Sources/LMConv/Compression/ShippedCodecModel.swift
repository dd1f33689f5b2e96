import Foundation

/// The models that ship with the package for `lmconv compress` without `--model` (docs/RUNS.md says how they were
/// trained): an 8-bit grayscale and a binary model of Fashion-MNIST's training images.
public enum ShippedCodecModel: String, CaseIterable, Sendable {
    /// 8-bit grayscale images.
    case gray8 = "fmnist-gray8"
    /// Images whose pixels are all 0 or 255 (thresholded scans, binarized digits).
    case binary = "fmnist-binary"

    /// The model's file name in the resource folder.
    public var fileName: String { rawValue + ".safetensors" }

    /// Where the shipped models are looked for, in order: $LMCONV_CODEC_MODELS; the resource folder SwiftPM copies
    /// beside the executable (`swift-lmconv_LMConv.resources/CodecModels`); the package's source tree
    /// (Sources/LMConv/Resources/CodecModels), for builds run where they were made.
    public static var searchDirectories: [String] {
        ShippedResources.searchDirectories(folder: "CodecModels", environmentVariable: "LMCONV_CODEC_MODELS")
    }

    /// The model's file, or nil when it is not installed.
    public var path: String? { ShippedResources.find(fileName, in: Self.searchDirectories) }

    /// Models that shipped with earlier versions and were replaced by better ones: every `.safetensors` file in the
    /// `Retired` folder of each search directory (the first of each name), in the order of the directories. Files
    /// compressed with them still decode without `--model` (decompress looks for the file's fingerprint among the
    /// current models, then among these); compress never picks them.
    public static var retiredModelPaths: [String] {
        var seen = Set<String>(), paths: [String] = []
        for directory in searchDirectories {
            let retired = (directory as NSString).appendingPathComponent("Retired")
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: retired) else { continue }
            for name in names.sorted() where name.hasSuffix(".safetensors") && seen.insert(name).inserted {
                paths.append((retired as NSString).appendingPathComponent(name))
            }
        }
        return paths
    }

    /// The shipped model for images: binary when every pixel is 0 or 255, 8-bit grayscale otherwise. Throws for RGB
    /// images (no RGB model ships: pass a checkpoint).
    public static func choice(for images: CodecImages) throws -> ShippedCodecModel {
        guard images.channels == 1 else {
            throw LMConvError.invalidArgument(reason: "no default model for RGB images ships with lmconv: pass --model with an RGB checkpoint")
        }
        return images.pixels.allSatisfy { $0 == 0 || $0 == 255 } ? .binary : .gray8
    }
}
