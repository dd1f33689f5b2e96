import ArgumentParser
import Foundation
import LMConv

/// `--checkpoint PATH` and which weights to use.
struct CheckpointOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A checkpoint: a swift-lmconv .safetensors file (e.g. a run's last.safetensors) or "
                               + "a PyTorch .pth file of the reference implementation.", valueName: "path"))
    var checkpoint: String

    @Flag(help: "Use the checkpoint's moving average of the weights (trained with --ema).")
    var useEMA = false

    /// The checkpoint and a model holding its weights; every error names the file.
    func load() throws -> (Checkpoint, LocallyMaskedPixelCNN) {
        let loaded = try loadCheckpoint()
        return (loaded, try loaded.makeModel(useEMA: useEMA, source: checkpoint))
    }

    /// The checkpoint and whichever network it holds: the commands that accept the PixelCNN++ baseline use this.
    func loadNetwork() throws -> (Checkpoint, LoadedNetwork) {
        let loaded = try loadCheckpoint()
        switch loaded.configuration.network {
        case .lmconv: return (loaded, .lmconv(try loaded.makeModel(useEMA: useEMA, source: checkpoint)))
        case .pixelCNNPlusPlus:
            return (loaded, .pixelCNNPlusPlus(try loaded.makePixelCNNPlusPlus(useEMA: useEMA, source: checkpoint)))
        }
    }

    private func loadCheckpoint() throws -> Checkpoint {
        try Checkpoint.load(contentsOf: URL(fileURLWithPath: checkpoint), warnings: { Terminal.note("note: \($0)") })
    }
}

/// The network a checkpoint holds: the locally masked PixelCNN, or the PixelCNN++ baseline (raster order only).
enum LoadedNetwork {
    case lmconv(LocallyMaskedPixelCNN)
    case pixelCNNPlusPlus(PixelCNNPlusPlus)
}
