import Foundation

/// Writing to stderr: one-line errors and notes, and progress bars that redraw in place on a terminal and print
/// plain lines otherwise.
enum Terminal {
    /// Whether stderr is a terminal.
    static let stderrIsTTY: Bool = isatty(STDERR_FILENO) != 0

    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// `error: message` on one line.
    static func error(_ message: String) {
        clearLine()
        write("error: " + message.replacingOccurrences(of: "\n", with: "; ") + "\n")
    }

    /// A note on stderr (not part of the command's output).
    static func note(_ message: String) {
        clearLine()
        write(message + "\n")
    }

    /// Erases a progress bar drawn on the current line.
    static func clearLine() {
        if stderrIsTTY && ProgressBar.lineIsDirty {
            write("\r\u{1B}[K")
            ProgressBar.lineIsDirty = false
        }
    }

    /// `lmconv SUBCOMMAND --help` for the subcommand on the command line, or `lmconv --help`.
    static var helpCommand: String {
        let names = LMConvTool.configuration.subcommands.map { $0._commandName }
        if let first = CommandLine.arguments.dropFirst().first, names.contains(first) { return "lmconv \(first) --help" }
        return "lmconv --help"
    }

    /// `h:mm:ss` or `m:ss`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
