import ArgumentParser
import Foundation
import LMConv
import LMConvDistributed

/// `lmconv evaluate`: negative log-likelihood and bits per dimension of images under one order or an ensemble.
struct EvaluateCommand: JobCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Negative log-likelihood (nats per image) and bits per dimension of images.",
        discussion: """
            Orders default to the checkpoint's (e.g. 8 variants of s_curve, scored as an ensemble: \
            log p(x) = logsumexp_k log p(x; order k) - log K). --region scores only the region's pixels given all \
            others; bpd is then per sub-pixel of the region. By default (--context reference) that is the \
            reference's protocol: the orders that generate the region last (or --order-indices), each with its own \
            masks, the output read at the region and ensembled; --context observed marks every other pixel observed \
            in the masks instead. Binarized models see dynamically binarised images (drawn from --seed and each \
            image's index) unless --binarize-threshold is given. Under mpirun the images are split between the \
            ranks, with the same numbers as one process; rank 0 prints.
            """)

    @OptionGroup var checkpointOptions: CheckpointOptions
    @OptionGroup var dataOptions: DataOptions

    @Option(help: "Evaluate the first N images only.")
    var limit: Int?

    @Option(parsing: .upToNextOption,
            help: ArgumentHelp("Base order(s) instead of the checkpoint's.", valueName: "name"))
    var order: [String] = []

    @Option(help: "Use the first K (1...8) variants of each base order (default: the checkpoint's, 1 or 8).")
    var variants: Int?

    @Option(help: ArgumentHelp("Score only these pixels: top, bottom, left, right, center, R0:R1,C0:C1 (half-open), "
                               + "random_near_center[:RxC] (the reference's box, default 16x16, at a random offset "
                               + "from the centre drawn from --seed), or a MASK.png whose dark pixels form the region.", valueName: "region"))
    var region: String?

    @OptionGroup(title: "Region") var regionOptions: RegionOptions

    @Flag(help: "Print one JSON object on stdout instead of text.")
    var json = false

    @Flag(help: "Also report every image's NLL.")
    var perImage = false

    @OptionGroup var imageEncoding: ImageEncodingOptions

    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be >= 1, got \(limit)") }
        if let v = variants, !(1...8).contains(v) { throw ValidationError("--variants must be in 1...8, got \(v)") }
        try validateOrderNames(order)
    }

    func run(communicator: any Communicator) throws {
        threadOptions.apply()
        let (checkpoint, network) = try checkpointOptions.loadNetwork()
        let cfg = checkpoint.configuration
        var data = try forOption("--data") { try dataOptions.load(split: .test) }
        if let limit { data = data.prefix(limit) }
        try cfg.checkChannels(data, dataSource: dataOptions.name, modelSource: checkpointOptions.checkpoint)
        guard data.count > 0 else { throw LMConvError.invalidArgument(source: dataOptions.name, reason: "holds no images") }
        let encoding = imageEncoding.encoding(cfg)
        if case .pixelCNNPlusPlus = network { try checkBaselineOptions(communicator: communicator) }
        let bar = communicator.isRoot ? ProgressBar("evaluate", total: data.count) : nil
        let hidden: [Bool]?
        let names: [String]
        let result: DatasetEvaluation
        switch network {
        case .pixelCNNPlusPlus(let model):
            hidden = try region.map { spec in
                try forOption("--region") { try loadRegion(spec, height: data.height, width: data.width) }
            }
            if hidden != nil && communicator.isRoot {
                Terminal.note("note: PixelCNN++ scores each region pixel given only the pixels before it in raster order "
                              + "(above it and to its left), the context it can use")
            }
            names = ["raster_scan"]
            result = try forOption("--data") {
                try model.evaluate(data, encoding: encoding, region: hidden, batchSize: imageEncoding.batchSize, seed: imageEncoding.seed) { bar?.update($0) }
            }
        case .lmconv(let model):
            hidden = try region.map { spec in
                try forOption("--region") { try loadRegion(spec, height: data.height, width: data.width, seed: imageEncoding.seed) }
            }
            var spec = checkpoint.orders
            if !order.isEmpty { spec.names = order }
            // The checkpoint's selection (order_variants) applies to its own list only.
            if !order.isEmpty || variants != nil { spec.selection = nil }
            let perBase = variants ?? spec.variants
            var orders = try forOption("--order") {
                try spec.orders(height: data.height, width: data.width, variantsPerBase: perBase)
            }
            var orderNames = spec.orderNames(variantsPerBase: perBase)
            if let hidden {
                let chosen = try regionOptions.orders(orders, names: orderNames, region: hidden)
                (orders, orderNames) = (chosen.orders, chosen.names)
                if let note = chosen.note { Terminal.note(note) }
            }
            names = orderNames
            result = try model.evaluate(data, orders: orders, encoding: encoding, region: hidden,
                                        context: regionOptions.context, batchSize: imageEncoding.batchSize, seed: imageEncoding.seed,
                                        communicator: communicator) { bar?.update($0) }
        }
        guard communicator.isRoot else { return }
        Terminal.clearLine()
        let perOrderNLL = names.indices.map { k in
            result.perImagePerOrderNLL.map { $0[k] }.reduce(0, +) / Double(data.count)
        }
        let perOrderBPD = perOrderNLL.map { bitsPerDimension(nats: $0, dimensions: result.dimensionsPerImage) }
        let pixels = hidden.map { $0.filter { $0 }.count } ?? data.height * data.width
        if json {
            var fields: [String: JSON] = [
                "bpd": .number(result.bitsPerDimension),
                "nll_nats": .number(result.meanNLL),
                "images": .int(data.count),
                "orders": .array(names.map { .string($0) }),
                "region": region.map { .string($0) } ?? .null,
                "context": hidden == nil ? .null : .string(regionOptions.context.rawValue),
                "pixels": .int(pixels),
                "dimensions": .int(result.dimensionsPerImage),
                "per_order_bpd": .array(perOrderBPD.map { .number($0) }),
                "per_order_nll_nats": .array(perOrderNLL.map { .number($0) }),
                "checkpoint": .string(checkpointOptions.checkpoint),
                "data": .string(dataOptions.data),
            ]
            if perImage { fields["per_image_nll_nats"] = .array(result.perImageNLL.map { .number($0) }) }
            print(JSON.object(fields).text)
            return
        }
        let step = checkpoint.training.map { ", step \($0.step)" } ?? ""
        let kind = cfg.network == .pixelCNNPlusPlus ? "PixelCNN++, " : ""
        print("checkpoint  \(checkpointOptions.checkpoint) (\(kind)\(cfg.summary)\(step))")
        print("data        \(dataOptions.name), \(data.count) images")
        print("region      " + (region.map { "\($0): \(pixels) of \(data.height * data.width) pixels, given the rest "
            + "(context: \(regionOptions.context.rawValue))" }
                                ?? "whole image"))
        print("orders      \(names.count)" + (names.count == 1 ? "" : " (ensemble)") + ": " + names.joined(separator: ", "))
        print(String(format: "NLL         %.3f nats per image", result.meanNLL))
        print(String(format: "bpd         %.4f", result.bitsPerDimension))
        if names.count > 1 {
            print("per order   " + perOrderBPD.map { String(format: "%.4f", $0) }.joined(separator: " ") + " bpd")
        }
        if perImage {
            print("image  nll_nats")
            for (i, nll) in result.perImageNLL.enumerated() { print(String(format: "%5d  %.3f", i, nll)) }
        }
    }

    /// The PixelCNN++ baseline has one order (raster) and no region protocol: options that need more are refused.
    private func checkBaselineOptions(communicator: any Communicator) throws {
        let why = "the checkpoint \(checkpointOptions.checkpoint) holds a PixelCNN++ baseline (raster order only)"
        if !order.isEmpty && order != ["raster_scan"] {
            throw LMConvError.invalidOption(name: "--order", reason: "\(why); it cannot score other orders")
        }
        if let variants, variants != 1 {
            throw LMConvError.invalidOption(name: "--variants", reason: "\(why); it has no order variants")
        }
        if region != nil && (regionOptions.context != .reference || regionOptions.orderIndices != nil) {
            throw LMConvError.invalidOption(name: "--context", reason: "\(why); its region likelihood is raster order's "
                                            + "(each pixel given the pixels before it), with no context protocol or order choice")
        }
        if communicator.size > 1 {
            throw LMConvError.invalidOption(name: "mpirun", reason: "\(why); it is evaluated in one process")
        }
    }
}
