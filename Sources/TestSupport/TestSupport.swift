import Foundation
import LMConv
import XCTest

/// The folder `Tests/Fixtures` of this package (copied from the project's shared reference fixtures).
public let fixturesDirectory: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Tests/Fixtures")

/// Asserts that every element of `actual` is within `absoluteTolerance + relativeTolerance * |expected|` of `expected`,
/// reporting the worst element and the caller's file and line.
public func assertClose(
    _ actual: [Float], _ expected: [Float], relativeTolerance: Float = 1e-4, absoluteTolerance: Float = 1e-6,
    _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) {
    guard actual.count == expected.count else {
        XCTFail("count \(actual.count) != \(expected.count) \(message())", file: file, line: line)
        return
    }
    var worst = -1
    var worstExcess: Float = 0
    for i in 0..<actual.count {
        let allowed = absoluteTolerance + relativeTolerance * abs(expected[i])
        let error = abs(actual[i] - expected[i])
        if !(error <= allowed) {
            let excess = error.isNaN ? .infinity : error / allowed
            if worst < 0 || excess > worstExcess { worst = i; worstExcess = excess }
        }
    }
    if worst >= 0 {
        XCTFail("element \(worst): \(actual[worst]) vs expected \(expected[worst]) (\(worstExcess)x the tolerance) \(message())",
                file: file, line: line)
    }
}

/// `assertClose` for one pair of numbers.
public func assertClose(
    _ actual: Float, _ expected: Float, relativeTolerance: Float = 1e-4, absoluteTolerance: Float = 1e-6,
    _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) {
    assertClose([actual], [expected], relativeTolerance: relativeTolerance, absoluteTolerance: absoluteTolerance,
                message(), file: file, line: line)
}

/// A model of `cfg` initialised from `seed`, every parameter then moved by `scale` times a standard normal drawn
/// from seed + `offset`: weights away from the initialisation's symmetries, so that tests exercise every path.
public func perturbedModel(_ cfg: ModelConfiguration, seed: UInt64, offset: UInt64 = 100, scale: Float = 0.1) throws
    -> LocallyMaskedPixelCNN
{
    let model = try LocallyMaskedPixelCNN(configuration: cfg, seed: seed)
    var rng = Xoshiro256(seed: seed &+ offset)
    model.parameters.allValues = model.parameters.allValues.map { $0 + scale * rng.nextNormal() }
    return model
}
