import ArgumentParser
import Foundation
import LMConv

/// `lmconv ood`: how well each anomaly score tells out-of-distribution images from in-distribution ones.
struct OodCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ood",
        abstract: "Out-of-distribution detection: AUROC, AUPRC and FPR at 95% TPR of every anomaly score.",
        discussion: """
            Scores --in (in-distribution, the negatives) and --out (out-of-distribution, the positives) as \
            'lmconv score' does, and reports for every score the area under the ROC curve (with DeLong's standard \
            error), the area under the precision-recall curve (average precision, the out images as positives) \
            and the false-positive rate at 95% true positives. Ties count one half (exact). order_spread is \
            reported with two or more orders, likelihood_ratio with --background, generic_ratio with --generic.
            """)

    @OptionGroup var checkpointOptions: CheckpointOptions

    @Option(name: .customLong("in"), help: ArgumentHelp("In-distribution images (as --data of 'lmconv score'; "
                                                         + "'fashion-mnist' is its test split).", valueName: "path"))
    var inData: String

    @Option(name: .customLong("out"), help: ArgumentHelp("Out-of-distribution images.", valueName: "path"))
    var outData: String

    @OptionGroup var scoring: ScoringOptions

    @Option(help: "Score the first N images of each set only.")
    var limit: Int?

    @Flag(help: "Print one JSON object on stdout instead of a table.")
    var json = false

    @Option(help: ArgumentHelp("Write the ROC curves of every score to this PNG.", valueName: "file.png"))
    var roc: String?

    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be >= 1, got \(limit)") }
    }

    func run() throws {
        threadOptions.apply()
        if let roc { try checkOutputFile(roc, option: "--roc") }
        let (checkpoint, model) = try checkpointOptions.load()
        let cfg = checkpoint.configuration
        func load(_ source: String, _ option: String) throws -> ImageDataset {
            var data = try forOption(option) { try ImageDataset.load(source: source, split: .test) }
            if let limit { data = data.prefix(limit) }
            guard data.count > 0 else { throw LMConvError.invalidOption(name: option, value: source, reason: "holds no images") }
            try forOption(option) {
                try cfg.checkChannels(data, dataSource: source, modelSource: checkpointOptions.checkpoint)
            }
            return data
        }
        let inSet = try load(inData, "--in"), outSet = try load(outData, "--out")
        var (detector, _, generic) = try scoring.detector(checkpoint: checkpoint, model: model, source: checkpointOptions.checkpoint)
        detector.keepPixelMaps = false
        let inReport = try scoring.score(inSet, with: detector, label: "in")
        let outReport = try scoring.score(outSet, with: detector, label: "out")
        let scores = inReport.availableScores.filter { $0 != .orderSpread || inReport.orderNames.count > 1 }
        let metrics = try scores.map { try inReport.metrics($0, against: outReport) }
        if let roc {
            let curves = zip(scores, metrics).map { ROCPicture.Curve(name: $0.name, metrics: $1) }
            let title = "in: \(shortDataName(inData)) (\(inSet.count))   out: \(shortDataName(outData)) (\(outSet.count))"
            try PNG.write(ROCPicture.compose(curves: curves, title: title), to: roc)
        }

        if json {
            let perScore: [(String, JSON)] = zip(scores, metrics).map { score, m in
                (score.name, jsonObject([
                    ("auroc", .number(m.auroc)), ("auroc_standard_error", .number(m.aurocStandardError)),
                    ("auroc_ci95_low", .number(m.aurocConfidenceInterval95.lowerBound)),
                    ("auroc_ci95_high", .number(m.aurocConfidenceInterval95.upperBound)),
                    ("auprc", .number(m.auprc)), ("fpr_at_95_tpr", .number(m.fprAt95TPR)),
                    ("mean_in", .number(inReport.mean(score)!)), ("mean_out", .number(outReport.mean(score)!)),
                ]))
            }
            print(jsonObject([
                ("checkpoint", .string(checkpointOptions.checkpoint)),
                ("background", scoring.background.map { .string($0) } ?? .null),
                ("generic", generic.map { .string($0.path) } ?? .null),
                ("in", .string(inData)), ("out", .string(outData)),
                ("in_images", .int(inSet.count)), ("out_images", .int(outSet.count)),
                ("orders", .array(inReport.orderNames.map { .string($0) })),
                ("units", .string("bits per dimension")),
                ("compressor", .string(detector.compressor.summary)),
                ("scores", jsonObject(perScore)),
                ("roc", roc.map { .string($0) } ?? .null),
            ]).text)
            return
        }
        print("checkpoint  \(checkpointOptions.checkpoint) (\(cfg.summary))")
        if let background = scoring.background { print("background  \(background)") }
        if let generic { print("generic     \(generic.path)") }
        print("in          \(inData), \(inSet.count) images (negatives)")
        print("out         \(outData), \(outSet.count) images (positives)")
        print("orders      \(inReport.orderNames.count): " + inReport.orderNames.joined(separator: ", "))
        print("compressor  \(detector.compressor.summary)")
        let header = ["score", "AUROC", "SE(AUROC)", "AUPRC", "FPR@95%TPR", "mean in", "mean out"]
        print(header[0].padding(toLength: 18, withPad: " ", startingAt: 0)
            + header.dropFirst().map { $0.leftPadding(toLength: 11) }.joined())
        for (score, m) in zip(scores, metrics) {
            let values = [m.auroc, m.aurocStandardError, m.auprc, m.fprAt95TPR, inReport.mean(score)!,
                          outReport.mean(score)!]
            print(score.name.padding(toLength: 18, withPad: " ", startingAt: 0)
                + values.map { String(format: "%.4f", $0).leftPadding(toLength: 11) }.joined())
        }
        if inReport.orderNames.count == 1 { print("(order_spread needs two or more orders: see --orders)") }
        if scoring.background == nil { print("(likelihood_ratio needs --background)") }
        if scoring.generic == nil { print("(generic_ratio needs --generic)") }
        print("(SE: DeLong's standard error of the AUROC, the images taken as independent; ±1.96 SE is a 95% interval)")
        if let roc { print("wrote \(roc)") }
    }
}

extension String {
    /// The string right-aligned in `length` characters (unchanged when longer).
    func leftPadding(toLength length: Int) -> String {
        count >= length ? self : String(repeating: " ", count: length - count) + self
    }
}
