import Foundation
import LMConvDistributed

/// `mpirun` on PATH, or nil.
public let mpirunExecutable: URL? = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent("mpirun") }
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }
}()

/// Why multi-process tests cannot run here, or nil when they can: a build without MPI cannot run them (the caller
/// skips), while a build with MPI and no `mpirun` is a broken setup (the caller fails; CI installs Open MPI).
public enum MPITestAvailability {
    case available(URL)
    case builtWithoutMPI
    case mpirunMissing

    public static var current: MPITestAvailability {
        guard Distributed.builtWithMPI else { return .builtWithoutMPI }
        return mpirunExecutable.map { .available($0) } ?? .mpirunMissing
    }
}

/// The arguments that start `ranks` copies of the built `lmconv` under `mpirun` on this machine: as root when we
/// are root (Open MPI refuses otherwise), more ranks than cores allowed, no core binding (ranks keep their threads).
public func mpirunArguments(ranks: Int, _ arguments: [String]) -> [String] {
    (getuid() == 0 ? ["--allow-run-as-root"] : []) + ["--oversubscribe", "--bind-to", "none", "-np", "\(ranks)",
                                                     lmconvExecutable.path] + arguments
}

/// A started `mpirun` job, its output going to files.
public final class MPIJob {
    public let process = Process()
    private let outURL: URL, errURL: URL

    /// Starts `ranks` ranks of `lmconv arguments` under `mpirun`.
    public init(mpirun: URL, ranks: Int, _ arguments: [String]) throws {
        process.executableURL = mpirun
        process.arguments = mpirunArguments(ranks: ranks, arguments)
        let temporary = FileManager.default.temporaryDirectory
        outURL = temporary.appendingPathComponent("mpirun-out-\(UUID().uuidString)")
        errURL = temporary.appendingPathComponent("mpirun-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
    }

    /// The ranks' process ids by rank (mpirun's children on this machine, told apart by OMPI_COMM_WORLD_RANK).
    public func rankProcessIDs() -> [Int: Int32] {
        let pid = process.processIdentifier
        let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        var ranks: [Int: Int32] = [:]
        for child in children.split(separator: " ").compactMap({ Int32($0) }) {
            guard let environ = FileManager.default.contents(atPath: "/proc/\(child)/environ") else { continue }
            for entry in environ.split(separator: 0) {
                let text = String(decoding: entry, as: UTF8.self)
                if text.hasPrefix("OMPI_COMM_WORLD_RANK="), let r = Int(text.dropFirst(21)) { ranks[r] = child }
            }
        }
        return ranks
    }

    /// Waits up to `timeout` seconds for the job to end; nil (after killing it) when it did not.
    public func wait(timeout: TimeInterval) -> ToolResult? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            return nil
        }
        process.waitUntilExit()
        return ToolResult(status: process.terminationStatus,
                          stdout: String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self),
                          stderr: String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self))
    }
}
