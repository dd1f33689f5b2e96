import Foundation
import LMConv
import XCTest

final class DataPreparationTests: XCTestCase {
    func testParsingAndText() throws {
        let p = try DatasetPreparation(parsing: "64x48, GRAY,bits5,bilinear", context: "x")
        XCTAssertEqual(p, DatasetPreparation(size: ImageSize(height: 64, width: 48), channels: 1, nBits: 5, method: .bilinear))
        XCTAssertEqual(p.description, "64x48,gray,bits5,bilinear")
        XCTAssertEqual(try DatasetPreparation(parsing: p.description, context: "x"), p)
        XCTAssertEqual(try DatasetPreparation(parsing: "rgb,32", context: "x").description, "32x32,rgb")
        DataTestKit.assertError(["src@64,blue", "'blue'", "bits1...bits8"]) { try DatasetPreparation(parsing: "64,blue", context: "src@64,blue") }
        DataTestKit.assertError(["'bits9'"]) { try DatasetPreparation(parsing: "bits9", context: "s") }
        DataTestKit.assertError(["the size is given twice"]) { try DatasetPreparation(parsing: "64,32", context: "s") }
        DataTestKit.assertError(["''"]) { try DatasetPreparation(parsing: "64,", context: "s") }
    }

    func testSourcesAndRecordedSources() throws {
        XCTAssertTrue(try ImageDataset.parseSource("fashion-mnist") == ("fashion-mnist", .none))
        let (base, prep) = try ImageDataset.parseSource("photos/@64,gray")
        XCTAssertEqual(base, "photos/")
        XCTAssertEqual(prep, DatasetPreparation(size: ImageSize(height: 64, width: 64), channels: 1))
        XCTAssertTrue(ImageDataset.isDatasetName("MNIST-5k-test@14"))
        XCTAssertFalse(ImageDataset.isDatasetName("mnist-5k-valid"))
        XCTAssertEqual(ImageDataset.recordedSource("Fashion-MNIST"), "fashion-mnist")
        XCTAssertEqual(ImageDataset.recordedSource("mnist-5k-train@gray,28x28"), "mnist-5k-train@28x28,gray")
        let cwd = FileManager.default.currentDirectoryPath
        XCTAssertEqual(ImageDataset.recordedSource("celeba/./train@64,bits5"), cwd + "/celeba/train@64x64,bits5")
        XCTAssertEqual(ImageDataset.recordedSource("/data/x.npy"), "/data/x.npy")
        // A path that exists is taken whole, even with an @ in it.
        let dir = try DataTestKit.makeDirectory()
        defer { DataTestKit.removeDirectory(dir) }
        let odd = dir + "/run@2"
        try DataTestKit.write([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 42], odd)
        XCTAssertEqual(try ImageDataset.load(source: odd, split: .test).pixels, [42])
        XCTAssertEqual(try ImageDataset.load(source: odd + "@2", split: .test).pixels, [42, 42, 42, 42])
        DataTestKit.assertError([dir + "/none", "no such file"]) { try ImageDataset.load(source: dir + "/none@8", split: .test) }
    }

    func testChannelConversions() {
        // PIL's convert("L"): (19595 R + 38470 G + 7471 B + 2^15) >> 16.
        XCTAssertEqual(DatasetPreparation.luma(255, 255, 255), 255)
        XCTAssertEqual(DatasetPreparation.luma(255, 0, 0), 76)
        XCTAssertEqual(DatasetPreparation.luma(0, 255, 0), 150)
        XCTAssertEqual(DatasetPreparation.luma(0, 0, 255), 29)
        XCTAssertEqual(DatasetPreparation.luma(10, 20, 30), 18)
        let rgb = ImageDataset(count: 1, channels: 3, height: 1, width: 2, pixels: [255, 10, 0, 20, 0, 30], labels: [5])
        let gray = DatasetPreparation(channels: 1).apply(to: rgb)
        XCTAssertEqual(gray, ImageDataset(count: 1, channels: 1, height: 1, width: 2, pixels: [76, 18], labels: [5]))
        XCTAssertEqual(DatasetPreparation(channels: 3).apply(to: gray).pixels, [76, 18, 76, 18, 76, 18])
        XCTAssertEqual(DatasetPreparation.none.apply(to: rgb), rgb)
    }

    /// The n-bit reduction, the model's input quantisation, display and sampling use the same 2^n levels: reduced
    /// pixels are what `toDisplay` shows for the quantised value, quantise to the same network value as the original
    /// pixel, and a sampled pixel is always one of those values.
    func testBitDepthsAgree() {
        for n in 1...8 {
            let all = (0...255).map { UInt8($0) }
            let levels = (0..<(1 << n)).map { Float(2 * $0) / Float((1 << n) - 1) - 1 }
            let quantized = Preprocessing.quantize(all, nBits: n)
            XCTAssertEqual(Set(quantized), Set(levels), "n_bits \(n)")
            let reduced = all.map { DatasetPreparation.reducedPixel($0, nBits: n) }
            XCTAssertEqual(Preprocessing.quantize(reduced, nBits: n), quantized, "n_bits \(n)")
            XCTAssertEqual(Preprocessing.toDisplay(quantized, nBits: n), reduced, "n_bits \(n)")
            XCTAssertEqual(reduced.map { DatasetPreparation.reducedPixel($0, nBits: n) }, reduced, "idempotent, \(n)")
            XCTAssertEqual(Set(reduced).count, 1 << n)
            for channels in [1, 3] {
                let cfg = ModelConfiguration(channels: channels, height: 1, width: 1, binarize: false, mixtures: 3, nBits: n)
                var rng = Xoshiro256(seed: UInt64(n * 10 + channels))
                for _ in 0..<200 {
                    let params = (0..<cfg.outputChannels).map { _ in rng.nextUniform() * 4 - 2 }
                    for v in samplePixel(params, configuration: cfg, temperature: 1, rng: &rng) {
                        XCTAssertTrue(levels.contains(v), "sample \(v) at n_bits \(n) is not a bin value")
                    }
                }
            }
        }
        XCTAssertEqual((0..<32).map { DatasetPreparation.reducedPixel(UInt8($0 * 8), nBits: 5) }.prefix(4), [0, 8, 16, 25])
    }
}
