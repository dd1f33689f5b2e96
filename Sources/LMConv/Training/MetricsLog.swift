import Foundation

/// An append-only JSON-lines file of training metrics (`metrics.jsonl`): one object per logged step and per
/// evaluation. Resuming from step S first drops every line past S (and a torn last line), so the file always tells
/// the history of the weights in the run's last checkpoint.
public final class MetricsLog {
    public let url: URL
    private var handle: FileHandle?

    /// Opens the log for appending, creating it when needed; `truncatingAfterStep` S first drops lines of steps > S,
    /// and `fresh` drops every line (a new run).
    public init(url: URL, truncatingAfterStep step: Int? = nil, fresh: Bool = false) throws {
        self.url = url
        let fm = FileManager.default
        if fresh || !fm.fileExists(atPath: url.path) {
            try AtomicFile.write([], to: url.path)
        } else if let step {
            let kept = try Self.lines(in: url).filter { Self.step(ofLine: $0).map { $0 <= step } ?? false }
            try AtomicFile.write(Array(kept.map { $0 + "\n" }.joined().utf8), to: url.path)
        }
        guard let h = FileHandle(forWritingAtPath: url.path) else {
            throw LMConvError.unwritable(path: url.path, reason: "cannot be opened for writing")
        }
        h.seekToEndOfFile()
        handle = h
    }

    deinit { try? handle?.close() }

    /// Appends one record as a line and flushes it to the disk. (An append, not an ``AtomicFile`` rewrite: a torn
    /// last line is what a crash can leave, and reading and resuming skip it.)
    public func append(_ record: MetricsRecord) throws {
        guard let handle else { return }
        do {
            try handle.write(contentsOf: Data((record.jsonLine + "\n").utf8))
            try handle.synchronize()
        } catch {
            throw LMConvError.unwritable(path: url.path, reason: "cannot be written (\(error.localizedDescription))")
        }
    }

    /// The non-empty lines of a metrics file.
    public static func lines(in url: URL) throws -> [String] {
        let text = String(decoding: try DataFile.read(url.path), as: UTF8.self)
        return text.split(separator: "\n").map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    /// The parsed records (JSON objects) of a metrics file; torn or foreign lines are skipped.
    public static func records(in url: URL) throws -> [[String: Any]] {
        try lines(in: url).compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }

    /// The `step` of one line, or nil when the line is not a complete JSON object with an integer step.
    static func step(ofLine line: String) -> Int? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else { return nil }
        return (object["step"] as? NSNumber)?.intValue
    }
}
