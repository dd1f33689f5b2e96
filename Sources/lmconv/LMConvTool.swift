import ArgumentParser
import Foundation
import LMConv
import LMConvDistributed
import LMConvTensor

/// `lmconv`: train, evaluate and sample Locally Masked PixelCNNs.
@main
struct LMConvTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lmconv",
        abstract: "Train, evaluate and sample Locally Masked PixelCNNs (Jain, Abbeel, Pathak, UAI 2020).",
        subcommands: [TrainCommand.self, EvaluateCommand.self, SampleCommand.self, CompleteCommand.self,
                      OrdersCommand.self, ImportCommand.self, BenchCommand.self, ScoreCommand.self, OodCommand.self,
                      CompressCommand.self, DecompressCommand.self, ExportCommand.self, InfoCommand.self,
                      AverageCommand.self, MasksCommand.self, PlotCommand.self])

    /// Runs the command; every failure ends in one line on stderr, `error: ...`, and a non-zero exit. Under
    /// `mpirun` (a build with MPI), commands that split their work between processes get the job's communicator;
    /// then an error that only some ranks have ends the whole job (MPI_Abort), one that all share ends it normally.
    static func main() {
        keepFreedMemoryForReuse()
        var communicator: (any Communicator)? = nil
        do {
            var command = try parseAsRoot()
            let environment = ProcessInfo.processInfo.environment
            if let threads = try Distributed.threadsPerProcess(environment: environment, cores: Parallelism.threadCount) {
                Parallelism.threadCount = threads
            }
            if var job = command as? JobCommand {
                let started = try Distributed.start(environment: environment)
                communicator = started
                try job.run(communicator: started)
                Distributed.finish(started)
            } else {
                if let size = Distributed.launcherWorldSize(environment: environment), size > 1 {
                    // Every rank would do the whole job and write the same files; say so once (rank 0).
                    if environment["OMPI_COMM_WORLD_RANK"] ?? "0" == "0" {
                        Terminal.error("lmconv \(type(of: command)._commandName) does not split its work between "
                            + "processes; run it without mpirun (train and evaluate do)")
                    }
                    Foundation.exit(1)
                }
                try command.run()
            }
        } catch let stop as StoppedBySignal {   // a clean stop on request: its line is printed, the exit says why
            if let communicator { Distributed.finish(communicator) }
            Foundation.exit(128 + stop.signal)
        } catch let error as SharedError {
            if error.printedHere { Terminal.error(error.message) }
            if let communicator { Distributed.finish(communicator) }
            Foundation.exit(1)
        } catch let error as LMConvError {
            fail(error.message, communicator)
        } catch let error as CommunicationError {
            fail(error.message, communicator)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }   // --help, --version
            var message = self.message(for: error).split(separator: "\n").map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }.joined(separator: "; ")
            if message.hasPrefix("Error: ") { message.removeFirst(7) }
            if communicator != nil { fail(message, communicator) }
            Terminal.error(message + " (see '\(Terminal.helpCommand)')")
            Foundation.exit(code.rawValue == 0 ? 1 : code.rawValue)
        }
    }

    /// Prints `message` and exits 1; under several ranks names the rank and ends every rank of the job.
    private static func fail(_ message: String, _ communicator: (any Communicator)?) -> Never {
        guard let communicator, communicator.isDistributed else {
            Terminal.error(message)
            Foundation.exit(1)
        }
        Terminal.error(message.hasPrefix("rank ") ? message : "\(communicator.rankDescription): \(message)")
        communicator.abort(exitCode: 1)
    }
}

/// A command that can split its work between the processes of an `mpirun` job.
protocol JobCommand: ParsableCommand {
    /// Runs on every rank of the job (one rank, outside mpirun); rank 0 alone prints and writes files.
    mutating func run(communicator: any Communicator) throws
}

extension JobCommand {
    mutating func run() throws { try run(communicator: SingleProcessCommunicator()) }
}
