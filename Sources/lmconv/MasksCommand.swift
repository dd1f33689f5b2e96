import ArgumentParser
import Foundation
import LMConv

/// `lmconv masks`: pictures of the kernel masks of an order.
struct MasksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "masks",
        abstract: "Draw the per-location kernel masks of a generation order as a PNG (the reference's --plot_masks).",
        discussion: """
            Without --at: every location's k x k mask in a grid laid out like the image (the reference's \
            plot_unfolded_masks). With --at R,C ...: each location in the image, the pixels generated before it \
            shaded blue, its window's taps filled. Yellow: the tap sees a known pixel; purple: masked; grey: \
            outside the image. The order, kernel size and dilation come from --checkpoint (with --order-index) or \
            from --order, --variant, --size, --kernel-size and --max-dilation.
            """)

    @Option(help: ArgumentHelp("Take the order, image size, kernel size and dilation from this checkpoint "
                               + "(.safetensors or .pth).", valueName: "path"))
    var checkpoint: String?

    @Option(help: "Which of the checkpoint's orders (an index into its list, as --order-indices).")
    var orderIndex: Int = 0

    @Option(help: ArgumentHelp("Base order (without --checkpoint; default s_curve): "
                               + "\(GenerationOrder.names.joined(separator: ", ")).", valueName: "name"))
    var order: String?

    @Option(help: "Variant of the base order (0...7) (without --checkpoint; default 0).")
    var variant: Int?

    @Option(help: ArgumentHelp("Image size, rows x columns (without --checkpoint; default 28x28).", valueName: "HxW"))
    var size: String?

    @Option(help: "Kernel size (odd; without --checkpoint; default 3).")
    var kernelSize: Int?

    @Option(help: "The dilated layers' dilation (without --checkpoint; default 2).")
    var maxDilation: Int?

    @Option(help: ArgumentHelp("Which mask: init (type A, the first layer), undilated (type B) or dilated (type B "
                               + "at the maximum dilation).", valueName: "init|undilated|dilated"))
    var layer: String = "init"

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Draw these locations' masks in the image instead of the "
                                                         + "whole grid.", valueName: "R,C"))
    var at: [String] = []

    @Option(help: "PNG pixels per mask tap (grid) or per image pixel (--at).")
    var cellSize: Int?

    @Option(help: ArgumentHelp("The PNG file to write.", valueName: "file.png"))
    var output: String

    func validate() throws {
        guard ["init", "undilated", "dilated"].contains(layer) else {
            throw ValidationError("--layer must be init, undilated or dilated, got \(layer)")
        }
        if checkpoint != nil, order != nil || size != nil || variant != nil || kernelSize != nil || maxDilation != nil {
            throw ValidationError("--order, --variant, --size, --kernel-size and --max-dilation describe the masks "
                                  + "without --checkpoint; with a checkpoint, pick its order with --order-index")
        }
        if let order { try validateOrderNames([order]) }
        if let variant, !(0...7).contains(variant) { throw ValidationError("--variant must be in 0...7, got \(variant)") }
        if let size, parseImageSize(size) == nil { throw ValidationError(imageSizeError(size)) }
        if let k = kernelSize, k <= 0 || k % 2 == 0 || k > 15 {
            throw ValidationError("--kernel-size must be odd and in 1...15, got \(k)")
        }
        if let d = maxDilation, !(1...16).contains(d) { throw ValidationError("--max-dilation must be in 1...16, got \(d)") }
        if let cellSize, !(1...64).contains(cellSize) { throw ValidationError("--cell-size must be in 1...64, got \(cellSize)") }
        guard at.count <= 64 else { throw ValidationError("--at takes at most 64 locations, got \(at.count)") }
    }

    func run() throws {
        try checkOutputFile(output)
        let (generationOrder, name, k, maxD) = try resolveOrder()
        let (H, W) = (generationOrder.height, generationOrder.width)
        let locations = try at.map { try parseLocation($0, height: H, width: W) }
        let dilation = layer == "dilated" ? maxD : 1
        let mask = try kernelMask(order: generationOrder, kernelSize: k, dilation: dilation, type: layer == "init" ? .a : .b)
        let title = "\(layer) mask (type \(layer == "init" ? "A" : "B"), dilation \(dilation)), \(k)x\(k), \(name), \(H)x\(W)"
        let picture = locations.isEmpty
            ? MaskPicture.grid(mask: mask, height: H, width: W, kernelSize: k, dilation: dilation,
                               tapSize: cellSize ?? max(2, min(8, 448 / max(W * k, 1))), title: title)
            : MaskPicture.locations(locations, mask: mask, order: generationOrder, kernelSize: k, dilation: dilation,
                                    cellSize: cellSize ?? max(4, min(24, 240 / max(W, 1))), title: title)
        try PNG.write(picture, to: output)
        print("wrote \(output) (\(picture.width)x\(picture.height))")
    }

    /// The order, its name, the kernel size and the maximum dilation.
    private func resolveOrder() throws -> (GenerationOrder, String, Int, Int) {
        guard let checkpoint else {
            let (h, w) = size.flatMap(parseImageSize) ?? (28, 28)
            let v = variant ?? 0
            let spec = OrderSpecification(names: [order ?? "s_curve"], variants: v == 0 ? 1 : 8)
            let orders = try forOption("--order") { try spec.orders(height: h, width: w) }
            return (orders[v], spec.orderNames[v], kernelSize ?? 3, maxDilation ?? 2)
        }
        let loaded = try Checkpoint.load(contentsOf: URL(fileURLWithPath: checkpoint), warnings: { Terminal.note("note: \($0)") })
        let cfg = loaded.configuration
        guard cfg.network == .lmconv else {
            throw LMConvError.invalidOption(name: "--checkpoint", value: checkpoint, reason: "holds a PixelCNN++ "
                                            + "baseline, whose shifted convolutions have no per-location masks")
        }
        let orders = try loaded.orders.orders(height: cfg.height, width: cfg.width)
        guard orders.indices.contains(orderIndex) else {
            throw LMConvError.invalidOption(name: "--order-index", value: "\(orderIndex)", reason: "the checkpoint has "
                                            + "\(orders.count) orders (0...\(orders.count - 1))")
        }
        return (orders[orderIndex], loaded.orders.orderNames[orderIndex], cfg.kernelSize, cfg.maxDilation)
    }

    /// `R,C` as a pixel of the H x W image.
    private func parseLocation(_ text: String, height: Int, width: Int) throws -> PixelCoordinate {
        let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let r = parts[0], let c = parts[1] else {
            throw LMConvError.invalidOption(name: "--at", value: text, reason: "expected a location R,C, e.g. 3,5")
        }
        guard (0..<height).contains(r), (0..<width).contains(c) else {
            throw LMConvError.invalidOption(name: "--at", value: text, reason: "outside the \(height)x\(width) image")
        }
        return PixelCoordinate(row: r, col: c)
    }
}
