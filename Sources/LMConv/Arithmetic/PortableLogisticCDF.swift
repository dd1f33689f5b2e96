// The logistic CDF σ(z) for the codec's frequency tables, a few times faster than PortableMath.sigmoid: no branch
// and no call, so the compiler vectorises a loop of it (every lane the same IEEE operations, hence the same bits as
// the scalar code), and a polynomial accurate to about 1e-13 relative, far finer than a frequency unit (2^-24).

extension PortableMath {
    /// σ(z) = 1 / (1 + e^-z) for any finite z, deterministic on every IEEE-754 machine. |z| is clamped at 40 (where
    /// σ is within 4.3e-18 of 0 or 1), e = e^-|z| comes from a degree-11 Taylor polynomial on the Cody-Waite reduced
    /// argument, and σ(z) is 1 / (1 + e) for z >= 0, e / (1 + e) otherwise.
    @inline(__always)
    public static func logisticCDF(_ z: Double) -> Double {
        let t = -Swift.min(Swift.abs(z), 40)                          // in [-40, 0]
        // t = n ln 2 + r, |r| <= ln 2 / 2: n by the 1.5 * 2^52 shifter (its low mantissa bits then hold n).
        let shifter = 6_755_399_441_055_744.0
        let shifted = t * inverseLn2 + shifter
        let n = shifted - shifter                                      // an integer in [-58, 0]
        let r = (t - n * ln2High) - n * ln2Low
        var p = 1.0 / 39_916_800                                       // 1/11!
        p = p * r + 1.0 / 3_628_800
        p = p * r + 1.0 / 362_880
        p = p * r + 1.0 / 40_320
        p = p * r + 1.0 / 5_040
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1                                                   // e^r
        // 2^n from n's bits in the shifter's mantissa: exponent field n + 1023.
        let scale = Double(bitPattern: UInt64(bitPattern: (Int64(bitPattern: shifted.bitPattern &- shifter.bitPattern) &+ 1023) &<< 52))
        let e = p * scale                                               // e^-|z| in (0, 1]
        let s = 1 / (1 + e)
        return z >= 0 ? s : e * s
    }
}
