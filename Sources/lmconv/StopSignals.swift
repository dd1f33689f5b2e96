import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT (Ctrl-C) and SIGTERM (what `kill`, `timeout` and job schedulers send) ask a single-process training run to
/// stop cleanly: it finishes the step under way, writes its checkpoint at that step and exits with 128 + the signal's
/// number, so `lmconv train --resume` loses nothing. A second signal stops at once (checkpoints are written
/// atomically, so the last one on disk stays intact). The signals are taken by dispatch sources, which run their
/// handlers on an ordinary queue rather than in signal context, so the handlers may lock and print.
///
/// Not used by MPI runs: there mpirun forwards a signal to every rank, each would stop at a step of its own and the
/// collective checkpoint write would hang, so ranks keep the immediate stop of `installTerminationMessage`.
final class StopSignals: @unchecked Sendable {
    private let lock = NSLock()
    private var received: Int32 = 0       // guarded by lock
    private var sources: [DispatchSourceSignal] = []

    /// Takes SIGINT and SIGTERM from now on; `secondSignalMessage` is printed when a second one ends the process.
    init(secondSignalMessage: String) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)   // the dispatch source sees the signal only if its default action (exit) is off
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                lock.lock()
                let first = received == 0
                if first { received = sig }
                lock.unlock()
                if !first {
                    FileHandle.standardError.write(Data((secondSignalMessage + "\n").utf8))
                    exit(128 + sig)
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        for source in sources { source.cancel() }
        for sig in [SIGINT, SIGTERM] { signal(sig, SIG_DFL) }
    }

    /// The first signal received (SIGINT or SIGTERM), or nil while none has come.
    var requested: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return received == 0 ? nil : received
    }

    /// The signal's usual name.
    static func name(_ sig: Int32) -> String { sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signal \(sig)" }
}

/// Thrown by a command that stopped cleanly on a signal after saying so; the tool exits with 128 + `signal`.
struct StoppedBySignal: Error {
    let signal: Int32
}
