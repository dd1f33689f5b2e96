import ArgumentParser
import Foundation
import LMConv

/// `lmconv orders`: draws generation orders.
struct OrdersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orders",
        abstract: "Draw a generation order (or its 8 variants) as a path over the pixel grid.",
        discussion: "The path runs from blue (first pixel, a dot) to red (last pixel, a ring).")

    @Option(help: ArgumentHelp("The order: \(GenerationOrder.names.joined(separator: ", ")).", valueName: "name"))
    var order: String

    @Option(help: ArgumentHelp("Image size, rows x columns.", valueName: "HxW"))
    var size: String = "28x28"

    @Option(help: "1: the order itself; 8: its eight reflections and transposes in variant order, in a 4x2 grid.")
    var variants: Int = 1

    @Option(help: "PNG pixels per image pixel (default: about 448 pixels per picture).")
    var cellSize: Int?

    @Option(help: ArgumentHelp("The PNG file to write.", valueName: "file.png"))
    var output: String

    /// `HxW` as (rows, cols).
    var dimensions: (Int, Int)? { parseImageSize(size) }

    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        try validateOrderNames([order])
        guard dimensions != nil else {
            throw ValidationError(imageSizeError(size))
        }
        guard variants == 1 || variants == 8 else { throw ValidationError("--variants must be 1 or 8, got \(variants)") }
        if let cellSize, !(1...64).contains(cellSize) {
            throw ValidationError("--cell-size must be in 1...64, got \(cellSize)")
        }
    }

    func run() throws {
        threadOptions.apply()
        try checkOutputFile(output)
        let (h, w) = dimensions!
        let orders = try forOption("--order") {
            try GenerationOrder.variantList(baseNames: [order], height: h, width: w, variants: variants)
        }
        let picture = OrderPicture.draw(orders, cellSize: cellSize)
        try PNG.write(picture, to: output)
        print("wrote \(output) (\(picture.width)x\(picture.height))")
    }
}
