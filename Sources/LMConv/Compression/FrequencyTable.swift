/// A distribution over the symbols 0..<count as integer frequencies summing to exactly 2^24, with their cumulative
/// sums for the rANS coder.
public struct FrequencyTable: Equatable, Sendable {
    /// frequencies[s]: the probability of symbol s times 2^24.
    public let frequencies: [UInt32]
    /// cumulative[s] = frequencies[0] + ... + frequencies[s - 1]; count + 1 entries, the last one 2^24.
    public let cumulative: [UInt32]

    /// Checks that `frequencies` is non-empty and sums to exactly 2^24. Zero frequencies are allowed (such symbols
    /// cannot be coded); ``quantizeFrequencies(probabilities:precisionBits:)`` never produces them.
    public init(frequencies: [UInt32]) throws {
        guard !frequencies.isEmpty else { throw LMConvError.invalidArgument(reason: "frequency table: no symbols") }
        var sum: UInt64 = 0
        for f in frequencies { sum += UInt64(f) }
        guard sum == UInt64(RANS.totalFrequency) else {
            throw LMConvError.invalidArgument(reason: "frequency table: frequencies sum to \(sum), not 2^24 = \(RANS.totalFrequency)")
        }
        self.init(unchecked: frequencies)
    }

    /// For frequencies known to be valid (the quantizers' output).
    init(unchecked frequencies: [UInt32]) {
        self.frequencies = frequencies
        var cumulative = [UInt32](repeating: 0, count: frequencies.count + 1)
        for s in frequencies.indices { cumulative[s + 1] = cumulative[s] &+ frequencies[s] }
        self.cumulative = cumulative
    }

    /// The number of symbols.
    public var count: Int { frequencies.count }

    /// The symbol whose range [cumulative[s], cumulative[s + 1]) contains `slot` (< 2^24): binary search, at most
    /// 8 steps for 256 levels; a table lookup would cost 16 MiB per table at this precision.
    @inline(__always)
    func symbol(containing slot: UInt32) -> Int {
        // Invariant: cumulative[low] <= slot < cumulative[high]; zero-frequency symbols are skipped because the
        // search finds the last s with cumulative[s] <= slot.
        var low = 0, high = frequencies.count
        cumulative.withUnsafeBufferPointer { c in
            while high - low > 1 {
                let middle = (low + high) >> 1
                if c[middle] <= slot { low = middle } else { high = middle }
            }
        }
        return low
    }
}
