import Foundation
import LMConv
import XCTest

final class DataBatchIteratorTests: XCTestCase {
    func testEpochsArePermutationsInBatches() throws {
        var it = try BatchIterator(count: 10, batchSize: 4, seed: 42)
        XCTAssertEqual(it.batchesPerEpoch, 3)
        var epochs = [[Int]]()
        for _ in 0..<2 {
            var seen = [Int]()
            let sizes = (0..<3).map { _ -> Int in
                let b = it.next()
                seen += b
                return b.count
            }
            XCTAssertEqual(sizes, [4, 4, 2])
            XCTAssertEqual(seen.sorted(), Array(0..<10))
            epochs.append(seen)
        }
        XCTAssertEqual(it.epoch, 2)
        XCTAssertEqual(it.batchIndex, 0)
        XCTAssertNotEqual(epochs[0], epochs[1])  // reshuffled each epoch
        XCTAssertNotEqual(epochs[0], Array(0..<10))

        var other = try BatchIterator(count: 10, batchSize: 4, seed: 43)
        XCTAssertNotEqual(other.next() + other.next() + other.next(), epochs[0])
        var ordered = try BatchIterator(count: 5, batchSize: 2, seed: 1, shuffle: false)
        XCTAssertEqual([ordered.next(), ordered.next(), ordered.next(), ordered.next()], [[0, 1], [2, 3], [4], [0, 1]])
    }

    func testDropLast() throws {
        var it = try BatchIterator(count: 10, batchSize: 4, seed: 3, dropLast: true)
        XCTAssertEqual(it.batchesPerEpoch, 2)
        XCTAssertEqual(it.next().count, 4)
        XCTAssertEqual(it.next().count, 4)
        XCTAssertEqual(it.epoch, 1)
        DataTestKit.assertError(["batch size 8", "drop-last"]) { try BatchIterator(count: 5, batchSize: 8, seed: 1, dropLast: true) }
        DataTestKit.assertError(["batch size must be positive"]) { try BatchIterator(count: 5, batchSize: 0, seed: 1) }
    }

    func testResumesIdentically() throws {
        for stopAfter in [0, 1, 2, 3, 7, 9] {  // mid-epoch and at epoch boundaries (3 batches per epoch)
            var uninterrupted = try BatchIterator(count: 11, batchSize: 4, seed: 2020)
            var first = try BatchIterator(count: 11, batchSize: 4, seed: 2020)
            var expected = [[Int]]()
            for _ in 0..<(stopAfter + 12) { expected.append(uninterrupted.next()) }
            var seen = [[Int]]()
            for _ in 0..<stopAfter { seen.append(first.next()) }
            // Save through JSON, as a checkpoint would, and resume in a fresh iterator.
            let saved = try JSONEncoder().encode(first.state)
            let state = try JSONDecoder().decode(BatchIterator.State.self, from: saved)
            XCTAssertEqual(state, first.state)
            XCTAssertEqual(state.epoch, stopAfter / 3)
            XCTAssertEqual(state.batchIndex, stopAfter % 3)
            var resumed = try BatchIterator(count: 11, batchSize: 4, state: state)
            XCTAssertEqual(resumed, first)
            for _ in 0..<12 { seen.append(resumed.next()) }
            XCTAssertEqual(seen, expected, "resumed after \(stopAfter) batches")
        }
    }

    func testBadStateIsRejected() throws {
        let state = BatchIterator.State(epoch: 0, batchIndex: 5, epochStartRNG: Xoshiro256(seed: 1).stateWords)
        DataTestKit.assertError(["batch 5", "3 of an epoch"]) { try BatchIterator(count: 10, batchSize: 4, state: state) }
        let short = BatchIterator.State(epoch: 0, batchIndex: 0, epochStartRNG: [1, 2])
        DataTestKit.assertError(["2 generator words"]) { try BatchIterator(count: 10, batchSize: 4, state: short) }
    }
}
