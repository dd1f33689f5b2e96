import LMConv
import TestSupport
import XCTest

/// The model codec: exact round trips for every kind of model, bits independent of the batch and the thread count
/// (the portable step arithmetic), coded length equal to the information content, refusals of wrong input.
final class CompressionModelCodecTests: XCTestCase {
    func model(_ cfg: ModelConfiguration, seed: UInt64) throws -> LocallyMaskedPixelCNN {
        try perturbedModel(cfg, seed: seed, offset: 100)
    }

    let binary = ModelConfiguration(channels: 1, height: 6, width: 6, binarize: true, filters: 6, resnets: 1)
    let gray = ModelConfiguration(channels: 1, height: 6, width: 6, binarize: false, filters: 6, resnets: 1,
                                  mixtures: 3, nBits: 8)
    let rgb = ModelConfiguration(channels: 3, height: 6, width: 6, binarize: false, filters: 6, resnets: 1,
                                 mixtures: 2, nBits: 3, learnWeightForMasks: true)

    /// Random images the model can code: 0/255 for binary, the n-bit levels' pixel values otherwise; smooth-ish so
    /// that a model has something to do.
    func images(_ cfg: ModelConfiguration, count: Int, height: Int, width: Int, seed: UInt64) -> CodecImages {
        var rng = Xoshiro256(seed: seed)
        let top = cfg.binarize ? 1 : (1 << cfg.nBits) - 1
        let pixels = (0..<(count * cfg.channels * height * width)).map { _ -> UInt8 in
            let level = Int(rng.nextUniform() * Float(top + 1)) % (top + 1)
            return UInt8((Double(level) * 255 / Double(top)).rounded())
        }
        return CodecImages(channels: cfg.channels, height: height, width: width, pixels: pixels,
                           names: (0..<count).map { "image-\($0).png" })
    }

    /// Compress then decompress restores every pixel and name, for binary, 8-bit gray and 3-bit RGB models, at a
    /// size other than the configuration's, with 1 and 3 orders tried and 1, 2 or 64 images per stream (groups
    /// that straddle the decoder's batches of 3); the coded bytes are within a state and a word per stream of the
    /// information content under the distributions, and trying more orders never costs more information.
    func testRoundTripsExactlyForEveryKindOfModel() throws {
        for (what, cfg) in [("binary", binary), ("gray", gray), ("rgb", rgb)] {
            var codec = try ModelCodec(model: model(cfg, seed: 4), orders: OrderSpecification(), batchSize: 3)
            let input = images(cfg, count: 5, height: 5, width: 7, seed: 11)
            for perStream in [1, 2, 64] {
                codec.imagesPerStream = perStream
                let (file1, report1) = try codec.compress(input, ordersToTry: 1)
                let (file3, report3) = try codec.compress(input, ordersToTry: 3)
                for (file, report) in [(file1, report1), (file3, report3)] {
                    let bytes = try file.serialized(source: what)
                    XCTAssertEqual(bytes.count, report.fileBytes, what)
                    XCTAssertEqual(report.streams, file.groups.count, what)
                    XCTAssertTrue(file.groups.allSatisfy { $0.count <= perStream }, what)
                    let decoded = try codec.decompress(try LMCFile(parsing: bytes, source: what), source: what)
                    XCTAssertEqual(decoded, input, what)
                    // rANS: 8 bytes of final state per stream plus at most one partly used 4-byte word.
                    let ideal = report.informationBits / 8
                    XCTAssertGreaterThanOrEqual(Double(report.codedBytes), ideal - 1, what)
                    XCTAssertLessThanOrEqual(Double(report.codedBytes), ideal + Double(12 * report.streams), what)
                }
                XCTAssertLessThanOrEqual(report3.informationBits, report1.informationBits, what)
                XCTAssertEqual(report1.chosenOrder, [Int](repeating: 0, count: 5), what)
                XCTAssertEqual(report1.streams, (5 + perStream - 1) / perStream, what)
                XCTAssertEqual(report3.bitsPerOrder.map { $0.count }, [Int](repeating: 3, count: 5), what)
                for i in 0..<5 {
                    XCTAssertEqual(report3.bitsPerOrder[i][report3.chosenOrder[i]], report3.bitsPerOrder[i].min(), what)
                }
            }
        }
    }

    /// The portable step gives each image the same output parameters to the bit alone or in a batch, and at 1 or
    /// 2 threads; and they are the fast arithmetic's up to rounding.
    func testPortableStepIsIndependentOfBatchAndThreads() throws {
        defer { Parallelism.setThreadCount(nil) }
        for cfg in [gray, rgb] {
            let model = try model(cfg, seed: 8)
            let order = try GenerationOrder.sCurve(height: 5, width: 5).variant(2)
            var rng = Xoshiro256(seed: 3)
            let B = 11
            let x = Tensor(shape: [B, cfg.channels, 5, 5], scalars: (0..<(B * cfg.channels * 25)).map { _ in
                Float(Int(rng.nextUniform() * 8) % 8) / 7 * 2 - 1 })
            func run(_ images: Tensor, arithmetic: StepArithmetic, threads: Int) throws -> [[[Float]]] {
                Parallelism.setThreadCount(threads)
                let session = try AutoregressiveSession(model: model, images: images, observed: nil, order: order,
                                                        arithmetic: arithmetic)
                var out: [[[Float]]] = []   // (steps, B, OC)
                while let q = session.nextPixel {
                    out.append(try session.outputParameters())
                    let pixel = (0..<images.shape[0]).map { b in
                        (0..<cfg.channels).map { c in images.scalars[(b * cfg.channels + c) * 25 + q] } }
                    try session.acceptPixel(pixel)
                }
                return out
            }
            let together1 = try run(x, arithmetic: .portable, threads: 1)
            let together2 = try run(x, arithmetic: .portable, threads: 2)
            XCTAssertEqual(together1, together2)
            for b in [0, 4, 10] {
                let alone = try run(Tensor(shape: [1, cfg.channels, 5, 5],
                                           scalars: Array(x.scalars[(b * cfg.channels * 25)..<((b + 1) * cfg.channels * 25)])),
                                    arithmetic: .portable, threads: 2)
                XCTAssertEqual(alone.map { $0[0] }, together1.map { $0[b] }, "image \(b) alone")
            }
            let fast = try run(x, arithmetic: .fast, threads: 2)
            for (p, f) in zip(together1.joined().joined(), fast.joined().joined()) {
                XCTAssertEqual(p, f, accuracy: 1e-4 * max(1, abs(f)))
            }
        }
    }

    /// The portable codec distribution of a mixture is the likelihood's (PixelDistribution), channel after channel.
    func testCodecDistributionIsTheLikelihoods() throws {
        for cfg in [gray, rgb] {
            var rng = Xoshiro256(seed: 21)
            let parameters = (0..<cfg.outputChannels).map { _ in rng.nextNormal() }
            var earlier: [Int] = []
            for c in 0..<cfg.channels {
                let codec = CodecDistribution(parameters: parameters, configuration: cfg, channel: c, earlierLevels: earlier)
                let likelihood = PixelDistribution(parameters: parameters, configuration: cfg, channel: c, earlierLevels: earlier)
                guard case let .logisticMixture(mixture) = codec else { return XCTFail("not a mixture") }
                for (a, b) in zip(mixture.probabilities(), likelihood.probabilities) { XCTAssertEqual(a, b, accuracy: 1e-6) }
                earlier.append(c + 2)
            }
        }
    }

    /// Decoding refuses a file of another model, flipped coded bits (CRC or decoder) and pixels the model cannot
    /// code; nothing is returned.
    func testRefusals() throws {
        let codec = try ModelCodec(model: model(gray, seed: 4), orders: OrderSpecification())
        let other = try ModelCodec(model: model(gray, seed: 5), orders: OrderSpecification())
        let input = images(gray, count: 2, height: 4, width: 4, seed: 1)
        let (file, _) = try codec.compress(input)
        XCTAssertThrowsError(try other.decompress(file, source: "f.lmc")) { error in
            XCTAssertTrue("\(error)".contains("another model"), "\(error)")
        }
        // A flipped bit in the stream, at its start (the coder's state), in the middle and in its last word.
        for offset in [1, file.streams[0].count / 2, file.streams[0].count - 1] {
            var corrupt = file
            corrupt.streams[0][offset] ^= 0x10
            XCTAssertThrowsError(try codec.decompress(corrupt, source: "f.lmc"), "offset \(offset)") { error in
                XCTAssertTrue("\(error)".hasPrefix("f.lmc"), "\(error)")
            }
        }
        var wrongCRC = file
        wrongCRC.images[1].pixelCRC ^= 1
        XCTAssertThrowsError(try codec.decompress(wrongCRC, source: "f.lmc")) { error in
            XCTAssertTrue("\(error)".contains("f.lmc: image 1 (image-1.png): decoded pixels fail their CRC"), "\(error)")
        }
        let binaryCodec = try ModelCodec(model: model(binary, seed: 4), orders: OrderSpecification())
        XCTAssertThrowsError(try binaryCodec.compress(CodecImages(channels: 1, height: 2, width: 2, pixels: [0, 255, 7, 0]))) { error in
            XCTAssertTrue("\(error)".contains("pixel value 7"), "\(error)")
        }
        XCTAssertThrowsError(try codec.compress(input, ordersToTry: 9))
    }
}
