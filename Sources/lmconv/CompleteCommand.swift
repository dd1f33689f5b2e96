import ArgumentParser
import Foundation
import LMConv

/// `lmconv complete`: hides a region of real images and lets the model fill it in.
struct CompleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "complete",
        abstract: "Complete hidden regions of images and write the results as a PNG grid.",
        discussion: """
            One row per image: the image with its hidden pixels painted blue, --samples completions, the original \
            (as the model sees it: binarised for binarized models). The hidden pixels are generated last, in the \
            sequence of the checkpoint's first order that generates them last (or --order/--variant, or \
            --order-indices; an order that does not is changed to, with a note). By default (--context reference) \
            the other pixels condition them through that order's own masks, as in the reference; --context \
            observed marks them observed in every mask instead.
            """)

    @OptionGroup var checkpointOptions: CheckpointOptions
    @OptionGroup var dataOptions: DataOptions

    @Option(help: "Which images, by index (e.g. 0,5,7).")
    var indices: String?

    @Option(help: "The first N images (default 4, unless --indices).")
    var count: Int?

    @Option(help: ArgumentHelp("The pixels to hide: top, bottom, left, right, center, R0:R1,C0:C1 (half-open), "
                               + "random_near_center[:RxC] (the reference's box, default 16x16, at a random offset "
                               + "from the centre drawn from --seed), or a MASK.png of the image size whose dark pixels are hidden.", valueName: "region"))
    var hide: String

    @Option(help: "Completions per image.")
    var samples: Int = 4

    @Option(help: ArgumentHelp("Base order (default: the checkpoint's first).", valueName: "name"))
    var order: String?

    @Option(help: "Which of the base order's 8 variants (default 0 with --order).")
    var variant: Int?

    @OptionGroup(title: "Region") var regionOptions: RegionOptions

    @Option(help: "Binarise given images at this fixed threshold instead of dynamically (binarized models).")
    var binarizeThreshold: Int?

    @OptionGroup var samplingOptions: SamplingOptions
    @OptionGroup var pictureOptions: PictureOptions

    @Option(help: ArgumentHelp("The PNG file to write.", valueName: "file.png"))
    var output: String

    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        if indices != nil && count != nil { throw ValidationError("give --indices or --count, not both") }
        if let count, !(1...1024).contains(count) { throw ValidationError("--count must be in 1...1024, got \(count)") }
        if let indices { _ = try parseIndices(indices) }
        guard (1...256).contains(samples) else { throw ValidationError("--samples must be in 1...256, got \(samples)") }
        if let variant, !(0...7).contains(variant) {
            throw ValidationError("--variant must be in 0...7, got \(variant)")
        }
        if let t = binarizeThreshold, !(0...255).contains(t) {
            throw ValidationError("--binarize-threshold must be in 0...255, got \(t)")
        }
        if let order { try validateOrderNames([order]) }
    }

    func run() throws {
        threadOptions.apply()
        try checkOutputFile(output)
        let (checkpoint, network) = try checkpointOptions.loadNetwork()
        let cfg = checkpoint.configuration
        if case .pixelCNNPlusPlus = network { try checkBaselineOptions() }
        let all = try forOption("--data") { try dataOptions.load(split: .test) }
        try cfg.checkChannels(all, dataSource: dataOptions.name, modelSource: checkpointOptions.checkpoint)
        let chosen = try indices.map(parseIndices) ?? Array(0..<min(count ?? 4, all.count))
        if let bad = chosen.first(where: { $0 >= all.count }) {
            throw LMConvError.invalidOption(name: "--indices", reason: "image \(bad) does not exist (\(dataOptions.name) holds \(all.count) images)")
        }
        guard !chosen.isEmpty else {
            throw LMConvError.invalidArgument(source: dataOptions.name, reason: "holds no images")
        }
        guard !chosen.isEmpty else { throw LMConvError.invalidArgument(source: dataOptions.name, reason: "holds no images") }
        let hidden = try forOption("--hide") { try loadRegion(hide, height: all.height, width: all.width, seed: samplingOptions.seed) }
        let data = all.subset(chosen)
        var rng = Xoshiro256(seed: samplingOptions.seed)
        let encoding = cfg.inputEncoding(binarizeThreshold: binarizeThreshold.map { UInt8($0) })
        let input = Tensor(shape: [data.count, cfg.channels, data.height, data.width],
                           scalars: data.networkInput(Array(0..<data.count), encoding: encoding, rng: &rng))
        let hiddenCount = hidden.filter { $0 }.count
        let bar = ProgressBar("complete", total: hiddenCount)
        var done = 0
        let completions: Tensor
        switch network {
        case .pixelCNNPlusPlus(let model):
            guard (data.height, data.width) == (cfg.height, cfg.width) else {
                throw LMConvError.invalidOption(name: "--data", value: dataOptions.data, reason: "images are "
                    + "\(data.height)x\(data.width); the PixelCNN++ baseline completes at its \(cfg.height)x\(cfg.width) only")
            }
            Terminal.note("completing \(hiddenCount) hidden pixels of \(data.count) image\(data.count == 1 ? "" : "s"), "
                + "\(samples) time\(samples == 1 ? "" : "s") each, in raster order (PixelCNN++: each hidden pixel sees "
                + "only the pixels before it in raster order; \(hiddenCount) whole forward passes of a batch of "
                + "\(data.count * samples))")
            completions = try model.complete(input, hidden: hidden, samples: samples,
                                             pixelOptions: samplingOptions.pixelOptions, rng: &rng) { _ in
                done += 1
                bar.update(done, extra: "pixels")
            }
        case .lmconv(let model):
            completions = try completeLMConv(model, checkpoint: checkpoint, input: input, hidden: hidden, rng: &rng) {
                done += 1
                bar.update(done, extra: "pixels")
            }
        }
        bar.finish()
        let picture = CompletionPicture.compose(
            originals: displayPixels(input, configuration: cfg), completions: displayPixels(completions, configuration: cfg),
            count: data.count, samples: samples, channels: cfg.channels, height: data.height, width: data.width,
            hidden: hidden, scale: pictureOptions.scale)
        try PNG.write(picture, to: output)
        print("wrote \(output) (\(picture.width)x\(picture.height))")
    }

    /// Completion with a locally masked network: the hidden pixels last in the chosen (or a fitting) order.
    private func completeLMConv(_ model: LocallyMaskedPixelCNN, checkpoint: Checkpoint, input: Tensor, hidden: [Bool],
                                rng: inout Xoshiro256, onPixel: @escaping () -> Void) throws -> Tensor {
        let (height, width) = (input.shape[2], input.shape[3])
        let candidates: [GenerationOrder], names: [String]
        if order != nil || variant != nil {
            let (one, name) = try chosenOrder(checkpoint, name: order, variant: variant ?? 0, height: height,
                                              width: width)
            (candidates, names) = ([one], [name])
        } else {
            candidates = try checkpoint.orders.orders(height: height, width: width)
            names = checkpoint.orders.orderNames(variantsPerBase: checkpoint.orders.variants)
        }
        let picked = try regionOptions.orders(candidates, names: names, region: hidden)
        let (baseOrder, orderName) = (picked.orders[0], picked.names[0])
        if picked.note != nil {
            Terminal.note("order \(orderName) does not generate the hidden pixels last: they go to its end")
        }
        let hiddenCount = hidden.filter { $0 }.count, count = input.shape[0]
        Terminal.note("completing \(hiddenCount) hidden pixels of \(count) image\(count == 1 ? "" : "s"), "
            + "\(samples) time\(samples == 1 ? "" : "s") each, order \(orderName) (hidden pixels last)")
        return try model.complete(input, hidden: hidden, samples: samples, order: baseOrder,
                                  context: regionOptions.context, pixelOptions: samplingOptions.pixelOptions, rng: &rng,
                                  naive: samplingOptions.naive) { _, _ in onPixel() }
    }

    /// The PixelCNN++ baseline completes in raster order only, with no order options.
    private func checkBaselineOptions() throws {
        let why = "the checkpoint \(checkpointOptions.checkpoint) holds a PixelCNN++ baseline (raster order only)"
        if let order, order != "raster_scan" { throw LMConvError.invalidOption(name: "--order", value: order, reason: why) }
        if let variant, variant != 0 { throw LMConvError.invalidOption(name: "--variant", value: "\(variant)", reason: why) }
        if regionOptions.orderIndices != nil { throw LMConvError.invalidOption(name: "--order-indices", reason: why) }
        if regionOptions.context != .reference {
            throw LMConvError.invalidOption(name: "--context", reason: "\(why); it has no masks to mark pixels observed in")
        }
    }
}
