// Processes that work as one: N ranks that each hold the same model and sum their gradients every step.

/// The processes of one job (MPI ranks under `mpirun`, or this process alone), and the collective operations that
/// data-parallel training and sharded evaluation need. Every rank must make the same collective calls in the same
/// sequence with the same sizes; a rank that cannot go on ends the whole job with ``abort(exitCode:)``.
public protocol Communicator: AnyObject, Sendable {
    /// This process's rank, 0..<size; rank 0 alone writes files and talks to the user.
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }
    /// Replaces `values` on every rank by their elementwise sum over all ranks.
    func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws
    /// Replaces `values` on every rank by their elementwise sum over all ranks.
    func allreduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws
    /// Replaces `values` on every rank by their elementwise maximum over all ranks.
    func allreduceMax(_ values: UnsafeMutableBufferPointer<Int64>) throws
    /// Copies `bytes` of rank `root` into `bytes` of every other rank (all ranks pass buffers of the same size).
    func broadcast(_ bytes: UnsafeMutableRawBufferPointer, from root: Int) throws
    /// Returns once every rank has called it.
    func barrier() throws
    /// Ends every process of the job with `exitCode` (this process at least, at once).
    func abort(exitCode: Int32) -> Never
}

/// A collective operation that failed: usually another rank died or the network between them broke.
public struct CommunicationError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Communicator {
    /// Whether this is rank 0, the one that writes files and prints.
    public var isRoot: Bool { rank == 0 }

    /// Whether more than one process takes part.
    public var isDistributed: Bool { size > 1 }

    /// `rank r/size` for messages.
    public var rankDescription: String { "rank \(rank) of \(size)" }

    /// Elementwise sums of `values` over all ranks.
    public func allreduceSum(_ values: inout [Float]) throws {
        try values.withUnsafeMutableBufferPointer { try allreduceSum($0) }
    }

    /// Elementwise sums of `values` over all ranks.
    public func allreduceSum(_ values: inout [Double]) throws {
        try values.withUnsafeMutableBufferPointer { try allreduceSum($0) }
    }

    /// Elementwise maxima of `values` over all ranks.
    public func allreduceMax(_ values: inout [Int64]) throws {
        try values.withUnsafeMutableBufferPointer { try allreduceMax($0) }
    }

    /// Rank `root`'s bytes, on every rank (the others' `bytes` are ignored; sizes may differ).
    public func broadcast(_ bytes: [UInt8], from root: Int = 0) throws -> [UInt8] {
        guard isDistributed else { return bytes }
        var count: [Int64] = [rank == root ? Int64(bytes.count) : 0]
        try count.withUnsafeMutableBytes { try broadcast($0, from: root) }
        var out = rank == root ? bytes : [UInt8](repeating: 0, count: Int(count[0]))
        try out.withUnsafeMutableBytes { try broadcast($0, from: root) }
        return out
    }

    /// Runs `work` on rank 0 only and makes its outcome everyone's: the other ranks throw the same error (as
    /// ``SharedError``, whose message rank 0 alone prints) when it throws on rank 0. For file system work that only
    /// the root does (creating the run directory, writing files) but that every rank must agree succeeded.
    public func onRoot(_ work: () throws -> Void) throws {
        var failure: String? = nil
        if isRoot {
            do { try work() } catch { failure = String(describing: error) }
        }
        guard isDistributed else {
            if let failure { throw SharedError(message: failure, printedHere: true) }
            return
        }
        let bytes = try broadcast(Array((failure.map { "1" + $0 } ?? "0").utf8))
        if bytes.first == UInt8(ascii: "1") {
            throw SharedError(message: String(decoding: bytes.dropFirst(), as: UTF8.self), printedHere: isRoot)
        }
    }
}

/// An error that every rank of the job has (one that happened on rank 0 and was passed on, or one that all ranks
/// found from the same allreduced numbers); only the rank where `printedHere` is true prints it, so a job of N
/// ranks reports it once, and the ranks can end normally instead of aborting the job.
public struct SharedError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var printedHere: Bool
    public init(message: String, printedHere: Bool) {
        self.message = message
        self.printedHere = printedHere
    }
    public var description: String { message }
}

extension Communicator {
    /// `error` as one that every rank has: rank 0 prints it. Use only where every rank throws it together.
    public func shared(_ error: any Error) -> any Error {
        isDistributed ? SharedError(message: String(describing: error), printedHere: isRoot) : error
    }
}

/// One process on its own: rank 0 of 1, every collective a no-op. What lmconv uses outside `mpirun`.
public final class SingleProcessCommunicator: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {}
    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws {}
    public func allreduceMax(_ values: UnsafeMutableBufferPointer<Int64>) throws {}
    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, from root: Int) throws {}
    public func barrier() throws {}
    public func abort(exitCode: Int32) -> Never { exit(exitCode) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
