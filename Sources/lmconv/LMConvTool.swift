import ArgumentParser
import Foundation
import LMConv

/// `lmconv`: train, evaluate and sample Locally Masked PixelCNNs.
@main
struct LMConvTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lmconv",
        abstract: "Train, evaluate and sample Locally Masked PixelCNNs (Jain, Abbeel, Pathak, UAI 2020).",
        subcommands: [TrainCommand.self, EvaluateCommand.self, SampleCommand.self, CompleteCommand.self,
                      OrdersCommand.self, ImportCommand.self, BenchCommand.self])

    /// Runs the command; every failure ends in one line on stderr, `error: ...`, and a non-zero exit.
    static func main() {
        keepFreedMemoryForReuse()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as LMConvError {
            Terminal.error(error.message)
            Foundation.exit(1)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }   // --help, --version
            var message = self.message(for: error).split(separator: "\n").map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }.joined(separator: "; ")
            if message.hasPrefix("Error: ") { message.removeFirst(7) }
            Terminal.error(message + " (see '\(Terminal.helpCommand)')")
            Foundation.exit(code.rawValue == 0 ? 1 : code.rawValue)
        }
    }
}
