// Splitting N items (images to evaluate, score or compress) between the ranks of a job, and putting the per-item
// results back together in item order, so that any number of ranks gives one process's numbers.

/// The contiguous part of `0..<count` that one rank works on: rank r of P takes items [r·N/P, (r+1)·N/P), so the
/// parts differ by at most one item and cover every item once, in order.
public struct Shard: Sendable, Equatable {
    /// All items.
    public let count: Int
    /// This rank's items.
    public let range: Range<Int>

    /// Rank `rank`'s part of `count` items split between `size` ranks.
    public init(count: Int, rank: Int, size: Int) {
        precondition(count >= 0 && size >= 1 && (0..<size).contains(rank))
        self.count = count
        range = (rank * count / size)..<((rank + 1) * count / size)
    }

    /// This communicator's rank's part of `count` items.
    public init(count: Int, communicator: any Communicator) {
        self.init(count: count, rank: communicator.rank, size: communicator.size)
    }

    /// Every rank's per-item results in item order, on every rank: `local` holds `width` values for each item of
    /// ``range``, the result `width` values for each of the ``count`` items. One allreduce of count·width doubles
    /// (every rank contributes zeros outside its part, and x + 0 is exact, so the values are the ranks' own bits).
    public func gather(_ local: [Double], width: Int = 1, communicator: any Communicator) throws -> [Double] {
        precondition(local.count == range.count * width, "\(local.count) values for \(range.count) items x \(width)")
        guard communicator.isDistributed else { return local }
        var all = [Double](repeating: 0, count: count * width)
        for (i, v) in local.enumerated() { all[range.lowerBound * width + i] = v }
        try communicator.allreduceSum(&all)
        return all
    }
}
