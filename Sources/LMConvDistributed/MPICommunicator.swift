#if LMCONV_MPI
import CMPI
#if canImport(Glibc)
import Glibc
#endif

/// The ranks of an `mpirun` job (Open MPI, MPI_COMM_WORLD). MPI calls come from one thread at a time (the caller's;
/// compute threads never call MPI). Errors return codes (MPI_ERRORS_RETURN) that become ``CommunicationError``s
/// naming the operation, so that a rank can say what went wrong before the job ends.
public final class MPICommunicator: Communicator, @unchecked Sendable {
    public let rank: Int
    public let size: Int

    /// Initialises MPI. Call once per process, from the main thread, before any other MPI work.
    public init() throws {
        try Self.check(lmconv_mpi_init(), "MPI_Init")
        var r: Int32 = 0, s: Int32 = 0
        try Self.check(lmconv_mpi_rank(&r), "MPI_Comm_rank")
        try Self.check(lmconv_mpi_size(&s), "MPI_Comm_size")
        rank = Int(r)
        size = Int(s)
    }

    /// The largest element count passed to one MPI call (MPI counts are Int32).
    static let chunk = 1 << 30

    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {
        try chunked(values.count) { start, count in
            try check(lmconv_mpi_allreduce_sum_float(values.baseAddress! + start, count), "MPI_Allreduce (sum of floats)")
        }
    }

    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws {
        try chunked(values.count) { start, count in
            try check(lmconv_mpi_allreduce_sum_double(values.baseAddress! + start, count), "MPI_Allreduce (sum of doubles)")
        }
    }

    public func allreduceMax(_ values: UnsafeMutableBufferPointer<Int64>) throws {
        try chunked(values.count) { start, count in
            let p = UnsafeMutableRawPointer(values.baseAddress! + start).assumingMemoryBound(to: CLongLong.self)
            try check(lmconv_mpi_allreduce_max_int64(p, count), "MPI_Allreduce (maximum)")
        }
    }

    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, from root: Int) throws {
        try chunked(bytes.count) { start, count in
            try check(lmconv_mpi_bcast_bytes(bytes.baseAddress! + start, count, Int32(root)), "MPI_Bcast")
        }
    }

    public func barrier() throws { try check(lmconv_mpi_barrier(), "MPI_Barrier") }

    public func abort(exitCode: Int32) -> Never {
        _ = lmconv_mpi_abort(exitCode)
        _exit(exitCode)   // MPI_Abort should not return; make sure this process ends anyway
    }

    /// Ends MPI for this process; call once, after the last collective, before a normal exit.
    public func finalize() {
        if lmconv_mpi_initialized() != 0 && lmconv_mpi_finalized() == 0 { _ = lmconv_mpi_finalize() }
    }

    private func chunked(_ count: Int, _ body: (Int, Int32) throws -> Void) throws {
        guard count > 0 else { return }
        var start = 0
        while start < count {
            let n = min(Self.chunk, count - start)
            try body(start, Int32(n))
            start += n
        }
    }

    private func check(_ code: Int32, _ operation: String) throws {
        guard code != 0 else { return }
        throw CommunicationError("\(rankDescription): \(operation) failed (\(Self.errorText(code))); another rank "
            + "has probably died or become unreachable")
    }

    private static func check(_ code: Int32, _ operation: String) throws {
        guard code != 0 else { return }
        throw CommunicationError("\(operation) failed (\(errorText(code)))")
    }

    private static func errorText(_ code: Int32) -> String {
        let capacity = Int(lmconv_mpi_max_error_string()) + 1
        var text = [CChar](repeating: 0, count: capacity)
        let length = Int(lmconv_mpi_error_string(code, &text, Int32(capacity)))
        return length > 0 ? String(decoding: text.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            : "MPI error \(code)"
    }
}
#endif
