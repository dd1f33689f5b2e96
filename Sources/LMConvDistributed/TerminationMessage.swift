// When one rank of an mpirun job dies, mpirun ends the others with SIGTERM (they are usually blocked in an
// allreduce that can never finish). Without a handler they vanish silently; with it each says in one line why it
// stopped, then exits non-zero at once. Files are written atomically, so stopping mid-write leaves the last
// checkpoint intact (at most a stray temporary file).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The prebuilt line the handler writes: a signal handler may only call async-signal-safe functions (write,
/// _exit), so the text is made beforehand. Set once, before the handler is installed, never changed after.
nonisolated(unsafe) private var terminationLine: [UInt8] = []

func installTerminationMessage(_ communicator: any Communicator) {
    guard communicator.isDistributed else { return }
    terminationLine = Array(("error: \(communicator.rankDescription): stopped by a termination signal (mpirun ends "
        + "every rank when one fails or exits early; see its message); the last checkpoint is intact\n").utf8)
    for sig in [SIGTERM, SIGINT, SIGHUP] {
        signal(sig) { _ in
            terminationLine.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
            _exit(143)
        }
    }
}
