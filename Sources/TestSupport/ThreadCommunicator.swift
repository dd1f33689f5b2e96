import Foundation
import LMConvDistributed

/// N ranks as N threads of one process, for testing data-parallel code without mpirun: every collective waits for
/// all ranks, and sums are taken in rank order (so they are deterministic, like MPI's for a fixed rank count).
public final class ThreadCommunicator: Communicator, @unchecked Sendable {
    public let rank: Int
    public var size: Int { group.size }
    private let group: Group

    private init(rank: Int, group: Group) {
        self.rank = rank
        self.group = group
    }

    /// Runs `body` on `size` threads, one rank each, and returns each rank's result (or error) in rank order.
    public static func run<T>(size: Int, _ body: @escaping @Sendable (ThreadCommunicator) throws -> T) -> [Result<T, Error>] {
        let group = Group(size: size)
        let results = ResultBox<T>(count: size)
        let threads = (0..<size).map { rank in
            let thread = Thread {
                let outcome = Result { try body(ThreadCommunicator(rank: rank, group: group)) }
                results.set(rank, outcome)
            }
            thread.stackSize = 16 << 20
            return thread
        }
        threads.forEach { $0.start() }
        results.waitForAll()
        return results.values.map { $0! }
    }

    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {
        let all = group.exchange(rank, Array(values))
        for i in 0..<values.count { values[i] = all.dropFirst().reduce(all[0][i]) { $0 + $1[i] } }
    }

    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws {
        let all = group.exchange(rank, Array(values))
        for i in 0..<values.count { values[i] = all.dropFirst().reduce(all[0][i]) { $0 + $1[i] } }
    }

    public func allreduceMax(_ values: UnsafeMutableBufferPointer<Int64>) throws {
        let all = group.exchange(rank, Array(values))
        for i in 0..<values.count { values[i] = all.map { $0[i] }.max()! }
    }

    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, from root: Int) throws {
        let all = group.exchange(rank, Array(bytes))
        precondition(all.allSatisfy { $0.count == bytes.count }, "broadcast sizes differ between ranks")
        for i in 0..<bytes.count { bytes[i] = all[root][i] }
    }

    public func barrier() throws { _ = group.exchange(rank, [UInt8]()) }

    public func abort(exitCode: Int32) -> Never { fatalError("rank \(rank) aborted the thread group (\(exitCode))") }

    /// The meeting point: each collective deposits every rank's contribution and hands all of them to every rank.
    private final class Group: @unchecked Sendable {
        let size: Int
        private let condition = NSCondition()
        private var slots: [Any?]
        private var snapshot: [Any] = []
        private var arrived = 0
        private var generation = 0

        init(size: Int) {
            self.size = size
            slots = Array(repeating: nil, count: size)
        }

        func exchange<T>(_ rank: Int, _ value: T) -> [T] {
            condition.lock()
            defer { condition.unlock() }
            slots[rank] = value
            arrived += 1
            let mine = generation
            if arrived == size {
                snapshot = slots.map { $0! }
                slots = Array(repeating: nil, count: size)
                arrived = 0
                generation += 1
                condition.broadcast()
            } else {
                while generation == mine { condition.wait() }
            }
            return snapshot.map { $0 as! T }
        }
    }

    private final class ResultBox<T>: @unchecked Sendable {
        private let condition = NSCondition()
        private(set) var values: [Result<T, Error>?]
        init(count: Int) { values = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ value: Result<T, Error>) {
            condition.lock()
            values[i] = value
            condition.broadcast()
            condition.unlock()
        }
        func waitForAll() {
            condition.lock()
            while values.contains(where: { $0 == nil }) { condition.wait() }
            condition.unlock()
        }
    }
}
