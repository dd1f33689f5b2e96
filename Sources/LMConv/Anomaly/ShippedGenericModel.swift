import Foundation

/// The models of generic images that ship with the package for the generic ratio (`lmconv score --generic
/// shipped`; README, "Out-of-distribution detection"): the binary one, trained on binarized patches of photographs and
/// wallpapers from Debian packages (experiments/generic-patches.py, `scripts/train-codec-models.sh binary-generic`),
/// its EMA weights exported. None ships for 8-bit images: on them the generic ratio failed (AUROC 0.278 for
/// Fashion-MNIST against MNIST), so the complexity score is the one to use.
public enum ShippedGenericModel: String, CaseIterable, Sendable {
    /// Binarized images (pixels 0 or 1 as the model sees them).
    case binary = "generic-binary"

    /// The model's file name in the resource folder.
    public var fileName: String { rawValue + ".safetensors" }

    /// Where the shipped models are looked for: $LMCONV_GENERIC_MODELS, then the `GenericModels` resource folder
    /// beside the executable or in the source tree (``ShippedResources``).
    public static var searchDirectories: [String] {
        ShippedResources.searchDirectories(folder: "GenericModels", environmentVariable: "LMCONV_GENERIC_MODELS")
    }

    /// The model's file, or nil when it is not installed.
    public var path: String? { ShippedResources.find(fileName, in: Self.searchDirectories) }

    /// The shipped generic model for a main model of this configuration; throws when none fits (8-bit or RGB).
    public static func choice(for configuration: ModelConfiguration) throws -> ShippedGenericModel {
        guard configuration.binarize, configuration.channels == 1 else {
            throw LMConvError.invalidArgument(reason: "no generic model for \(configuration.binarize ? "\(configuration.channels)-channel" : "\(configuration.nBits)-bit") "
                + "images ships with lmconv (on 8-bit Fashion-MNIST the generic ratio failed: use complexity, or pass a checkpoint)")
        }
        return .binary
    }
}
