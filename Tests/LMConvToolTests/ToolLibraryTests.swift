import Foundation
import LMConv
import XCTest

/// The library pieces behind the tool: regions, order selection and names, the metrics log, pictures.
final class ToolLibraryTests: XCTestCase {
    func rows(_ region: [Bool], width: Int) -> [String] {
        stride(from: 0, to: region.count, by: width).map { String(region[$0..<($0 + width)].map { $0 ? "#" : "." }) }
    }

    func testNamedRegions() throws {
        XCTAssertEqual(rows(try parseRegion("top", height: 4, width: 3), width: 3), ["###", "###", "...", "..."])
        XCTAssertEqual(rows(try parseRegion("bottom", height: 5, width: 2), width: 2), ["..", "..", "##", "##", "##"])
        XCTAssertEqual(rows(try parseRegion("left", height: 2, width: 4), width: 4), ["##..", "##.."])
        XCTAssertEqual(rows(try parseRegion("right", height: 2, width: 4), width: 4), ["..##", "..##"])
        XCTAssertEqual(rows(try parseRegion("center", height: 4, width: 4), width: 4), ["....", ".##.", ".##.", "...."])
        // The same block as s_curve_center_quarter_last generates last.
        let order = try GenerationOrder(named: "s_curve_center_quarter_last", height: 8, width: 8)
        let center = try parseRegion("center", height: 8, width: 8)
        XCTAssertEqual(Set(order.rowMajorIndices.suffix(16)), Set((0..<64).filter { center[$0] }))
    }

    func testRangeRegions() throws {
        XCTAssertEqual(rows(try parseRegion("1:3,0:2", height: 4, width: 3), width: 3), ["...", "##.", "##.", "..."])
        XCTAssertEqual(rows(try parseRegion(":2,:", height: 3, width: 2), width: 2), ["##", "##", ".."])
        XCTAssertEqual(rows(try parseRegion("2, 1:", height: 3, width: 3), width: 3), ["...", "...", ".##"])
        for bad in ["0:5,0:2", "0:2,1:9", "3:1,0:2", "a:b,0:1", "1:2", "", "middle", "-1:2,0:1", "1:1,0:2"] {
            XCTAssertThrowsError(try parseRegion(bad, height: 4, width: 3), bad) { error in
                XCTAssertTrue((error as? LMConvError)?.message.contains("region") ?? false, "\(error)")
            }
        }
    }

    func testMaskRegion() throws {
        var pixels = [UInt8](repeating: 255, count: 3 * 6)
        pixels[3 * 4] = 0; pixels[3 * 4 + 1] = 0; pixels[3 * 4 + 2] = 30        // dark: hidden
        pixels[3 * 5] = 200                                                  // light: kept
        let mask = RGBImage(width: 3, height: 2, channels: 3, pixels: pixels)
        XCTAssertEqual(try regionFromMask(mask, height: 2, width: 3, source: "m.png"), [false, false, false, false, true, false])
        XCTAssertThrowsError(try regionFromMask(mask, height: 3, width: 2, source: "m.png"))
        let white = RGBImage(width: 3, height: 2, channels: 1, pixels: [UInt8](repeating: 255, count: 6))
        XCTAssertThrowsError(try regionFromMask(white, height: 2, width: 3, source: "m.png"))
    }

    func testOrderSelectionAndNames() throws {
        let spec = OrderSpecification(names: ["s_curve", "raster_scan"], variants: 8)
        let two = try spec.orders(height: 4, width: 4, variantsPerBase: 2)
        let all = try spec.orders(height: 4, width: 4)
        XCTAssertEqual(two, [all[0], all[1], all[8], all[9]])
        XCTAssertEqual(spec.orderNames(variantsPerBase: 2),
                       ["s_curve", "s_curve.reflect_rows", "raster_scan", "raster_scan.reflect_rows"])
        XCTAssertEqual(spec.orderNames.count, 16)
        XCTAssertEqual(try OrderSpecification(names: ["s_curve"], variants: 1).orders(height: 4, width: 4, variantsPerBase: 1),
                       [try GenerationOrder(named: "s_curve", height: 4, width: 4)])
        XCTAssertThrowsError(try spec.orders(height: 4, width: 4, variantsPerBase: 9))
        XCTAssertThrowsError(try OrderSpecification(names: ["zigzag"]).checkNames())
        XCTAssertEqual(OrderSpecification(names: ["s_curve"], baseTranspose: true).orderNames(variantsPerBase: 1),
                       ["s_curve[transpose]"])
    }

    func testMetricsLogTruncatesOnResume() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        var log: MetricsLog? = try MetricsLog(url: url, fresh: true)
        for step in 1...5 { try log!.append(MetricsRecord(step: step, [("train_bpd", .double(Double(step) / 10))])) }
        try log!.append(MetricsRecord(step: 4, [("test_bpd", .double(0.5)), ("best", .bool(true))]))
        log = nil
        XCTAssertEqual(try MetricsLog.lines(in: url).first, "{\"step\":1,\"train_bpd\":0.1}")
        let handle = try FileHandle(forWritingTo: url)
        handle.seekToEndOfFile()
        handle.write(Data("{\"step\":6,\"tr".utf8))   // a torn line
        try handle.close()
        log = try MetricsLog(url: url, truncatingAfterStep: 3)
        try log!.append(MetricsRecord(step: 4, [("train_bpd", .double(.nan)), ("note", .string("a \"quoted\"\nline"))]))
        log = nil
        let records = try MetricsLog.records(in: url)
        XCTAssertEqual(records.map { $0["step"] as! Int }, [1, 2, 3, 4])
        XCTAssertTrue(records[3]["train_bpd"] is NSNull)
        XCTAssertEqual(records[3]["note"] as? String, "a \"quoted\"\nline")
    }

    func testOrderPictureAndCompletionPicture() throws {
        let order = try GenerationOrder(named: "raster_scan", height: 3, width: 5)
        let picture = OrderPicture.draw(order, cellSize: 4)
        XCTAssertEqual([picture.width, picture.height, picture.channels], [20, 12, 3])
        // The first pixel's centre is blue-ish, the last red-ish.
        func at(_ y: Int, _ x: Int) -> [UInt8] { Array(picture.pixels[(y * 20 + x) * 3..<(y * 20 + x) * 3 + 3]) }
        XCTAssertGreaterThan(at(2, 2)[2], at(2, 2)[0])
        XCTAssertGreaterThan(at(10, 18)[0], at(10, 18)[2])

        let originals: [UInt8] = [10, 20, 30, 40]                      // one 2x2 gray image
        let completions: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]            // two completions
        let grid = CompletionPicture.compose(originals: originals, completions: completions, count: 1, samples: 2,
                                             channels: 1, height: 2, width: 2, hidden: [false, true, false, false],
                                             scale: 1, separator: 1)
        XCTAssertEqual([grid.width, grid.height, grid.channels], [4 * 2 + 3, 2, 3])
        XCTAssertEqual(Array(grid.pixels[0..<6]), [10, 10, 10] + CompletionPicture.hiddenColour)
        XCTAssertEqual(Array(grid.pixels[9..<12]), [1, 1, 1])          // first completion, first pixel
        XCTAssertEqual(Array(grid.pixels[27..<30]), [10, 10, 10])      // the original
    }
}
