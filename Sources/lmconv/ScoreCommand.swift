import ArgumentParser
import Foundation
import LMConv

/// `lmconv score`: anomaly scores of images and per-pixel heat maps.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Anomaly scores of images (higher = more anomalous) and per-pixel heat maps.",
        discussion: """
            Scores, in bits per dimension: nll, the ensemble's NLL over the orders; complexity, the NLL minus the \
            code length of a generic lossless compressor of the image as the model sees it (--compressor: an \
            adaptive context-model coder of each pixel from its neighbours, that coder mixed over the image's 8 \
            orientations, or PNG; Serra et al. 2020); likelihood_ratio, the NLL minus a background model's \
            (--background, trained with --perturb-rate; Ren et al. 2019); generic_ratio, the NLL minus that of a \
            model of generic images (--generic; Schirrmeister et al. 2020); order_spread, the standard deviation of \
            the per-order NLLs. The heat map shows -log2 p(x_i | context) of every pixel, averaged over the orders, \
            beside each image. --paste-noise S pastes an SxS square of uniform noise into every image and reports \
            how well the map finds it (pixel-level AUROC).
            """)

    @OptionGroup var checkpointOptions: CheckpointOptions
    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var scoring: ScoringOptions

    @Option(help: "Score the first N images only.")
    var limit: Int?

    @Flag(help: "Print one JSON object on stdout instead of text.")
    var json = false

    @Flag(help: "Also report every image's scores.")
    var perImage = false

    @Option(help: ArgumentHelp("Write the first --heatmap-count images beside their per-pixel heat maps to this PNG.",
                               valueName: "file.png"))
    var heatmap: String?

    @Option(help: ArgumentHelp("Write every scored image's per-pixel map to this .npy file: float32 (N, H, W), "
                               + "-log2 p(x_i | context) in bits, summed over the pixel's sub-pixels and averaged "
                               + "over the orders (numpy.load reads it).", valueName: "file.npy"))
    var pixelMaps: String?

    @Option(help: "Images in the heat map picture.")
    var heatmapCount: Int = 16

    @Option(help: "Enlarge every image pixel to scale x scale pixels in the heat map picture.")
    var scale: Int = 4

    @Option(help: ArgumentHelp("Paste a square of S x S uniform noise into every image at a random place (a test of "
                               + "the maps: reports their pixel-level AUROC).", valueName: "S"))
    var pasteNoise: Int?

    @Option(help: "Seed of the noise squares' places and values.")
    var noiseSeed: UInt64 = 1

    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be >= 1, got \(limit)") }
        if heatmapCount < 1 { throw ValidationError("--heatmap-count must be >= 1, got \(heatmapCount)") }
        if !(1...64).contains(scale) { throw ValidationError("--scale must be in 1...64, got \(scale)") }
        if let s = pasteNoise, s < 1 { throw ValidationError("--paste-noise must be >= 1, got \(s)") }
    }

    func run() throws {
        threadOptions.apply()
        if let heatmap { try checkOutputFile(heatmap, option: "--heatmap") }
        if let pixelMaps { try checkOutputFile(pixelMaps, option: "--pixel-maps") }
        let (checkpoint, model) = try checkpointOptions.load()
        let cfg = checkpoint.configuration
        var data = try forOption("--data") { try dataOptions.load(split: .test) }
        if let limit { data = data.prefix(limit) }
        guard data.count > 0 else { throw LMConvError.invalidArgument(source: dataOptions.name, reason: "holds no images") }
        try cfg.checkChannels(data, dataSource: dataOptions.name, modelSource: checkpointOptions.checkpoint)
        var squares: [[Bool]]?
        if let pasteNoise {
            (data, squares) = try forOption("--paste-noise") { try data.pastingNoiseSquares(size: pasteNoise, seed: noiseSeed) }
        }
        var (detector, backgroundCheckpoint, generic) = try scoring.detector(
            checkpoint: checkpoint, model: model, source: checkpointOptions.checkpoint)
        detector.keepPixelMaps = heatmap != nil || pixelMaps != nil || squares != nil
        let started = Date()
        let report = try scoring.score(data, with: detector, label: "score")
        let seconds = Date().timeIntervalSince(started)
        let pixelMetrics = try squares.map { try report.pixelMetrics(anomalous: $0) }
        let ratioPixelMetrics = detector.generic == nil ? nil : try squares.map {
            try report.pixelMetrics(anomalous: $0, map: { $0.genericRatioPixelMap ?? [] })
        }
        if let heatmap { try writeHeatmap(report, to: heatmap, configuration: cfg) }
        if let pixelMaps {
            try NPYWriter.writeFloat32(report.images.flatMap { $0.pixelMap.map { Float($0) } },
                                       shape: [report.images.count, report.height, report.width], to: pixelMaps)
        }

        let scores = report.availableScores
        if json {
            var fields: [(String, JSON)] = [
                ("checkpoint", .string(checkpointOptions.checkpoint)),
                ("background", scoring.background.map { .string($0) } ?? .null),
                ("data", .string(dataOptions.data)),
                ("images_scored", .int(report.images.count)),
                ("orders", .array(report.orderNames.map { .string($0) })),
                ("background_orders", .array(report.backgroundOrderNames.map { .string($0) })),
                ("generic", generic.map { .string($0.path) } ?? .null),
                ("generic_orders", .array(report.genericOrderNames.map { .string($0) })),
                ("dimensions", .int(report.dimensions)),
                ("units", .string("bits per dimension")),
                ("compressor", .string(detector.compressor.summary)),
                ("seconds", .number(seconds)),
                ("mean", jsonObject(scores.map { ($0.name, .number(report.mean($0)!)) })),
                ("heatmap", heatmap.map { .string($0) } ?? .null),
                ("pixel_maps", pixelMaps.map { .string($0) } ?? .null),
            ]
            if let pixelMetrics, let pasteNoise {
                fields.append(("noise_square", jsonObject([
                    ("size", .int(pasteNoise)), ("seed", .int(Int(noiseSeed))),
                    ("pixel_auroc", .number(pixelMetrics.auroc)), ("pixel_auprc", .number(pixelMetrics.auprc)),
                ] + (ratioPixelMetrics.map { [
                    ("generic_ratio_pixel_auroc", .number($0.auroc)), ("generic_ratio_pixel_auprc", .number($0.auprc)),
                ] } ?? []))))
            }
            if perImage { fields.append(("images", .array(report.images.map { imageJSON($0, scores: scores) }))) }
            print(jsonObject(fields).text)
            return
        }
        let step = checkpoint.training.map { ", step \($0.step)" } ?? ""
        print("checkpoint  \(checkpointOptions.checkpoint) (\(cfg.summary)\(step))")
        if let backgroundCheckpoint, let path = scoring.background {
            print("background  \(path) (\(backgroundCheckpoint.configuration.summary))")
        }
        if let generic {
            print("generic     \(generic.path) (\(generic.checkpoint.configuration.summary))")
        }
        print("data        \(dataOptions.name), \(data.count) images"
            + (pasteNoise.map { ", each with a \($0)x\($0) square of uniform noise (seed \(noiseSeed))" } ?? ""))
        print("orders      \(report.orderNames.count): " + report.orderNames.joined(separator: ", "))
        print("compressor  \(detector.compressor.summary)")
        print(String(format: "time        %.2f s, %.1f images/s", seconds, Double(data.count) / max(seconds, 1e-9)))
        print("mean scores (bits per dimension; higher = more anomalous)")
        for s in scores { print(s.name.padding(toLength: 18, withPad: " ", startingAt: 0) + String(format: "%9.4f", report.mean(s)!)) }
        if let pixelMetrics {
            print(String(format: "noise squares: pixel-level AUROC %.4f, AUPRC %.4f of the map", pixelMetrics.auroc,
                         pixelMetrics.auprc))
        }
        if let ratioPixelMetrics {
            print(String(format: "noise squares: pixel-level AUROC %.4f, AUPRC %.4f of the map minus the generic model's",
                         ratioPixelMetrics.auroc, ratioPixelMetrics.auprc))
        }
        if perImage {
            print("image " + scores.map { $0.name.padding(toLength: 17, withPad: " ", startingAt: 0) }.joined())
            for image in report.images {
                print(String(format: "%5d ", image.index)
                    + scores.map { String(format: "%-17.4f", image.value($0)!) }.joined())
            }
        }
        if let heatmap { print("wrote \(heatmap)") }
        if let pixelMaps { print("wrote \(pixelMaps) (float32, \(report.images.count)x\(report.height)x\(report.width))") }
    }

    /// One image's entry of `images` in the JSON output.
    func imageJSON(_ image: ImageAnomalyScores, scores: [AnomalyScore]) -> JSON {
        var fields: [(String, JSON)] = [("index", .int(image.index))]
        fields += scores.map { ($0.name, .number(image.value($0)!)) }
        fields.append(("per_order_nll", .array(image.perOrderNLL.map { .number($0) })))
        fields.append(("code_length_bits", .number(image.codeLengthBits)))
        if let b = image.backgroundNLL { fields.append(("background_nll", .number(b))) }
        if let g = image.genericNLL { fields.append(("generic_nll", .number(g))) }
        return jsonObject(fields)
    }

    /// The first --heatmap-count images beside their maps, as the model saw them.
    func writeHeatmap(_ report: AnomalyReport, to path: String, configuration cfg: ModelConfiguration) throws {
        let bits = cfg.displayBits, top = (1 << bits) - 1
        let panels = report.images.prefix(heatmapCount).map { image in
            HeatMapPicture.Panel(pixels: image.levels.map { UInt8(Int($0) * 255 / top) }, map: image.pixelMap,
                                 caption: "#\(image.index) " + String(format: "%.3f", image.nll))
        }
        let K = report.orderNames.count
        let legend = "-log2 p(x_i | context), bits per pixel" + (K > 1 ? ", mean of \(K) orders" : "")
            + "; caption: #index nll bpd"
        let picture = HeatMapPicture.compose(panels: Array(panels), channels: cfg.channels, height: report.height,
                                             width: report.width, scale: scale, columns: 4, legend: legend)
        try PNG.write(picture, to: path)
    }
}
