import ArgumentParser
import Foundation
import LMConv

extension ComplexityCompressor: ExpressibleByArgument {}

/// The options `score` and `ood` share: orders, background model, binarisation and batching.
struct ScoringOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Score with the first K of the checkpoint's orders (default: all, as an ensemble).",
                               valueName: "K"))
    var orders: Int?

    @Option(help: ArgumentHelp("A background model for the likelihood ratio: trained on the same data with "
                               + "'lmconv train --perturb-rate 0.2' (it helps on 8-bit images; on binarized "
                               + "Fashion-MNIST it did not, README). Scored with its own first K orders.",
                               valueName: "path"))
    var background: String?

    @Flag(help: "Use the background checkpoint's moving average of the weights.")
    var backgroundUseEma = false

    @Option(help: ArgumentHelp("The lossless compressor of the complexity score: context (an adaptive context-model "
                               + "coder; the default for images of more than two levels), context8 (that coder in "
                               + "the image's 8 orientations, mixed; the default for binary images) or png.",
                               valueName: "name"))
    var compressor: ComplexityCompressor?

    @OptionGroup var imageEncoding: ImageEncodingOptions

    func validate() throws {
        if let k = orders, k < 1 { throw ValidationError("--orders must be >= 1, got \(k)") }
    }

    /// The detector for the checkpoint's model (and the background model, loaded here); errors name the option.
    func detector(checkpoint: Checkpoint, model: LocallyMaskedPixelCNN, source: String) throws
        -> (detector: AnomalyDetector, background: Checkpoint?)
    {
        let cfg = checkpoint.configuration
        let backgroundCheckpoint = try background.map { path in
            try forOption("--background") {
                try Checkpoint.load(contentsOf: URL(fileURLWithPath: path), warnings: { Terminal.note("note: \($0)") })
            }
        }
        let backgroundModel = try backgroundCheckpoint.map { c in
            try forOption("--background") { try c.makeModel(useEMA: backgroundUseEma, source: background!) }
        }
        let main = AnomalyDetector.ScoringModel(model: model, orders: checkpoint.orders, orderCount: orders)
        let second = backgroundModel.map {
            AnomalyDetector.ScoringModel(model: $0, orders: backgroundCheckpoint!.orders,
                                         orderCount: orders.map { k in min(k, backgroundCheckpoint!.orders.orderNames.count) })
        }
        var detector = try forOption("--background") {
            try AnomalyDetector(main: main, background: second,
                                encoding: imageEncoding.encoding(cfg))
        }
        detector.batchSize = imageEncoding.batchSize
        if let compressor { detector.compressor = compressor }
        detector.seed = imageEncoding.seed
        return (detector, backgroundCheckpoint)
    }

    /// Scores `data`, with a progress bar labelled `label`; errors about the orders name --orders.
    func score(_ data: ImageDataset, with detector: AnomalyDetector, label: String) throws -> AnomalyReport {
        _ = try forOption("--orders") { try detector.main.orders(height: data.height, width: data.width) }
        _ = try forOption("--background") { try detector.background?.orders(height: data.height, width: data.width) }
        let bar = ProgressBar(label, total: data.count)
        let report = try detector.score(data) { bar.update($0) }
        Terminal.clearLine()
        return report
    }
}

/// A short name of a data source for titles: `fashion-mnist` or the file name.
func shortDataName(_ source: String) -> String {
    source.lowercased() == ImageDataset.fashionMNISTName ? "fashion-mnist" : URL(fileURLWithPath: source).lastPathComponent
}

/// A JSON object from key-value pairs (the pairs read in output order in the code; the writer sorts the keys).
func jsonObject(_ pairs: [(String, JSON)]) -> JSON {
    .object(Dictionary(pairs, uniquingKeysWith: { first, _ in first }))
}
