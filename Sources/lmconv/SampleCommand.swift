import ArgumentParser
import Foundation
import LMConv

/// `lmconv sample`: a PNG grid of images sampled from scratch.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Sample images from a model and write them as a PNG grid.")

    @OptionGroup var checkpointOptions: CheckpointOptions

    @Option(help: "How many images.")
    var count: Int

    @Option(help: ArgumentHelp("Base order (default: the checkpoint's first).", valueName: "name"))
    var order: String?

    @Option(help: ArgumentHelp("Which of the base order's 8 variants (0 base, 1 reflect rows, 2 reflect cols, 3 both, "
                               + "4-7 the same of the transpose)."))
    var variant: Int = 0

    @OptionGroup var samplingOptions: SamplingOptions
    @OptionGroup var pictureOptions: PictureOptions

    @Option(help: ArgumentHelp("Image size, rows x columns (default: the size the model was trained at).",
                               valueName: "HxW"))
    var size: String?

    @Option(help: ArgumentHelp("The PNG file to write.", valueName: "file.png"))
    var output: String

    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        guard (1...4096).contains(count) else { throw ValidationError("--count must be in 1...4096, got \(count)") }
        guard (0...7).contains(variant) else { throw ValidationError("--variant must be in 0...7, got \(variant)") }
        if let order { try validateOrderNames([order]) }
        if let size, parseImageSize(size) == nil { throw ValidationError(imageSizeError(size)) }
    }

    func run() throws {
        threadOptions.apply()
        try checkOutputFile(output)
        let (checkpoint, network) = try checkpointOptions.loadNetwork()
        let cfg = checkpoint.configuration
        let (height, width) = size.flatMap(parseImageSize) ?? (cfg.height, cfg.width)
        let images: Tensor
        switch network {
        case .pixelCNNPlusPlus(let model):
            try checkBaselineOptions(cfg, height: height, width: width)
            let passes = cfg.height * cfg.width
            Terminal.note("sampling \(count) image\(count == 1 ? "" : "s") of \(cfg.summary) (PixelCNN++) in raster "
                          + "order: no cached sampler, so \(passes) whole forward passes (one per pixel, H*W) of a "
                          + "batch of \(count)")
            var rng = Xoshiro256(seed: samplingOptions.seed)
            let bar = ProgressBar("sample", total: passes)
            images = try model.sample(count: count, pixelOptions: samplingOptions.pixelOptions, rng: &rng) {
                bar.update($0 + 1, extra: "pixels")
            }
            bar.finish()
        case .lmconv(let model):
            images = try sampleLMConv(model, checkpoint: checkpoint, height: height, width: width)
        }
        let picture = ImageGrid.compose(pixels: displayPixels(images, configuration: cfg), count: count,
                                        channels: cfg.channels, height: height, width: width,
                                        separator: 2, scale: pictureOptions.scale)
        try PNG.write(picture, to: output)
        print("wrote \(output) (\(picture.width)x\(picture.height))")
    }

    private func sampleLMConv(_ model: LocallyMaskedPixelCNN, checkpoint: Checkpoint, height: Int, width: Int) throws
        -> Tensor
    {
        let cfg = checkpoint.configuration
        let (generationOrder, orderName) = try chosenOrder(checkpoint, name: order, variant: variant, height: height,
                                                           width: width)
        let sizeNote = (height, width) == (cfg.height, cfg.width) ? "" : " at \(height)x\(width)"
        Terminal.note("sampling \(count) image\(count == 1 ? "" : "s") of \(cfg.summary)\(sizeNote) in order \(orderName)")
        let task = SamplingTask(order: generationOrder, count: count, configuration: cfg,
                                pixelOptions: samplingOptions.pixelOptions)
        var rng = Xoshiro256(seed: samplingOptions.seed)
        let bar = ProgressBar("sample", total: task.stepsInOrder.count)
        var done = 0
        let images = try model.sample(task, rng: &rng, naive: samplingOptions.naive) { _, _ in
            done += 1
            bar.update(done, extra: "pixels")
        }
        bar.finish()
        return images
    }

    /// The PixelCNN++ baseline samples in raster order at its trained size only.
    private func checkBaselineOptions(_ trained: ModelConfiguration, height: Int, width: Int) throws {
        let why = "the checkpoint \(checkpointOptions.checkpoint) holds a PixelCNN++ baseline (raster order only)"
        if let order, order != "raster_scan" {
            throw LMConvError.invalidOption(name: "--order", value: order, reason: "\(why)")
        }
        if variant != 0 { throw LMConvError.invalidOption(name: "--variant", value: "\(variant)", reason: "\(why)") }
        if (height, width) != (trained.height, trained.width) {
            throw LMConvError.invalidOption(name: "--size", value: size ?? "", reason: "\(why); it samples at the "
                                            + "\(trained.height)x\(trained.width) it was trained at only")
        }
    }
}
