import LMConv
import XCTest

final class DataResizeTests: XCTestCase {
    func resize(_ pixels: [UInt8], _ h: Int, _ w: Int, to H: Int, _ W: Int, _ method: ResizeMethod, planes: Int = 1) -> [UInt8] {
        ImageResampling.resize(pixels, planes: planes, from: ImageSize(height: h, width: w),
                               to: ImageSize(height: H, width: W), method: method)
    }

    func testAreaExactValues() {
        // Integer factor: 2x2 block means.
        XCTAssertEqual(resize([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150], 4, 4, to: 2, 2, .area),
                       [25, 45, 105, 125])
        // 3 -> 2: output 0 covers source [0, 1.5): (1 * 0 + 0.5 * 90) / 1.5 = 30; output 1: (0.5 * 90 + 180) / 1.5 = 150.
        XCTAssertEqual(resize([0, 90, 180], 1, 3, to: 1, 2, .area), [30, 150])
        // 3x3 -> 2x2, weights (2/3, 1/3) and (1/3, 2/3) on both axes.
        XCTAssertEqual(resize([0, 30, 60, 90, 120, 150, 180, 210, 240], 3, 3, to: 2, 2, .area), [40, 80, 160, 200])
        // Halves round up.
        XCTAssertEqual(resize([0, 1], 1, 2, to: 1, 1, .area), [1])
        XCTAssertEqual(resize([254, 255, 255, 255], 2, 2, to: 1, 1, .area), [255])
        // Planes are resized independently.
        XCTAssertEqual(resize([0, 90, 180, 255, 255, 0], 1, 3, to: 1, 2, .area, planes: 2), [30, 150, 255, 85])
    }

    /// torch.nn.functional.interpolate(x, size, mode='bilinear', align_corners=False) on these inputs gives these.
    func testBilinearExactValues() {
        XCTAssertEqual(resize([0, 100], 1, 2, to: 1, 4, .bilinear), [0, 25, 75, 100])
        XCTAssertEqual(resize([0, 10, 20, 30], 1, 4, to: 1, 2, .bilinear), [5, 25])
        // 2x2 -> 3x3: source positions -1/6 (clamped to 0), 1/2, 7/6 (past the last pixel) on both axes.
        XCTAssertEqual(resize([0, 100, 200, 40], 2, 2, to: 3, 3, .bilinear), [0, 50, 100, 100, 85, 70, 200, 120, 40])
        // Columns only: 2 -> 4 on each of two rows.
        XCTAssertEqual(resize([0, 100, 200, 0], 2, 2, to: 2, 4, .bilinear), [0, 25, 75, 100, 200, 150, 50, 0])
    }

    func testIdentityAtTheSameSize() {
        var rng = Xoshiro256(seed: 3)
        let pixels = (0..<(2 * 5 * 7)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        for method in ResizeMethod.allCases {
            XCTAssertEqual(resize(pixels, 5, 7, to: 5, 7, method, planes: 2), pixels)
        }
        let data = ImageDataset(count: 2, channels: 1, height: 5, width: 7, pixels: pixels, labels: [1, 2])
        XCTAssertEqual(data.resized(to: ImageSize(height: 5, width: 7), method: .area), data)
    }

    /// Shrinking by integer factors gives each block's mean rounded, so the mean of the image moves by less than 1/2.
    func testAreaPreservesMeans() {
        var rng = Xoshiro256(seed: 4)
        let (h, w) = (12, 24)
        let pixels = (0..<(h * w)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        for (fy, fx) in [(2, 2), (3, 4), (4, 8), (12, 24), (1, 3)] {
            let (H, W) = (h / fy, w / fx)
            let out = resize(pixels, h, w, to: H, W, .area)
            for y in 0..<H {
                for x in 0..<W {
                    var sum = 0
                    for dy in 0..<fy { for dx in 0..<fx { sum += Int(pixels[(y * fy + dy) * w + x * fx + dx]) } }
                    let n = fy * fx
                    XCTAssertEqual(Int(out[y * W + x]), (2 * sum + n) / (2 * n), "\(fy)x\(fx) at \(y),\(x)")
                }
            }
            let inMean = Double(pixels.reduce(0) { $0 + Int($1) }) / Double(h * w)
            let outMean = Double(out.reduce(0) { $0 + Int($1) }) / Double(H * W)
            XCTAssertEqual(outMean, inMean, accuracy: 0.5)
        }
        // Fractional factors preserve the mean of a constant image exactly and of a ramp closely.
        XCTAssertEqual(resize([UInt8](repeating: 77, count: 7 * 5), 7, 5, to: 3, 2, .area), [UInt8](repeating: 77, count: 6))
    }

    func testSizeParsing() {
        XCTAssertEqual(ImageSize(parsing: "64"), ImageSize(height: 64, width: 64))
        XCTAssertEqual(ImageSize(parsing: "32x48"), ImageSize(height: 32, width: 48))
        XCTAssertEqual(ImageSize(parsing: "32X48")?.description, "32x48")
        for bad in ["", "x", "0", "3x", "x3", "-2x4", "2x3x4", "70000", "a"] { XCTAssertNil(ImageSize(parsing: bad), bad) }
    }
}
