import ArgumentParser
import LMConv

/// `--threads N`: the thread budget of every command (default all cores). Results do not depend on it.
struct ThreadOptions: ParsableArguments {
    @Option(help: "Threads to use (default: all cores). Results are the same for every count.")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    /// Sets the library's thread budget; call first in `run()`.
    func apply() { Parallelism.setThreadCount(threads) }
}
