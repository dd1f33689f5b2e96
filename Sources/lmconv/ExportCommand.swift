import ArgumentParser
import Foundation
import LMConv

/// `lmconv export`: a checkpoint's weights alone, for shipping (the codec's default models).
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a checkpoint's weights alone (no optimizer state or EMA copy): a model to ship.",
        discussion: "The output keeps the configuration and the orders, so evaluation, sampling and the codec work "
            + "on it; it cannot be resumed.")

    @Argument(help: ArgumentHelp("A checkpoint (.safetensors or the reference's .pth).", valueName: "checkpoint"))
    var input: String

    @Option(help: ArgumentHelp("The weights-only .safetensors file to write (atomically).", valueName: "file"))
    var output: String

    enum Weights: String, ExpressibleByArgument, CaseIterable { case plain, ema }

    @Option(help: "Which weights: the trained ones (plain) or their moving average (ema).")
    var weights: Weights = .plain

    func run() throws {
        try checkOutputFile(output)
        let checkpoint = try Checkpoint.load(contentsOf: URL(fileURLWithPath: input), warnings: { Terminal.note("note: \($0)") })
        var chosen = checkpoint.weights
        if weights == .ema {
            guard let ema = checkpoint.emaWeights else {
                throw LMConvError.invalidOption(name: "--weights", value: "ema", reason: "\(input) holds no moving average")
            }
            chosen = ema
        }
        let exported = Checkpoint(configuration: checkpoint.configuration, orders: checkpoint.orders, weights: chosen,
                                  training: nil)
        try exported.write(to: URL(fileURLWithPath: output))
        let count = chosen.values.reduce(0) { $0 + $1.count }
        print("\(output): \(count) parameters (\(weights.rawValue) weights of \(input)"
              + (checkpoint.training.map { ", step \($0.step)" } ?? "") + ")")
    }
}
