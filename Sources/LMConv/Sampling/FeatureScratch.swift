// Scratch memory of the incremental machinery, one per thread.

/// Per-thread buffers, sized for the whole batch.
final class FeatureScratch {
    let columns: UnsafeMutablePointer<Float>     // (KK*Cin, B), the largest conv's column block
    let first: UnsafeMutablePointer<Float>       // (2F, B)
    let second: UnsafeMutablePointer<Float>      // (2F, B)
    let third: UnsafeMutablePointer<Float>       // (2F, B)
    let statistics: UnsafeMutablePointer<Float>  // (2, B), PONO's per-image mean and variance

    init(columns: Int, block: Int) {
        self.columns = .allocate(capacity: columns)
        self.columns.initialize(repeating: 0, count: columns)
        first = .allocate(capacity: block)
        first.initialize(repeating: 0, count: block)
        second = .allocate(capacity: block)
        second.initialize(repeating: 0, count: block)
        third = .allocate(capacity: block)
        third.initialize(repeating: 0, count: block)
        statistics = .allocate(capacity: 2 * block)
        statistics.initialize(repeating: 0, count: 2 * block)
    }

    deinit {
        columns.deallocate()
        first.deallocate()
        second.deallocate()
        third.deallocate()
        statistics.deallocate()
    }
}
