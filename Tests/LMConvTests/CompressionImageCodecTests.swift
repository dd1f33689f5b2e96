import Foundation
import LMConv
import LMConvTensor
import XCTest

/// A toy autoregressive model: a Markov chain over the levels along a fixed visiting order, its distribution a
/// function of the previous level, in each of the forms a real model produces.
struct MarkovSession: PixelModelSession {
    enum Form { case probabilities, mixture, binary }
    let order: [Int]
    let levels: Int
    let form: Form
    /// Shifts the model, to play a decoder with another model.
    var shift = 0.0
    private var step = 0
    private var previous = 0
    private var waiting = false

    init(order: [Int], levels: Int, form: Form, shift: Double = 0) {
        self.order = order
        self.levels = levels
        self.form = form
        self.shift = shift
    }

    func distribution(after previous: Int) -> CodecDistribution {
        switch form {
        case .probabilities:
            // Mass near the previous level, with a floor.
            return .probabilities((0..<levels).map { Foundation.exp(-abs(Double($0 - previous) + shift) / 3) + 1e-4 })
        case .mixture:
            let x = DiscretizedLogisticMixture.value(ofLevel: previous, levels: levels)
            return .logisticMixture(DiscretizedLogisticMixture(logits: [1, 0], means: [x * 0.9 + shift, -x],
                                                               logScales: [-3, -1], levels: levels))
        case .binary:
            return .binary(logitMinus: 0, logitPlus: (previous == 1 ? 2.5 : -1.5) + shift)
        }
    }

    mutating func nextPixel() throws -> CodecStep? {
        precondition(!waiting, "nextPixel twice without accept")
        guard step < order.count else { return nil }
        waiting = true
        return CodecStep(position: order[step], distribution: distribution(after: previous))
    }

    mutating func accept(level: Int) throws {
        precondition(waiting, "accept without nextPixel")
        waiting = false
        previous = level
        step += 1
    }
}

final class CompressionImageCodecTests: XCTestCase {
    /// An image drawn from the session's own model, and its information content in bits.
    static func sample(_ session: MarkovSession, count: Int, seed: UInt64) -> ([Int], Double) {
        var rng = Xoshiro256(seed: seed)
        var s = session
        var levels = [Int](repeating: 0, count: count)
        var bits = 0.0
        while let step = try! s.nextPixel() {
            let table = step.distribution.frequencyTable()
            let slot = UInt32(rng.next() % UInt64(RANS.totalFrequency))
            let level = table.cumulative.lastIndex { $0 <= slot }!
            levels[step.position] = level
            bits += 24 - Foundation.log2(Double(table.frequencies[level]))
            try! s.accept(level: level)
        }
        return (levels, bits)
    }

    static func shuffledOrder(_ count: Int, seed: UInt64) -> [Int] {
        var rng = Xoshiro256(seed: seed)
        return Array(0..<count).shuffled(using: &rng)
    }

    func testRoundTripsInEveryDistributionForm() throws {
        let cases: [(MarkovSession.Form, Int, Int)] = [
            (.probabilities, 256, 3 * 8 * 8), (.probabilities, 4, 100), (.mixture, 256, 3 * 16 * 16),
            (.mixture, 32, 28 * 28), (.mixture, 2, 50), (.binary, 2, 28 * 28), (.probabilities, 256, 0),
        ]
        for (index, (form, levels, count)) in cases.enumerated() {
            let order = Self.shuffledOrder(count, seed: UInt64(index))
            let model = MarkovSession(order: order, levels: levels, form: form)
            let (image, bits) = Self.sample(model, count: count, seed: UInt64(100 + index))
            var encoding = model
            let bytes = try ImageCodec.encode(levels: image, session: &encoding, source: "image \(index)")
            var decoding = model
            let decoded = try ImageCodec.decode(bytes, count: count, session: &decoding, source: "image \(index)")
            XCTAssertEqual(decoded, image, "\(form), \(levels) levels, \(count) sub-pixels")
            XCTAssertEqual(Double(bytes.count), bits / 8 + 6, accuracy: 2.1, "coded size against the information")
        }
    }

    func testDecodingWithAnotherModelFailsOrIsCaughtByThePixelCRC() throws {
        let count = 3 * 8 * 8
        let model = MarkovSession(order: Self.shuffledOrder(count, seed: 1), levels: 256, form: .mixture)
        let (image, _) = Self.sample(model, count: count, seed: 2)
        var encoding = model
        let bytes = try ImageCodec.encode(levels: image, session: &encoding, source: "a.png")
        for shift in [1e-3, 0.05] {
            var other = MarkovSession(order: model.order, levels: 256, form: .mixture, shift: shift)
            do {
                let decoded = try ImageCodec.decode(bytes, count: count, session: &other, source: "a.png")
                XCTAssertNotEqual(LMCFile.pixelCRC(levels: decoded), LMCFile.pixelCRC(levels: image), "shift \(shift)")
            } catch {
                XCTAssertTrue("\(error)".hasPrefix("a.png: coded data"), "\(error)")
            }
        }
        // Another visiting order is another model too.
        var reordered = MarkovSession(order: Self.shuffledOrder(count, seed: 9), levels: 256, form: .mixture)
        if let decoded = try? ImageCodec.decode(bytes, count: count, session: &reordered, source: "a.png") {
            XCTAssertNotEqual(decoded, image)
        }
    }

    func testSessionsThatVisitPositionsWronglyAreRefused() throws {
        let levels = [Int](repeating: 1, count: 4)
        func encodeError(order: [Int], levels: [Int] = levels, count: Int = 4) -> String? {
            var session = MarkovSession(order: order, levels: 4, form: .probabilities)
            do { _ = try ImageCodec.encode(levels: levels, session: &session, source: "x.png"); return nil } catch { return "\(error)" }
        }
        XCTAssertEqual(encodeError(order: [0, 1, 1, 2]), "x.png: the model session asked for sub-pixel 1 twice")
        XCTAssertEqual(encodeError(order: [0, 1, 2]), "x.png: the model session stopped after 3 of 4 sub-pixels")
        XCTAssertEqual(encodeError(order: [0, 1, 2, 4]), "x.png: the model session asked for sub-pixel 4 of an image of 4")
        XCTAssertEqual(encodeError(order: [0, 1, 2, 3], levels: [0, 1, 4, 0]),
                       "x.png, sub-pixel 2: level 4 cannot be coded under a distribution over 4 levels")
        XCTAssertEqual(encodeError(order: [0, 1, 2, 3], levels: [0, -1, 0, 0]),
                       "x.png, sub-pixel 1: level -1 cannot be coded under a distribution over 4 levels")
        var decoding = MarkovSession(order: [0, 0], levels: 4, form: .probabilities)
        var encoding = MarkovSession(order: [0, 1], levels: 4, form: .probabilities)
        let bytes = try ImageCodec.encode(levels: [2, 3], session: &encoding, source: "y.png")
        XCTAssertThrowsError(try ImageCodec.decode(bytes, count: 2, session: &decoding, source: "y.png")) {
            XCTAssertEqual("\($0)", "y.png: the model session asked for sub-pixel 0 twice")
        }
    }

    func testTruncatedCodedDataIsRefused() throws {
        let count = 64
        let model = MarkovSession(order: Array(0..<count), levels: 256, form: .probabilities)
        let (image, _) = Self.sample(model, count: count, seed: 5)
        var encoding = model
        let bytes = try ImageCodec.encode(levels: image, session: &encoding, source: "t.png")
        for length in stride(from: 0, to: bytes.count, by: 1) {
            var decoding = model
            XCTAssertThrowsError(try ImageCodec.decode(Array(bytes[0..<length]), count: count, session: &decoding, source: "t.png"),
                                 "truncated to \(length) of \(bytes.count)")
        }
    }
}
