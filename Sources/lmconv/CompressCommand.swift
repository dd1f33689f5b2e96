import ArgumentParser
import Foundation
import LMConv

/// `lmconv compress`: images into one .lmc file, losslessly, with the model's distributions.
struct CompressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compress",
        abstract: "Compress images losslessly into a .lmc file with a model's pixel distributions.",
        discussion: """
            Inputs: PNG files (their names are kept), folders of PNGs, IDX, .npy and CIFAR-10 binary files, or \
            dataset sources (fashion-mnist: its test images; mnist-5k-test; fashion-mnist@bits1: thresholded at \
            128), all of one size. Without --model, a shipped Fashion-MNIST model is used: the binary one when every pixel is 0 \
            or 255, the 8-bit grayscale one otherwise. --orders K tries the model's first K generation orders for \
            each image and keeps the shortest code. The file decodes identically on any machine (docs/FORMAT.md).
            """)

    @Argument(help: ArgumentHelp("PNG files, folders of PNGs, IDX, .npy or CIFAR-10 files.", valueName: "input"))
    var inputs: [String]

    @Option(help: ArgumentHelp("The .lmc file to write (atomically).", valueName: "file.lmc"))
    var output: String

    @OptionGroup var codecOptions: CodecModelOptions

    @Option(help: "Generation orders to try per image (the first K of the model's); the shortest is kept.")
    var orders: Int = 1

    @Option(help: ArgumentHelp("Images coded together in one rANS stream (1 to 4096): more share a stream's final state, fewer let a reader decode fewer images to reach one.", valueName: "n"))
    var imagesPerStream: Int = 64

    @Option(help: "Skip the first N images of the inputs.")
    var skip: Int = 0

    @Option(help: "Compress at most N images (after --skip).")
    var limit: Int?

    @Flag(help: "Decode the result before writing it and fail unless every image comes back exactly.")
    var verify = false

    @Flag(help: "Print one JSON object on stdout instead of text.")
    var json = false

    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        if orders < 1 { throw ValidationError("--orders must be at least 1, got \(orders)") }
        if skip < 0 { throw ValidationError("--skip must be >= 0, got \(skip)") }
        if !(1...LMCFile.maximumGroupSize).contains(imagesPerStream) {
            throw ValidationError("--images-per-stream must be 1 to \(LMCFile.maximumGroupSize), got \(imagesPerStream)")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be >= 1, got \(limit)") }
    }

    func run() throws {
        threadOptions.apply()
        try checkOutputFile(output)
        var images = try CodecImages.load(inputs)
        if skip > 0 || limit != nil {
            images = images.slice(skip..<(limit.map { skip + $0 } ?? Int.max))
            guard images.count > 0 else { throw LMConvError.invalidOption(name: "--skip", value: "\(skip)", reason: "leaves no images") }
        }
        let modelPath = try codecOptions.model ?? codecOptions.shippedPath(ShippedCodecModel.choice(for: images))
        var codec = try forOption("--model") { try codecOptions.codec(path: modelPath) }
        codec.imagesPerStream = imagesPerStream
        let started = Date()
        let (file, report) = try codec.compress(images, ordersToTry: orders, source: inputs[0]) { done, total in
            if total > 1 && !json { Terminal.note("order \(done)/\(total) tried") }
        }
        let encodeSeconds = Date().timeIntervalSince(started)
        let bytes = try file.serialized(source: output)   // once: verified (from these bytes) and written
        var decodeSeconds: Double?
        if verify {
            let decodeStart = Date()
            let decoded = try codec.decompress(try LMCFile(parsing: bytes, source: output), source: output)
            decodeSeconds = Date().timeIntervalSince(decodeStart)
            guard decoded.pixels == images.pixels else {
                throw LMConvError.corruptFile(source: output, reason: "--verify: the decoded images differ from the input; nothing written")
            }
        }
        try AtomicFile.write(bytes, to: output)
        let pixels = Double(images.count * images.height * images.width)
        let summary = CompressionSummary(
            output: output, model: modelPath, images: images.count, channels: images.channels, height: images.height,
            width: images.width, fileBytes: report.fileBytes, codedBytes: report.codedBytes,
            bitsPerPixel: Double(8 * report.fileBytes) / pixels, codedBitsPerPixel: Double(8 * report.codedBytes) / pixels,
            informationBitsPerPixel: report.informationBits / pixels,
            streams: report.streams,
            excessBytesPerStream: (Double(8 * report.codedBytes) - report.informationBits) / 8 / Double(max(1, report.streams)),
            ordersTried: orders,
            singleOrderBitsPerPixel: report.singleOrderBits / pixels, chosenOrders: report.chosenOrder,
            encodeSeconds: encodeSeconds, verified: verify, decodeSeconds: decodeSeconds)
        if json {
            print(try JSONWriter.string(summary, pretty: true))
        } else {
            print(summary.text)
        }
    }
}

/// What `lmconv compress` reports (text or --json).
struct CompressionSummary: Encodable {
    var output: String
    var model: String
    var images: Int
    var channels: Int
    var height: Int
    var width: Int
    var fileBytes: Int
    var codedBytes: Int
    /// The whole file's bits per pixel (header and image table included).
    var bitsPerPixel: Double
    /// The coded data's bits per pixel (every image's stream, no header).
    var codedBitsPerPixel: Double
    /// The model's information content under the chosen orders: what an ideal coder would spend.
    var informationBitsPerPixel: Double
    /// The rANS streams (one per group of images of one order).
    var streams: Int
    /// How many bytes each rANS stream spends beyond its information content, on average: the coder's flush (its
    /// final state, 8 bytes, carries some of the last symbols' information) and rounding.
    var excessBytesPerStream: Double
    var ordersTried: Int
    /// The information content in bits per pixel had every image used the first order.
    var singleOrderBitsPerPixel: Double
    var chosenOrders: [Int]
    var encodeSeconds: Double
    var verified: Bool
    var decodeSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case output, model, images, channels, height, width, verified
        case fileBytes = "file_bytes", codedBytes = "coded_bytes", bitsPerPixel = "bits_per_pixel"
        case codedBitsPerPixel = "coded_bits_per_pixel", informationBitsPerPixel = "information_bits_per_pixel"
        case streams, excessBytesPerStream = "excess_bytes_per_stream"
        case ordersTried = "orders_tried", singleOrderBitsPerPixel = "single_order_bits_per_pixel", chosenOrders = "chosen_orders"
        case encodeSeconds = "encode_seconds", decodeSeconds = "decode_seconds"
    }

    var text: String {
        var lines = [
            "\(images) image\(images == 1 ? "" : "s") of \(channels)x\(height)x\(width) -> \(output): \(fileBytes) bytes, "
                + String(format: "%.4f", bitsPerPixel) + " bits per pixel (coded data "
                + String(format: "%.4f", codedBitsPerPixel) + ", model information content "
                + String(format: "%.4f", informationBitsPerPixel) + "; \(streams) stream\(streams == 1 ? "" : "s"), each "
                + String(format: "%.2f", excessBytesPerStream) + " bytes above it)",
            "model: \(model)",
        ]
        if ordersTried > 1 {
            let gain = 100 * (1 - informationBitsPerPixel / max(singleOrderBitsPerPixel, 1e-300))
            lines.append("orders tried per image: \(ordersTried); information content " + String(format: "%.4f", informationBitsPerPixel)
                + " bits per pixel against " + String(format: "%.4f", singleOrderBitsPerPixel) + " with the first order alone ("
                + String(format: "%.2f", gain) + "% smaller; the order indices cost the table one varint per image)")
        }
        lines.append("encoded in " + String(format: "%.2f", encodeSeconds) + " s ("
            + String(format: "%.1f", Double(images) / max(encodeSeconds, 1e-9)) + " images/s)"
            + (decodeSeconds.map { "; verified: decoded in " + String(format: "%.2f", $0) + " s" } ?? ""))
        return lines.joined(separator: "\n")
    }
}
