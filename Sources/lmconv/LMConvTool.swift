import ArgumentParser
import Foundation
import LMConv
#if canImport(Glibc)
import Glibc
#endif

/// `lmconv`: train, evaluate and sample Locally Masked PixelCNNs.
@main
struct LMConvTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lmconv",
        abstract: "Train, evaluate and sample Locally Masked PixelCNNs (Jain, Abbeel, Pathak, UAI 2020).",
        subcommands: [TrainCommand.self, EvaluateCommand.self, SampleCommand.self, CompleteCommand.self,
                      OrdersCommand.self])

    /// Runs the command; every failure ends in one line on stderr, `error: ...`, and a non-zero exit.
    static func main() {
        tuneAllocator()
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

/// Makes glibc's malloc keep freed memory for reuse instead of returning it to the system: the network allocates
/// and frees many large buffers per pass, and with the default settings each one is a fresh mmap whose pages fault in
/// again (measured: evaluation spent more time in the kernel than computing; this setting cut its run time by half or
/// more). Skipped when the environment sets any MALLOC_ variable, so glibc's own tunables still apply.
func tuneAllocator() {
    #if canImport(Glibc)
    guard !ProcessInfo.processInfo.environment.keys.contains(where: { $0.hasPrefix("MALLOC_") }) else { return }
    // mallopt from glibc, found at run time (malloc.h is not part of Swift's Glibc module). Its parameters:
    // M_TRIM_THRESHOLD -1, M_TOP_PAD -2, M_MMAP_MAX -4.
    guard let symbol = dlsym(nil, "mallopt") else { return }
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
    _ = mallopt(-4, 0)                 // M_MMAP_MAX: large blocks from the heap, not from fresh mappings
    _ = mallopt(-1, Int32.max)         // M_TRIM_THRESHOLD: never give the heap's top back
    _ = mallopt(-2, 64 << 20)          // M_TOP_PAD: grow the heap in 64 MiB steps
    #endif
}
