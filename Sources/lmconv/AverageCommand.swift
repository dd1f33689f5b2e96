import ArgumentParser
import Foundation
import LMConv

/// `lmconv average`: the parameter-wise mean of several checkpoints of one model.
struct AverageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "average",
        abstract: "Average the weights of checkpoints of one model (as the reference's average_checkpoints.py).",
        discussion: """
            Every parameter of the output is the mean of that parameter over the inputs (.safetensors or the \
            reference's .pth, mixed freely), which must share one model configuration and orders. EMA weights are \
            averaged too when every input has them. The output holds no optimizer or training state: it is a model \
            to evaluate, sample or fine-tune from, not a run to resume.
            """)

    @Argument(help: ArgumentHelp("The checkpoints to average (two or more).", valueName: "checkpoint"))
    var checkpoints: [String]

    @Option(name: [.short, .long], help: ArgumentHelp("The averaged checkpoint to write.", valueName: "file.safetensors"))
    var output: String

    func validate() throws {
        guard checkpoints.count >= 2 else {
            throw ValidationError("give two or more checkpoints to average, got \(checkpoints.count)")
        }
    }

    func run() throws {
        try checkOutputFile(output)
        let inputs = try checkpoints.map { try loadWithEMA($0) }
        let averaged = try Checkpoint.average(inputs, sources: checkpoints)
        try averaged.write(to: URL(fileURLWithPath: output))
        let parameters = averaged.weights.values.reduce(0) { $0 + $1.scalars.count }
        print("averaged \(checkpoints.count) checkpoints -> \(output): \(averaged.configuration.shortDescription); "
              + "\(parameters) parameters" + (averaged.emaWeights != nil ? ", EMA weights averaged" : ""))
    }

    /// A checkpoint with its EMA weights: a `.pth` keeps them in `ema_state_dict`, read as a second import.
    private func loadWithEMA(_ path: String) throws -> Checkpoint {
        let url = URL(fileURLWithPath: path)
        let note: (String) -> Void = { Terminal.note("note: \($0)") }
        switch try? FileKind.at(path: path) {
        case .zipArchive?, .pickleStream?:
            let file = try TorchCheckpoint.read(contentsOf: url)
            var checkpoint = try file.imported(warnings: note)
            if file.root["ema_state_dict"]?.dictValue?.isEmpty == false {
                checkpoint.emaWeights = try file.imported(useEMA: true).weights
            }
            return checkpoint
        default:
            return try Checkpoint.load(contentsOf: url, warnings: note)
        }
    }
}
