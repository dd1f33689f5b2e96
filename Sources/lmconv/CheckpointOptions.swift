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
        let url = URL(fileURLWithPath: checkpoint)
        let loaded = try Checkpoint.load(contentsOf: url, warnings: { Terminal.note("note: \($0)") })
        return (loaded, try loaded.makeModel(useEMA: useEMA, source: checkpoint))
    }
}
