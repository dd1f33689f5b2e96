import Foundation
import LMConv
import XCTest

// A reusable finite-difference gradient checker.
//
// The engine computes in Float; the checks evaluate every loss in Double (by summing the Float outputs against Double
// weights), perturb one scalar at a time by ±epsilon, and divide by the step that Float rounding actually took, so the
// only errors left are the truncation error of the central difference (O(epsilon²)) and the Float noise of the forward
// pass divided by 2 epsilon. Each check picks its own epsilon and tolerances for that reason.

/// Scalars that a finite-difference check perturbs one at a time: `count` elements, read and written by index.
///
/// The closures usually capture a local `var` (a Tensor, say) that the loss closure captures too; Swift captures
/// variables by reference, so a write through `set` is seen by the next loss evaluation.
public struct PerturbableScalars {
    public let name: String
    public let count: Int
    public let get: (Int) -> Float
    public let set: (Int, Float) -> Void

    public init(name: String, count: Int, get: @escaping (Int) -> Float, set: @escaping (Int, Float) -> Void) {
        self.name = name
        self.count = count
        self.get = get
        self.set = set
    }

    /// The elements of one parameter of a store.
    public static func parameter(_ slot: ParameterSlot, in store: ParameterStore) -> PerturbableScalars {
        PerturbableScalars(name: slot.name, count: slot.count,
                           get: { store.value(at: slot.offset + $0) },
                           set: { store.setValue($1, at: slot.offset + $0) })
    }
}

/// How a finite-difference check is run and judged.
public struct FiniteDifferenceOptions: Sendable {
    /// The step: each scalar is evaluated at x ± epsilon (rounded to Float; the rounded step is what is divided by).
    public var epsilon: Double
    /// An element passes when |analytic − numeric| <= absoluteTolerance + scaleTolerance * scale
    /// + relativeTolerance * max(|analytic|, |numeric|), where scale is the largest |numeric| of the check.
    public var relativeTolerance: Double
    public var absoluteTolerance: Double
    public var scaleTolerance: Double
    /// Probe at most this many elements of each set of scalars (a fixed pseudo-random subset that always includes
    /// the element with the largest analytic gradient); nil probes all.
    public var maxElements: Int?
    /// Seeds the subset.
    public var seed: UInt64
    /// Fail when every probed gradient is 0 both ways (such a check proves nothing).
    public var requireNonzero: Bool

    public init(epsilon: Double = 1e-3, relativeTolerance: Double = 1e-2, absoluteTolerance: Double = 1e-6,
                scaleTolerance: Double = 1e-3, maxElements: Int? = nil, seed: UInt64 = 0,
                requireNonzero: Bool = true) {
        self.epsilon = epsilon
        self.relativeTolerance = relativeTolerance
        self.absoluteTolerance = absoluteTolerance
        self.scaleTolerance = scaleTolerance
        self.maxElements = maxElements
        self.seed = seed
        self.requireNonzero = requireNonzero
    }
}

/// The outcome of one check: the worst element by the ratio of its error to its allowance.
public struct GradientCheckReport: CustomStringConvertible {
    public var name: String
    /// How many elements were probed.
    public var checked: Int
    /// The largest |numeric| gradient among the probed elements.
    public var scale: Double
    /// The worst element (−1 when nothing was probed).
    public var worstIndex: Int
    public var worstAnalytic: Double
    public var worstNumeric: Double
    /// error / allowance of the worst element; the check passes when it is at most 1.
    public var worstRatio: Double

    public var passed: Bool { worstRatio <= 1 }

    public var description: String {
        guard worstIndex >= 0 else { return "\(name): nothing probed" }
        return "\(name): worst element \(worstIndex) of \(checked) probed: analytic \(worstAnalytic), numeric "
            + "\(worstNumeric), |difference| \(abs(worstAnalytic - worstNumeric)) = \(worstRatio)x the tolerance "
            + "(largest |numeric| \(scale))"
    }
}

/// The central difference (loss(x + ε) − loss(x − ε)) / (x₊ − x₋) of `loss` in element `index`, restoring the element.
public func centralDifference(_ scalars: PerturbableScalars, index: Int, epsilon: Double, loss: () -> Double) -> Double {
    let original = scalars.get(index)
    let plus = Float(Double(original) + epsilon), minus = Float(Double(original) - epsilon)
    precondition(plus != minus, "epsilon \(epsilon) vanishes at \(original) in Float")
    scalars.set(index, plus)
    let lossPlus = loss()
    scalars.set(index, minus)
    let lossMinus = loss()
    scalars.set(index, original)
    return (lossPlus - lossMinus) / (Double(plus) - Double(minus))
}

/// The indices a check probes: all, or a fixed pseudo-random subset of `limit` that includes the largest analytic entry.
func probeIndices(count: Int, analytic: [Float], limit: Int?, seed: UInt64) -> [Int] {
    guard let limit, limit < count else { return Array(0..<count) }
    var rng = Xoshiro256(seed: seed ^ UInt64(count) &* 0x9E37_79B9)
    var largest = 0
    for i in 0..<count where abs(analytic[i]) > abs(analytic[largest]) { largest = i }
    var chosen: Set<Int> = [largest]
    var order = [largest]
    while order.count < limit {
        let i = Int(rng.next() % UInt64(count))
        if chosen.insert(i).inserted { order.append(i) }
    }
    return order
}

/// Compares `analytic` (the claimed gradient of `loss` with respect to `scalars`) with central differences.
/// Does not assert; see ``assertGradient(_:analytic:options:file:line:loss:)``.
public func checkGradient(_ scalars: PerturbableScalars, analytic: [Float], options: FiniteDifferenceOptions,
                          loss: () -> Double) -> GradientCheckReport {
    precondition(analytic.count == scalars.count,
                 "\(scalars.name): \(analytic.count) analytic entries for \(scalars.count) scalars")
    let indices = probeIndices(count: scalars.count, analytic: analytic, limit: options.maxElements, seed: options.seed)
    let numeric = indices.map { centralDifference(scalars, index: $0, epsilon: options.epsilon, loss: loss) }
    let scale = numeric.map(abs).max() ?? 0
    var report = GradientCheckReport(name: scalars.name, checked: indices.count, scale: scale, worstIndex: -1,
                                     worstAnalytic: 0, worstNumeric: 0, worstRatio: 0)
    for (i, n) in zip(indices, numeric) {
        let a = Double(analytic[i])
        let allowed = options.absoluteTolerance + options.scaleTolerance * scale
            + options.relativeTolerance * max(abs(a), abs(n))
        let error = abs(a - n)
        let ratio = error.isNaN ? .infinity : error / allowed
        if report.worstIndex < 0 || ratio > report.worstRatio {
            report.worstIndex = i
            report.worstAnalytic = a
            report.worstNumeric = n
            report.worstRatio = ratio
        }
    }
    return report
}

/// Asserts that `analytic` is the gradient of `loss` with respect to `scalars`, reporting the worst element and the
/// caller's file and line. Returns the report.
@discardableResult
public func assertGradient(
    _ scalars: PerturbableScalars, analytic: [Float], options: FiniteDifferenceOptions = FiniteDifferenceOptions(),
    _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line,
    loss: () -> Double
) -> GradientCheckReport {
    let report = checkGradient(scalars, analytic: analytic, options: options, loss: loss)
    if ProcessInfo.processInfo.environment["LMCONV_GRADIENT_CHECK_VERBOSE"] != nil {
        print("gradient check: \(report) \(message())")
    }
    if !report.passed {
        XCTFail("gradient check failed: \(report) \(message())", file: file, line: line)
    }
    if options.requireNonzero && report.checked > 0 && report.scale == 0 && analytic.allSatisfy({ $0 == 0 }) {
        XCTFail("gradient check of \(scalars.name) is vacuous: every probed gradient is 0 \(message())",
                file: file, line: line)
    }
    return report
}

/// Asserts the gradient of every parameter of `store` (or of `slots`) against central differences. The analytic
/// gradients are read from the store's gradient buffer, which the caller fills (zero it, run backward) beforehand.
public func assertParameterGradients(
    _ store: ParameterStore, slots: [ParameterSlot]? = nil, options: FiniteDifferenceOptions = FiniteDifferenceOptions(),
    _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line,
    loss: () -> Double
) {
    let analytic = store.allGradients
    for slot in slots ?? store.slots {
        assertGradient(.parameter(slot, in: store),
                       analytic: Array(analytic[slot.offset..<(slot.offset + slot.count)]),
                       options: options, message(), file: file, line: line, loss: loss)
    }
}

// MARK: - Helpers for building losses

/// Σ weights[i] * tensor[i], in Double: a random projection turns a tensor-valued function into a scalar loss whose
/// gradient with respect to the tensor is `weights`.
public func projection(_ tensor: Tensor, _ weights: [Double]) -> Double {
    precondition(tensor.count == weights.count, "projection of \(tensor.count) scalars onto \(weights.count) weights")
    var sum = 0.0
    for i in 0..<weights.count { sum += Double(tensor.scalars[i]) * weights[i] }
    return sum
}

/// Uniform values in `range`.
public func uniformValues(_ count: Int, in range: ClosedRange<Double>, using rng: inout Xoshiro256) -> [Double] {
    (0..<count).map { _ in range.lowerBound + (range.upperBound - range.lowerBound) * Double(rng.nextUniform()) }
}

/// A tensor of uniform values in `range`.
public func uniformTensor(_ shape: [Int], in range: ClosedRange<Float> = -1...1, using rng: inout Xoshiro256) -> Tensor {
    let count = shape.reduce(1, *)
    return Tensor(shape: shape, scalars: (0..<count).map { _ in
        range.lowerBound + (range.upperBound - range.lowerBound) * rng.nextUniform()
    })
}

/// A tensor of uniform values whose magnitudes lie in `magnitude` with random signs: inputs kept away from a kink at 0.
public func uniformTensorAwayFromZero(_ shape: [Int], magnitude: ClosedRange<Float>,
                                      using rng: inout Xoshiro256) -> Tensor {
    var t = uniformTensor(shape, in: magnitude, using: &rng)
    for i in 0..<t.count where rng.nextUniform() < 0.5 { t.scalars[i] = -t.scalars[i] }
    return t
}

/// Overwrites every parameter of `store` with uniform values in `range`.
public func fillUniform(_ store: ParameterStore, in range: ClosedRange<Float>, using rng: inout Xoshiro256) {
    for i in 0..<store.totalCount {
        store.setValue(range.lowerBound + (range.upperBound - range.lowerBound) * rng.nextUniform(), at: i)
    }
}

/// Gives a model random weights that make its outputs depend strongly on its input (larger than PyTorch's
/// initialisation): weights and `weight_v` U(±scale/sqrt(fan_in)), weight-norm gains U[0.5, 1.5], biases and mask
/// weights U(±0.5).
public func randomizeModelParameters(_ model: LocallyMaskedPixelCNN, weightScale: Float = 1.5,
                                     using rng: inout Xoshiro256) {
    let store = model.parameters
    for slot in store.slots {
        let fanIn = Float(slot.count / slot.shape[0]).squareRoot()
        for i in 0..<slot.count {
            let u = rng.nextUniform()
            let value: Float
            if slot.name.hasSuffix("weight_g") {
                value = 0.5 + u
            } else if slot.name.hasSuffix(".weight") || slot.name.hasSuffix(".weight_v") {
                value = (2 * u - 1) * weightScale / fanIn
            } else {
                value = u - 0.5
            }
            store.setValue(value, at: slot.offset + i)
        }
    }
}
