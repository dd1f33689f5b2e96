import LMConv
import TestSupport
import XCTest

final class DataPreprocessingTests: XCTestCase {
    func testEightBitsMatchesReferenceInputExactly() throws {
        for folder in ["gray-28", "rgb-32"] {
            let path = DataTestKit.fixture(folder + "/expected.safetensors")
            let x = try Preprocessing.quantize(DataTestKit.safetensorsBytes(path, "images_uint8"), nBits: 8)
            XCTAssertEqual(x, try DataTestKit.safetensorsFloats(path, "x"), folder)  // bit for bit
        }
        XCTAssertEqual(Preprocessing.quantize([0, 255, 51], nBits: 8), [-1, 1, -0.6])
        assertClose(Preprocessing.quantize([128], nBits: 8), [1.0 / 255], relativeTolerance: 1e-6)
    }

    func testFiveBits() {
        // v -> floor(v / 8) -> 2 * that / 31 - 1.
        let x = Preprocessing.quantize([0, 7, 8, 100, 128, 255], nBits: 5)
        assertClose(x, [-1, -1, 2.0 / 31 - 1, 24.0 / 31 - 1, 32.0 / 31 - 1, 1], relativeTolerance: 1e-6)
        XCTAssertEqual(Set(Preprocessing.quantize((0...255).map { UInt8($0) }, nBits: 5)).count, 32)
    }

    func testThresholdMatchesBinarizedFixture() throws {
        let path = DataTestKit.fixture("binary-28/expected.safetensors")
        let x = try Preprocessing.binarize(DataTestKit.safetensorsBytes(path, "images_uint8"), threshold: 128)
        XCTAssertEqual(x, try DataTestKit.safetensorsFloats(path, "x"))
        XCTAssertEqual(Preprocessing.binarize([127, 128, 0, 255]), [-1, 1, -1, 1])
    }

    func testDynamicBinarization() {
        var rng = Xoshiro256(seed: 7)
        var replay = rng
        let pixels = [UInt8](repeating: 64, count: 20000) + [0, 255]
        let x = Preprocessing.binarizeDynamically(pixels, rng: &rng)
        XCTAssertEqual(x.last, 1)  // 255/255 = 1 > u always
        XCTAssertEqual(x[x.count - 2], -1)  // 0 > u never
        let ones = x.prefix(20000).filter { $0 == 1 }.count
        XCTAssertEqual(Double(ones) / 20000, 64.0 / 255, accuracy: 0.015)
        // One uniform draw per pixel, compared as v/255 > u.
        var check = Xoshiro256(seed: 7)
        for i in 0..<100 { XCTAssertEqual(x[i], Float(64) / 255 > check.nextUniform() ? 1 : -1) }
        for _ in 0..<pixels.count { _ = replay.nextUniform() }
        XCTAssertEqual(replay, rng)
        // Drawn afresh: a second pass differs.
        XCTAssertNotEqual(Preprocessing.binarizeDynamically(pixels, rng: &rng), x)
    }

    func testEncodingAndBatches() throws {
        let data = ImageDataset(count: 3, channels: 1, height: 1, width: 2, pixels: [0, 255, 10, 200, 128, 127])
        var rng = Xoshiro256(seed: 1)
        XCTAssertEqual(data.networkInput([2, 0], encoding: .threshold(128), rng: &rng), [1, -1, -1, 1])
        XCTAssertEqual(data.networkInput([1], encoding: .bits(8), rng: &rng), Preprocessing.quantize([10, 200], nBits: 8))
        XCTAssertEqual(rng, Xoshiro256(seed: 1))  // deterministic encodings leave the generator alone
        XCTAssertEqual(data.networkInput([0, 1], encoding: .dynamicBinarization, rng: &rng).count, 4)
        XCTAssertNotEqual(rng, Xoshiro256(seed: 1))
        XCTAssertTrue(PixelEncoding.dynamicBinarization.isBinary)
        XCTAssertEqual(PixelEncoding.threshold(128).bits, 1)
        XCTAssertEqual(PixelEncoding.bits(5).bits, 5)
    }

    func testDisplayInverse() {
        let all = (0...255).map { UInt8($0) }
        XCTAssertEqual(Preprocessing.toDisplay(Preprocessing.quantize(all, nBits: 8)), all)
        let five = Preprocessing.toDisplay(Preprocessing.quantize(all, nBits: 5), nBits: 5)
        XCTAssertEqual(five, all.map { UInt8((Double($0 >> 3) * 255 / 31).rounded()) })
        XCTAssertEqual(Preprocessing.toDisplay([-1, 1, -0.2, 0.3], nBits: 1), [0, 255, 0, 255])
        XCTAssertEqual(Preprocessing.toDisplay([-3, 2, .nan, .infinity]), [0, 255, 0, 255])
    }
}
