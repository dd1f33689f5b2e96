import Dispatch

// One owner for the cores. Every parallel loop of the package goes through ``parallelRegion(_:_:)`` (directly or via
// ``parallelFor(_:minimumChunk:_:)``), which runs on at most ``Parallelism/threadCount`` threads: the budget a
// command sets once (`--threads N`). Kernels say in their doc comment whether they parallelise or run on the calling
// thread; a parallel region never opens inside another (checked in debug builds), and BLAS itself always runs on the
// calling thread (``BLASThreads``). How work is split never depends on the budget where it could change a result:
// chunks of fixed size are handed to however many threads there are.

/// Runs `body(i)` for i in 0..<iterations on up to ``Parallelism/threadCount`` threads (on the calling thread when
/// the budget is 1 or there is one iteration). Must not be called from inside another parallel region. The caller
/// guarantees that different iterations write disjoint memory.
public func parallelRegion(_ iterations: Int, _ body: (Int) -> Void) {
    guard iterations > 0 else { return }
    let threads = Swift.min(Parallelism.threadCount, iterations)
    Parallelism.enterRegion()
    defer { Parallelism.leaveRegion() }
    if threads <= 1 {
        for i in 0..<iterations { body(i) }
        return
    }
    withoutActuallyEscaping(body) { body in
        // Safe to share the non-Sendable body across threads: concurrentPerform returns only after every iteration
        // ran (the body does not escape), and iterations write disjoint memory (the caller's contract).
        nonisolated(unsafe) let body = body
        if threads == iterations {
            DispatchQueue.concurrentPerform(iterations: iterations) { i in
                Parallelism.markWorker { body(i) }
            }
        } else {
            // More iterations than threads: each thread takes every threads-th iteration.
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                Parallelism.markWorker { for i in stride(from: t, to: iterations, by: threads) { body(i) } }
            }
        }
    }
}

/// Runs `body(range)` over `0..<count` split into contiguous chunks, on the thread budget.
///
/// Work below `minimumChunk` elements per chunk runs on the calling thread: dispatch costs a few microseconds,
/// which is more than small elementwise loops take. Use it for loops whose every element is computed independently
/// (the chunking then cannot change a result).
public func parallelFor(_ count: Int, minimumChunk: Int = 4096, _ body: (Range<Int>) -> Void) {
    let chunks = Swift.min(Parallelism.threadCount, Swift.max(1, count / Swift.max(1, minimumChunk)))
    if chunks <= 1 || Parallelism.isInsideRegion {
        // Inside a region (a per-image kernel of a parallel loop, say) the loop runs here: never nest.
        if count > 0 { body(0..<count) }
        return
    }
    parallelRegion(chunks) { chunk in
        let start = count * chunk / chunks
        let end = count * (chunk + 1) / chunks
        if start < end { body(start..<end) }
    }
}

/// The thread budget of the package's parallel loops (BLAS always runs on the calling thread).
public enum Parallelism {
    /// The number of threads parallel regions use: all cores unless a command sets it (`--threads N`).
    // Not synchronised: set it before starting work (at launch, or between runs), never while loops are running.
    nonisolated(unsafe) public static var threadCount: Int = processorCount

    /// The machine's online cores.
    public static var processorCount: Int {
        #if canImport(Glibc)
        return Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)
        #endif
    }

    /// Sets the budget: `requested` threads, or all cores for nil. Throws nothing; clamps to at least 1.
    public static func setThreadCount(_ requested: Int?) {
        threadCount = Swift.max(1, requested ?? processorCount)
    }

    /// Whether the calling thread is a worker of a parallel region (or the thread that opened one).
    public static var isInsideRegion: Bool { depth.value > 0 }

    // The nesting check: a per-thread depth counter (a thread-local, so workers of different regions do not mix).
    private static let depth = ThreadLocalCounter()

    static func enterRegion() {
        assert(depth.value == 0, "a parallel region opened inside another: the thread budget would be exceeded")
        depth.value += 1
    }

    static func leaveRegion() { depth.value -= 1 }

    static func markWorker(_ body: () -> Void) {
        let mine = depth.value
        depth.value = mine + 1
        body()
        depth.value = mine
    }
}

/// An Int per thread (pthread-specific storage).
final class ThreadLocalCounter: @unchecked Sendable {   // the key is created once and only read afterwards
    private var key = pthread_key_t()

    init() { pthread_key_create(&key, nil) }

    var value: Int {
        get { Int(bitPattern: pthread_getspecific(key)) }
        set { pthread_setspecific(key, UnsafeRawPointer(bitPattern: newValue)) }
    }
}

#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif
