// Elementary functions that give the same bits on every machine, for the codec: encoder and decoder must compute
// bit-identical frequencies, and libm's exp/log may differ between versions, platforms and CPU-specific variants
// (glibc picks FMA code paths at run time).
//
// Only IEEE-754 +, -, *, / (correctly rounded on every IEEE machine), comparisons and bit manipulation, in a
// fixed evaluation order. No fused multiply-add: Swift never contracts a * b + c into an FMA (LLVM's fp-contract
// is off for Swift), checked on the generated x86-64 assembly even with an FMA-capable target CPU (see
// docs/FORMAT.md, "Determinism"). The methods are the classic ones of fdlibm (Sun, 1993): exp by Cody-Waite
// reduction and a Remez rational approximation, log by a series in s = f / (2 + f); log1p and expm1 by Kahan's
// correction of log and exp. Accuracy against glibc is tested in CompressionPortableMathTests (a few ulp).

/// Deterministic exp, log, log1p, expm1, sigmoid, softplus, tanh and elu in Double (and Float through Double).
public enum PortableMath {
    // ln 2 split so that k * ln2High is exact for |k| < 2^20 (ln2High has 32 significant bits).
    static let ln2High = Double(bitPattern: 0x3FE6_2E42_FEE0_0000)   // 6.93147180369123816490e-01
    static let ln2Low = Double(bitPattern: 0x3DEA_39EF_3579_3C76)    // 1.90821492927058770002e-10
    static let inverseLn2 = 1.442_695_040_888_963_387_00
    // exp(r) = 1 + r + r c / (2 - c) with c = r - r^2 (P1 + r^2 (P2 + ...)) on |r| <= ln 2 / 2.
    static let p1 = 1.666_666_666_666_660_190_37e-01
    static let p2 = -2.777_777_777_701_559_338_42e-03
    static let p3 = 6.613_756_321_437_934_361_17e-05
    static let p4 = -1.653_390_220_546_525_153_90e-06
    static let p5 = 4.138_136_797_057_238_460_39e-08
    // log(1 + f) = 2s + s R(s^2), s = f / (2 + f), on sqrt(2)/2 <= 1 + f <= sqrt(2).
    static let lg1 = 6.666_666_666_666_735_130e-01
    static let lg2 = 3.999_999_999_940_941_908e-01
    static let lg3 = 2.857_142_874_366_239_149e-01
    static let lg4 = 2.222_219_843_214_978_396e-01
    static let lg5 = 1.818_357_216_161_805_012e-01
    static let lg6 = 1.531_383_769_920_937_332e-01
    static let lg7 = 1.479_819_860_511_658_591e-01
    static let overflowThreshold = 709.782_712_893_383_973_096     // exp(x) = inf above
    static let underflowThreshold = -745.133_219_101_941_108_420   // exp(x) = 0 below

    /// e^x, within 1 ulp; exact special values (exp(0) = 1, exp(-inf) = 0, exp(inf) = inf, NaN stays NaN).
    public static func exp(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x > overflowThreshold { return .infinity }
        if x < underflowThreshold { return 0 }
        let magnitude = Swift.abs(x)
        if magnitude < 0x1p-28 { return 1 + x }
        // x = k ln 2 + r with |r| <= ln 2 / 2 (k by rounding half away from zero, by truncation).
        var k = 0
        var high = x, low = 0.0
        if magnitude > 0.346_573_590_279_972_65 {
            k = Int(x * inverseLn2 + (x < 0 ? -0.5 : 0.5))
            high = x - Double(k) * ln2High
            low = Double(k) * ln2Low
        }
        let r = high - low
        let t = r * r
        let c = r - t * (p1 + t * (p2 + t * (p3 + t * (p4 + t * p5))))
        let y = 1 - ((low - (r * c) / (2 - c)) - high)
        return scaleByPowerOfTwo(y, k)
    }

    /// y * 2^k for y in [0.5, 2] and k in [-1080, 1024], by adding k to the exponent field (two steps when the
    /// result is subnormal, so that it is rounded once).
    @inline(__always)
    static func scaleByPowerOfTwo(_ y: Double, _ k: Int) -> Double {
        if k >= -1021 {
            return Double(bitPattern: UInt64(bitPattern: Int64(bitPattern: y.bitPattern) &+ (Int64(k) << 52)))
        }
        let scaled = Double(bitPattern: UInt64(bitPattern: Int64(bitPattern: y.bitPattern) &+ (Int64(k + 1000) << 52)))
        return scaled * 0x1p-1000
    }

    /// The natural logarithm, within 1 ulp; log(0) = -inf, log(x < 0) = NaN, log(inf) = inf.
    public static func log(_ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x == .infinity { return x }
        var bits = x.bitPattern
        var k = 0
        if bits < 0x0010_0000_0000_0000 {   // subnormal: scale into the normal range first (exact)
            bits = (x * 0x1p54).bitPattern
            k = -54
        }
        k += Int(bits >> 52) - 1023
        let mantissa = bits & 0x000F_FFFF_FFFF_FFFF
        // 1 + f = the significand, halved when above sqrt(2) so that |f| <= sqrt(2) - 1.
        var exponentField: UInt64 = 1023
        if mantissa > 0x6_A09E_667F_3BCD {   // the mantissa bits of sqrt(2)
            exponentField = 1022
            k += 1
        }
        let f = Double(bitPattern: mantissa | exponentField << 52) - 1
        let s = f / (2 + f)
        let z = s * s, w = z * z
        let t1 = w * (lg2 + w * (lg4 + w * lg6))
        let t2 = z * (lg1 + w * (lg3 + w * (lg5 + w * lg7)))
        let r = t2 + t1
        let halfSquare = 0.5 * f * f
        let dk = Double(k)
        return dk * ln2High - ((halfSquare - (s * (halfSquare + r) + dk * ln2Low)) - f)
    }

    /// log(1 + x), accurate for tiny x: log(u) * (x / (u - 1)) with u = 1 + x corrects the rounding of u
    /// (Kahan; Goldberg 1991, theorem 4).
    public static func log1p(_ x: Double) -> Double {
        if x.isNaN || x < -1 { return .nan }
        if x == -1 { return -.infinity }
        if x == .infinity { return x }
        let u = 1 + x
        if u == 1 { return x }
        return log(u) * (x / (u - 1))
    }

    /// e^x - 1, accurate for tiny x: (u - 1) * (x / log(u)) with u = e^x (Kahan).
    public static func expm1(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x > overflowThreshold { return .infinity }
        if x < -40 { return -1 }   // e^x < 2^-57: -1 is the rounded result
        let u = exp(x)
        if u == 1 { return x }
        let uMinus1 = u - 1
        if uMinus1 == -1 { return -1 }
        return uMinus1 * (x / log(u))
    }

    /// 1 / (1 + e^-x), without overflow at either end.
    public static func sigmoid(_ x: Double) -> Double {
        if x >= 0 { return 1 / (1 + exp(-x)) }
        let e = exp(x)
        return e / (1 + e)
    }

    /// log(1 + e^x), without overflow.
    public static func softplus(_ x: Double) -> Double {
        x > 0 ? x + log1p(exp(-x)) : log1p(exp(x))
    }

    /// The hyperbolic tangent: expm1(2|x|) / (expm1(2|x|) + 2) with the sign of x; ±1 beyond |x| = 22.
    public static func tanh(_ x: Double) -> Double {
        if x.isNaN { return x }
        let magnitude = Swift.abs(x)
        if magnitude < 0x1p-28 { return x }
        let result: Double
        if magnitude >= 22 {
            result = 1
        } else {
            let t = expm1(2 * magnitude)
            result = t / (t + 2)
        }
        return x < 0 ? -result : result
    }

    /// elu(x) = x for x > 0, e^x - 1 otherwise (alpha 1).
    public static func elu(_ x: Double) -> Double { x > 0 ? x : expm1(x) }

    // Float versions: computed in Double and rounded once, so within about 1 ulp of Float and just as portable.

    public static func exp(_ x: Float) -> Float { Float(exp(Double(x))) }
    public static func log(_ x: Float) -> Float { Float(log(Double(x))) }
    public static func log1p(_ x: Float) -> Float { Float(log1p(Double(x))) }
    public static func expm1(_ x: Float) -> Float { Float(expm1(Double(x))) }
    public static func sigmoid(_ x: Float) -> Float { Float(sigmoid(Double(x))) }
    public static func softplus(_ x: Float) -> Float { Float(softplus(Double(x))) }
    public static func tanh(_ x: Float) -> Float { Float(tanh(Double(x))) }
    public static func elu(_ x: Float) -> Float { Float(elu(Double(x))) }
}
