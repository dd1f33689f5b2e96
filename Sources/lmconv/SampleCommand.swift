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
        let (checkpoint, model) = try checkpointOptions.load()
        let cfg = checkpoint.configuration
        let (height, width) = size.flatMap(parseImageSize) ?? (cfg.height, cfg.width)
        let (generationOrder, orderName) = try chosenOrder(checkpoint, name: order, variant: variant, height: height,
                                                           width: width)
        let sizeNote = (height, width) == (cfg.height, cfg.width) ? "" : " at \(height)x\(width)"
        Terminal.note("sampling \(count) image\(count == 1 ? "" : "s") of \(cfg.summary)\(sizeNote) in order \(orderName)")
        let task = SamplingTask(order: generationOrder, count: count, configuration: cfg,
                                temperature: samplingOptions.temperature)
        var rng = Xoshiro256(seed: samplingOptions.seed)
        let bar = ProgressBar("sample", total: task.stepsInOrder.count)
        var done = 0
        let images = try model.sample(task, rng: &rng, naive: samplingOptions.naive) { _, _ in
            done += 1
            bar.update(done, extra: "pixels")
        }
        bar.finish()
        let picture = ImageGrid.compose(pixels: displayPixels(images, configuration: cfg), count: count,
                                        channels: cfg.channels, height: height, width: width,
                                        separator: 2, scale: pictureOptions.scale)
        try PNG.write(picture, to: output)
        print("wrote \(output) (\(picture.width)x\(picture.height))")
    }
}
