import Foundation

/// A progress bar on stderr: `label [#####.....] done/total extra ETA m:ss`, redrawn at most ten times a second on a
/// terminal; elsewhere a plain line at every tenth of the way (or when ``line(_:)`` is called).
final class ProgressBar {
    /// Whether stderr's current line holds a partly drawn bar. Safe unsynchronised: the tool's commands draw and
    /// print only from the one thread that runs them.
    nonisolated(unsafe) static var lineIsDirty = false
    let label: String
    let total: Int
    let start = Date()
    private var lastDraw = Date.distantPast
    private var lastPlainTenth = -1
    private let plainLines: Bool

    /// `plainLines`: print plain lines at every tenth when stderr is not a terminal (off for callers that print
    /// their own lines).
    init(_ label: String, total: Int, plainLines: Bool = true) {
        self.label = label
        self.total = max(total, 1)
        self.plainLines = plainLines
    }

    /// Shows `done` of the total with an optional `extra` text.
    func update(_ done: Int, extra: String = "", force: Bool = false) {
        let now = Date()
        let elapsed = now.timeIntervalSince(start)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : .nan
        let text = "\(done)/\(total)" + (extra.isEmpty ? "" : " " + extra) + " ETA " + Terminal.duration(eta)
        if Terminal.stderrIsTTY {
            guard force || done >= total || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
            lastDraw = now
            let width = 24, filled = min(width, width * done / total)
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            Terminal.write("\r\u{1B}[K\(label) [\(bar)] \(text)")
            ProgressBar.lineIsDirty = true
        } else if plainLines {
            let tenth = 10 * done / total
            guard tenth > lastPlainTenth else { return }
            lastPlainTenth = tenth
            Terminal.write("\(label) \(text)\n")
        }
    }

    /// Finishes the bar (elapsed time) and moves to a new line.
    func finish(_ extra: String = "") {
        let elapsed = Date().timeIntervalSince(start)
        Terminal.clearLine()
        Terminal.write("\(label) done in \(Terminal.duration(elapsed))" + (extra.isEmpty ? "" : ", " + extra) + "\n")
    }
}
