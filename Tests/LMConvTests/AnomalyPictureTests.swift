import Foundation
import LMConv
import TestSupport
import XCTest

/// The pictures of anomaly maps and ROC curves: colour scale, ticks, text, and where things land on the canvas.
final class AnomalyPictureTests: XCTestCase {
    func testNiceTicks() {
        XCTAssertEqual(niceTicks(upTo: 2), [0, 0.5, 1, 1.5, 2])
        XCTAssertEqual(niceTicks(upTo: 7.3), [0, 2, 4, 6, 8])
        XCTAssertEqual(niceTicks(upTo: 1), [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1])
        XCTAssertEqual(niceTicks(upTo: 12), [0, 2.5, 5, 7.5, 10, 12.5])
        XCTAssertEqual(tickLabel(0.6000000000000001), "0.6")
        XCTAssertEqual(tickLabel(2.5), "2.5")
        XCTAssertEqual(tickLabel(1000), "1000")
    }

    func testColourScaleEndsAndOrder() {
        XCTAssertEqual(ColourScale.colour(0), RGB(0, 0, 4))
        XCTAssertEqual(ColourScale.colour(1), RGB(252, 255, 164))
        XCTAssertEqual(ColourScale.colour(-3), ColourScale.colour(0))
        XCTAssertEqual(ColourScale.colour(.nan), ColourScale.colour(0))
        // Brightness (sum of channels) increases along the scale.
        let brightness = (0...20).map { i -> Int in let c = ColourScale.colour(Double(i) / 20); return Int(c.r) + Int(c.g) + Int(c.b) }
        XCTAssertEqual(brightness, brightness.sorted())
    }

    func testTextDrawsTheGlyphDots() {
        var canvas = Canvas(width: 20, height: 10)
        canvas.text("1", x: 2, y: 1, .black, scale: 1)
        // '1' is 0x04, 0x0C, 0x04, ...: the column at x = 2 + 2 is on in every row but the bottom is 0x0E (3 dots).
        for row in 0..<7 { XCTAssertEqual(canvas.colour(x: 4, y: 1 + row), .black, "row \(row)") }
        XCTAssertEqual(canvas.colour(x: 3, y: 2), .black)       // the flag of the 1
        XCTAssertEqual(canvas.colour(x: 3, y: 3), .white)
        XCTAssertEqual(canvas.colour(x: 0, y: 0), .white)
        XCTAssertEqual(BitmapFont.width(of: "ab"), 11)
        XCTAssertEqual(BitmapFont.glyph("\u{2603}"), BitmapFont.glyph("?"))
    }

    /// Maps are drawn with the colour of value / top of the scale, right of their image; a legend and bar follow.
    func testHeatMapPlacesImagesAndMaps() {
        let (H, W, s) = (3, 4, 2)
        let map = (0..<(H * W)).map { Double($0) / 11 * 2 }       // 0 ... 2
        let pixels = (0..<(H * W)).map { UInt8($0 * 20) }
        let picture = HeatMapPicture.compose(panels: [.init(pixels: pixels, map: map, caption: "#0")], channels: 1,
                                             height: H, width: W, scale: s, columns: 4, legend: "bits")
        func at(_ x: Int, _ y: Int) -> RGB {
            let i = (y * picture.width + x) * 3
            return RGB(picture.pixels[i], picture.pixels[i + 1], picture.pixels[i + 2])
        }
        let margin = 10
        XCTAssertEqual(at(margin + 1 * s, margin + 2 * s), RGB(180, 180, 180))              // pixel (2, 1) = 9 * 20
        let mapX = margin + W * s + 2
        XCTAssertEqual(at(mapX, margin), ColourScale.colour(0))
        XCTAssertEqual(at(mapX + 3 * s + 1, margin + 2 * s + 1), ColourScale.colour(1))    // the maximum, 2 = top
        XCTAssertEqual(at(mapX + 1 * s, margin + 1 * s), ColourScale.colour(map[5] / 2))
        XCTAssertGreaterThan(picture.height, margin + H * s + 30)                             // room for bar and legend
    }

    /// The chance diagonal and a perfect curve: the perfect curve runs up the left edge and along the top.
    func testROCPictureDrawsCurves() throws {
        let perfect = try DetectionMetrics(positives: [2, 3], negatives: [0, 1])
        let picture = ROCPicture.compose(curves: [.init(name: "nll", metrics: perfect)], title: "test", plotSize: 100)
        func at(_ x: Int, _ y: Int) -> RGB {
            let i = (y * picture.width + x) * 3
            return RGB(picture.pixels[i], picture.pixels[i + 1], picture.pixels[i + 2])
        }
        let (left, top) = (52, 30)
        XCTAssertEqual(at(left + 1, top + 50), ColourScale.curveColour(0))   // up the left edge, inside the frame
        XCTAssertEqual(at(left + 50, top + 1), ColourScale.curveColour(0))   // along the top
        XCTAssertEqual(picture.width, 52 + 100 + 20)
        XCTAssertEqual(picture.height, 30 + 100 + 44)
    }
}
