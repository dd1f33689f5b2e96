import Foundation
import LMConv
import TestSupport
import XCTest

final class KernelMaskTests: XCTestCase {
    private func read(_ relativePath: String) throws -> SafetensorsFile {
        try SafetensorsFile.read(contentsOf: fixturesDirectory.appendingPathComponent(relativePath))
    }

    /// Exact equality, reporting the first differing (tap, pixel) rather than both whole masks.
    private func assertSameMask(_ actual: Tensor, _ expected: Tensor, _ what: String,
                                file: StaticString = #filePath, line: UInt = #line) {
        guard actual.shape == expected.shape else {
            return XCTFail("\(what): shape \(actual.shape), expected \(expected.shape)", file: file, line: line)
        }
        guard let i = actual.scalars.indices.first(where: { actual.scalars[$0] != expected.scalars[$0] }) else { return }
        let pixels = actual.shape[1]
        XCTFail("\(what): tap \(i / pixels), pixel \(i % pixels): \(actual.scalars[i]), expected \(expected.scalars[i])",
                file: file, line: line)
    }

    private func tensor(_ file: SafetensorsFile, _ key: String) throws -> Tensor {
        let t = try XCTUnwrap(file.tensors[key], "fixture has no \(key)")
        return Tensor(shape: t.shape, scalars: try t.floats())
    }

    /// `mask.<order>.<H>x<W>.k<k>.d<d>.<A|B>[.observed_bottom_half]` in orders.safetensors.
    func testOrdersFixtureMasks() throws {
        let file = try read("orders.safetensors")
        let keys = file.tensors.keys.filter { $0.hasPrefix("mask.") }.sorted()
        XCTAssertEqual(keys.count, 6)
        for key in keys {
            let parts = key.split(separator: ".").map(String.init)
            XCTAssertTrue(parts.count == 6 || parts.count == 7, key)
            let size = parts[2].split(separator: "x").compactMap { Int($0) }
            let (h, w) = (size[0], size[1])
            let k = try XCTUnwrap(Int(parts[3].dropFirst()), key)
            let d = try XCTUnwrap(Int(parts[4].dropFirst()), key)
            let type: MaskType = parts[5] == "A" ? .a : .b
            XCTAssertTrue(["A", "B"].contains(parts[5]), key)
            var observed: [Bool]? = nil
            if parts.count == 7 {
                XCTAssertEqual(parts[6], "observed_bottom_half", key)
                observed = (0..<(h * w)).map { $0 / w >= h / 2 }  // rows H/2 ..< H
            }
            let pairs = try XCTUnwrap(file.tensors["\(parts[1]).\(parts[2])"], key).int64s()
            let order = try GenerationOrder(height: h, width: w, rowColPairs: pairs)
            let mask = try kernelMask(order: order, kernelSize: k, dilation: d, type: type, observed: observed)
            assertSameMask(mask, try tensor(file, key), key)
        }
    }

    /// Each model fixture's order list (from its configuration) and the three masks of its order 0.
    func testModelFixtureOrdersAndMasks() throws {
        for folder in ["binary-28", "gray-28", "rgb-32"] {
            let json = try Data(contentsOf: fixturesDirectory.appendingPathComponent("\(folder)/expected.json"))
            let expectedJSON = try XCTUnwrap(try JSONSerialization.jsonObject(with: json) as? [String: Any])
            let config = try XCTUnwrap(expectedJSON["config"] as? [String: Any])
            let (h, w) = (try XCTUnwrap(config["rows"] as? Int), try XCTUnwrap(config["cols"] as? Int))
            let k = try XCTUnwrap(config["kernel_size"] as? Int)
            let maxDilation = try XCTUnwrap(config["max_dilation"] as? Int)
            let orders = try GenerationOrder.variantList(
                baseNames: try XCTUnwrap(config["order"] as? [String]), height: h, width: w,
                variants: (config["randomize_order"] as? Bool) == true ? 8 : 1,
                baseTranspose: (config["base_order_transpose"] as? Bool) ?? false,
                baseReflectRows: (config["base_order_reflect_rows"] as? Bool) ?? false,
                baseReflectCols: (config["base_order_reflect_cols"] as? Bool) ?? false)
            XCTAssertEqual(orders.count, (expectedJSON["orders"] as? [Any])?.count, folder)

            let file = try read("\(folder)/expected.safetensors")
            for (i, order) in orders.enumerated() {
                let pairs = try XCTUnwrap(file.tensors["order\(i)"], "\(folder) order\(i)").int64s()
                XCTAssertEqual(order.rowColPairs, pairs, "\(folder) order\(i)")
            }
            let masks = try OrderMasks(order: orders[0], kernelSize: k, maxDilation: maxDilation)
            assertSameMask(masks.initial, try tensor(file, "mask_init_order0"), "\(folder) mask_init_order0")
            assertSameMask(masks.undilated, try tensor(file, "mask_undilated_order0"), "\(folder) mask_undilated_order0")
            assertSameMask(masks.dilated, try tensor(file, "mask_dilated_order0"), "\(folder) mask_dilated_order0")
        }
    }

    func testTypesDifferOnlyAtTheCentre() throws {
        let order = try GenerationOrder.hilbert(height: 8, width: 8)
        let a = try kernelMask(order: order, kernelSize: 5, dilation: 2, type: .a)
        let b = try kernelMask(order: order, kernelSize: 5, dilation: 2, type: .b)
        for tap in 0..<25 {
            let rowA = Array(a.scalars[(tap * 64)..<((tap + 1) * 64)])
            let rowB = Array(b.scalars[(tap * 64)..<((tap + 1) * 64)])
            if tap == 12 {
                XCTAssertEqual(rowA, [Float](repeating: 0, count: 64))
                XCTAssertEqual(rowB, [Float](repeating: 1, count: 64))
            } else {
                XCTAssertEqual(rowA, rowB, "tap \(tap)")
            }
        }
        let masks = try OrderMasks(order: order, kernelSize: 3, maxDilation: 1)
        XCTAssertEqual(masks.dilated, masks.undilated)
    }

    func testMaskSeesExactlyEarlierPixels() throws {
        // Independent of the walk: tap (dr, dc) of pixel p is open iff its target is in the image and comes earlier.
        let order = try GenerationOrder.gilbert2d(height: 6, width: 9).reflectCols()
        let positions = order.positions
        let (k, d) = (3, 2)
        let mask = try kernelMask(order: order, kernelSize: k, dilation: d, type: .a)
        for r in 0..<6 {
            for c in 0..<9 {
                for jr in 0..<k {
                    for jc in 0..<k {
                        let (tr, tc) = (r + (jr - 1) * d, c + (jc - 1) * d)
                        let inside = (0..<6).contains(tr) && (0..<9).contains(tc)
                        let open = inside && positions[tr * 9 + tc] < positions[r * 9 + c]
                        XCTAssertEqual(mask[jr * k + jc, r * 9 + c], open ? 1 : 0, "(\(r), \(c)) tap (\(jr), \(jc))")
                    }
                }
            }
        }
    }

    func testErrors() throws {
        let order = try GenerationOrder.rasterScan(height: 4, width: 4)
        XCTAssertThrowsError(try kernelMask(order: order, kernelSize: 4, dilation: 1, type: .a))
        XCTAssertThrowsError(try kernelMask(order: order, kernelSize: 3, dilation: 0, type: .a))
        XCTAssertThrowsError(try kernelMask(order: order, kernelSize: 3, dilation: 1, type: .a,
                                            observed: [Bool](repeating: false, count: 15)))
    }
}
