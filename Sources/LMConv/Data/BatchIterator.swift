/// Mini-batches of dataset indices: each epoch visits every index once in an order shuffled by a seeded
/// `Xoshiro256`; the position and generator state can be saved and restored, so a resumed run sees exactly the
/// batches an uninterrupted one would have.
public struct BatchIterator: Sendable, Equatable {
    /// Everything needed to resume: the epoch, the batch within it, and the generator state before that epoch's
    /// shuffle (the order is recomputed from it rather than stored).
    public struct State: Sendable, Equatable, Codable {
        public var epoch: Int
        public var batchIndex: Int
        public var epochStartRNG: [UInt64]

        public init(epoch: Int, batchIndex: Int, epochStartRNG: [UInt64]) {
            self.epoch = epoch
            self.batchIndex = batchIndex
            self.epochStartRNG = epochStartRNG
        }
    }

    /// Number of items (dataset size).
    public let count: Int
    /// Items per batch.
    public let batchSize: Int
    /// Whether an epoch's last, smaller batch is skipped.
    public let dropLast: Bool
    /// Whether epochs are shuffled (otherwise indices go in order 0..<count).
    public let shuffle: Bool
    /// The current epoch, from 0; it increases as soon as an epoch's last batch has been taken.
    public private(set) var epoch: Int
    /// The number of batches already taken in the current epoch.
    public private(set) var batchIndex: Int

    private var order: [Int]
    private var epochStartRNG: Xoshiro256
    private var rng: Xoshiro256

    /// An iterator at the start of epoch 0. Throws when `dropLast` leaves no batch at all.
    public init(count: Int, batchSize: Int, seed: UInt64, dropLast: Bool = false, shuffle: Bool = true) throws {
        try self.init(count: count, batchSize: batchSize, dropLast: dropLast, shuffle: shuffle,
                      state: State(epoch: 0, batchIndex: 0, epochStartRNG: Xoshiro256(seed: seed).stateWords))
    }

    /// An iterator resumed from `state` (saved by an iterator with the same count, batch size and options).
    public init(count: Int, batchSize: Int, dropLast: Bool = false, shuffle: Bool = true, state: State) throws {
        guard batchSize > 0 else {
            throw LMConvError.invalidArgument(reason: "batch size must be positive, got \(batchSize)")
        }
        guard count > 0 else { throw LMConvError.invalidArgument(reason: "cannot make batches of an empty dataset") }
        guard !dropLast || count >= batchSize else {
            throw LMConvError.invalidArgument(reason: "batch size \(batchSize) is larger than the dataset (\(count) images) and drop-last is set")
        }
        guard state.epochStartRNG.count == 4 else {
            throw LMConvError.invalidConfiguration(reason: "batch iterator state has \(state.epochStartRNG.count) generator words, expected 4")
        }
        self.count = count
        self.batchSize = batchSize
        self.dropLast = dropLast
        self.shuffle = shuffle
        self.epoch = state.epoch
        self.batchIndex = 0
        self.order = []
        self.epochStartRNG = Xoshiro256(state: state.epochStartRNG)
        self.rng = epochStartRNG
        startEpoch()
        guard (0..<batchesPerEpoch).contains(state.batchIndex) else {
            throw LMConvError.invalidConfiguration(reason: "batch iterator state is at batch \(state.batchIndex), outside the \(batchesPerEpoch) of an epoch")
        }
        self.batchIndex = state.batchIndex
    }

    /// Batches in each epoch.
    public var batchesPerEpoch: Int { dropLast ? count / batchSize : (count + batchSize - 1) / batchSize }

    /// The state to save for resuming.
    public var state: State { State(epoch: epoch, batchIndex: batchIndex, epochStartRNG: epochStartRNG.stateWords) }

    /// The indices of the next batch (the last one of an epoch may be smaller unless `dropLast`), moving on to a
    /// freshly shuffled epoch after an epoch's last batch.
    public mutating func next() -> [Int] {
        let start = batchIndex * batchSize
        let batch = Array(order[start..<min(start + batchSize, count)])
        batchIndex += 1
        if batchIndex == batchesPerEpoch {
            epoch += 1
            batchIndex = 0
            startEpoch()
        }
        return batch
    }

    /// Shuffles the order for the current epoch, remembering the generator state it started from.
    private mutating func startEpoch() {
        epochStartRNG = rng
        order = Array(0..<count)
        guard shuffle else { return }
        // Fisher-Yates with our own unbiased bounded draw, so the order never depends on the standard library's
        // choice of algorithm for random(in:).
        for i in stride(from: count - 1, to: 0, by: -1) {
            order.swapAt(i, Self.uniform(below: i + 1, &rng))
        }
    }

    /// A uniform integer in 0..<bound (Lemire's multiply-and-reject method).
    static func uniform(below bound: Int, _ rng: inout Xoshiro256) -> Int {
        let b = UInt64(bound)
        let threshold = (0 &- b) % b
        while true {
            let (high, low) = rng.next().multipliedFullWidth(by: b)
            if low >= threshold { return Int(high) }
        }
    }
}
