import Foundation
import LMConv
import TestSupport
import XCTest

/// The polynomial elu the layers use against libm's expm1f.
final class FastELUTests: XCTestCase {
    func testFastELUMatchesExpm1() {
        var worst: Float = 0
        var x: Float = -20
        while x <= 3 {
            let fast = fastELU(x), plain = referenceELU(x)
            let error = abs(fast - plain) / max(abs(plain), 1e-30)
            worst = max(worst, error)
            if x <= 0 { XCTAssertLessThanOrEqual(fast, 0, "elu(\(x)) must not be positive") }
            x += 0.000_37
        }
        XCTAssertLessThan(worst, 5e-7, "worst relative error \(worst)")
        XCTAssertEqual(fastELU(0), 0)
        XCTAssertEqual(fastELU(-1e-30), -1e-30, accuracy: 1e-36)
        XCTAssertEqual(fastELU(-100), -1)
    }
}
