import ArgumentParser
import Foundation
import LMConv

/// `--model M` of compress and decompress: any LMConv checkpoint, or one of the shipped models.
struct CodecModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("An LMConv checkpoint (.safetensors or the reference's .pth); its moving average of the "
                               + "weights when it has one. Default: a model shipped with lmconv, chosen from the "
                               + "images (compress) or from the file's fingerprint (decompress).", valueName: "path"))
    var model: String?

    @Option(help: "Images per network batch (speed only: the output does not depend on it).")
    var batchSize: Int = 16

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
    }

    /// The codec of a checkpoint file.
    func codec(path: String) throws -> ModelCodec {
        let checkpoint = try Checkpoint.load(contentsOf: URL(fileURLWithPath: path), warnings: { Terminal.note("note: \($0)") })
        guard checkpoint.configuration.network == .lmconv else {
            throw LMConvError.unsupported(source: path, reason: "a PixelCNN++ checkpoint: the codec needs a Locally Masked PixelCNN")
        }
        let model = try checkpoint.makeModel(useEMA: checkpoint.emaWeights != nil, source: path)
        return try ModelCodec(model: model, orders: checkpoint.orders, batchSize: batchSize)
    }

    /// The path of a shipped model, or a one-line error saying it is not installed.
    func shippedPath(_ shipped: ShippedCodecModel) throws -> String {
        guard let path = shipped.path else {
            throw LMConvError.fileNotFound(path: shipped.fileName, reason: "the default model is not installed (looked in "
                + ShippedCodecModel.searchDirectories.joined(separator: ", ") + "); pass --model")
        }
        return path
    }
}
