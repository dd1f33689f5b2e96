import ArgumentParser
import Foundation
import LMConv

extension ComplexityCompressor: ExpressibleByArgument {}

/// The options `score` and `ood` share: orders, background and generic models, compressor, binarisation and batching.
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

    @Option(help: ArgumentHelp("A model of generic images for the generic ratio (Schirrmeister et al. 2020): the same "
                               + "kind of model trained on other images than the main model's; 'shipped' for the one "
                               + "that ships with lmconv for binarized images, trained on patches of photographs "
                               + "(README). Scored with its own first K orders.",
                               valueName: "path|shipped"))
    var generic: String?

    @Flag(help: "Use the generic checkpoint's moving average of the weights (the shipped model is one already).")
    var genericUseEma = false

    @Option(help: ArgumentHelp("The lossless compressor of the complexity score: context (an adaptive context-model "
                               + "coder; the default for images of more than two levels), context8 (that coder in "
                               + "the image's 8 orientations, mixed; the default for binary images) or png.",
                               valueName: "name"))
    var compressor: ComplexityCompressor?

    @OptionGroup var imageEncoding: ImageEncodingOptions

    func validate() throws {
        if let k = orders, k < 1 { throw ValidationError("--orders must be >= 1, got \(k)") }
    }

    /// The detector for the checkpoint's model (and the background and generic models, loaded here, with the generic
    /// model's file: the shipped one's path for `shipped`); errors name the option.
    func detector(checkpoint: Checkpoint, model: LocallyMaskedPixelCNN, source: String) throws
        -> (detector: AnomalyDetector, background: Checkpoint?, generic: (checkpoint: Checkpoint, path: String)?)
    {
        let cfg = checkpoint.configuration
        let background = try secondModel(background, useEMA: backgroundUseEma, option: "--background")
        let generic = try secondModel(try genericPath(for: cfg), useEMA: genericUseEma && self.generic != Self.shipped,
                                      option: "--generic")
        let main = AnomalyDetector.ScoringModel(model: model, orders: checkpoint.orders, orderCount: orders)
        var detector = try forOption("--background") {
            try AnomalyDetector(main: main, background: background?.scoring, encoding: imageEncoding.encoding(cfg))
        }
        if let generic {   // checked on its own, so that an error names the option it is about
            detector = try forOption("--generic") {
                try AnomalyDetector(main: main, background: background?.scoring, generic: generic.scoring,
                                    encoding: imageEncoding.encoding(cfg))
            }
        }
        detector.batchSize = imageEncoding.batchSize
        if let compressor { detector.compressor = compressor }
        detector.seed = imageEncoding.seed
        return (detector, background?.checkpoint, generic.map { ($0.checkpoint, $0.path) })
    }

    /// The word of `--generic` that picks the generic model shipped with lmconv.
    static let shipped = "shipped"

    /// The checkpoint `--generic` names: the shipped model for the main model's images when it says `shipped`.
    private func genericPath(for cfg: ModelConfiguration) throws -> String? {
        guard generic == Self.shipped else { return generic }
        return try forOption("--generic") {
            let model = try ShippedGenericModel.choice(for: cfg)
            guard let path = model.path else {
                throw LMConvError.fileNotFound(path: model.fileName, reason: "the shipped generic model is not installed "
                    + "(looked in " + ShippedGenericModel.searchDirectories.joined(separator: ", ") + "); pass a checkpoint")
            }
            return path
        }
    }

    /// The model of `--background` or `--generic` (its first K orders, at most as many as it has) and its file, nil
    /// without a path; errors name the option.
    private func secondModel(_ path: String?, useEMA: Bool, option: String) throws
        -> (checkpoint: Checkpoint, scoring: AnomalyDetector.ScoringModel, path: String)?
    {
        guard let path else { return nil }
        return try forOption(option) {
            let checkpoint = try Checkpoint.load(contentsOf: URL(fileURLWithPath: path), warnings: { Terminal.note("note: \($0)") })
            let model = try checkpoint.makeModel(useEMA: useEMA, source: path)
            let count = orders.map { k in min(k, checkpoint.orders.orderNames.count) }
            return (checkpoint, AnomalyDetector.ScoringModel(model: model, orders: checkpoint.orders, orderCount: count), path)
        }
    }

    /// Scores `data`, with a progress bar labelled `label`; errors about the orders name --orders.
    func score(_ data: ImageDataset, with detector: AnomalyDetector, label: String) throws -> AnomalyReport {
        _ = try forOption("--orders") { try detector.main.orders(height: data.height, width: data.width) }
        _ = try forOption("--background") { try detector.background?.orders(height: data.height, width: data.width) }
        _ = try forOption("--generic") { try detector.generic?.orders(height: data.height, width: data.width) }
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
