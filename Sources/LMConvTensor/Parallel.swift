import Dispatch

/// Runs `body(range)` over `0..<count` split into contiguous chunks, on all cores.
///
/// Work below `minimumChunk` elements per chunk runs on the calling thread: dispatch costs a few microseconds,
/// which is more than small elementwise loops take.
public func parallelFor(_ count: Int, minimumChunk: Int = 4096, _ body: (Range<Int>) -> Void) {
    let chunks = Swift.min(Parallelism.threadCount, Swift.max(1, count / Swift.max(1, minimumChunk)))
    if chunks <= 1 {
        if count > 0 { body(0..<count) }
        return
    }
    parallelPerform(iterations: chunks) { chunk in
        let start = count * chunk / chunks
        let end = count * (chunk + 1) / chunks
        if start < end { body(start..<end) }
    }
}

/// Runs `body(i)` for every `i` in `0..<iterations` on all cores and returns when all have run
/// (`DispatchQueue.concurrentPerform` for a body that is not `@Sendable`, such as one capturing buffer pointers).
///
/// The caller guarantees that different iterations write disjoint memory.
public func parallelPerform(iterations: Int, _ body: (Int) -> Void) {
    withoutActuallyEscaping(body) { body in
        // Safe to share the non-Sendable body across threads: concurrentPerform returns only after every iteration
        // ran (the body does not escape), and iterations write disjoint memory (the caller's contract above).
        nonisolated(unsafe) let body = body
        DispatchQueue.concurrentPerform(iterations: iterations) { body($0) }
    }
}

/// How many threads the non-GEMM loops use (the GEMM's own threads are set by the BLAS library).
public enum Parallelism {
    // Not synchronised: set it before starting work (at launch, or between runs), never while loops are running.
    nonisolated(unsafe) public static var threadCount: Int = {
        #if canImport(Glibc)
        return Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)
        #endif
    }()
}

#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif
