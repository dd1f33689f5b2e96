import ArgumentParser
import LMConv

/// How `evaluate`, `score` and `ood` turn images into network input (dynamic or fixed-threshold binarisation) and
/// how many go through the network at once.
struct ImageEncodingOptions: ParsableArguments {
    @Option(help: "Seed of dynamic binarisation (binarized models).")
    var seed: UInt64 = 0

    @Option(help: "Binarise at this fixed threshold (pixel >= T is on) instead of dynamically.")
    var binarizeThreshold: Int?

    @Option(help: "Images per batch.")
    var batchSize: Int = 50

    func validate() throws {
        if let t = binarizeThreshold, !(0...255).contains(t) {
            throw ValidationError("--binarize-threshold must be in 0...255, got \(t)")
        }
        if batchSize < 1 { throw ValidationError("--batch-size must be >= 1, got \(batchSize)") }
    }

    /// The encoding of images for a model of `cfg`.
    func encoding(_ cfg: ModelConfiguration) -> PixelEncoding {
        cfg.inputEncoding(binarizeThreshold: binarizeThreshold.map { UInt8($0) })
    }
}
