/// Conversions between 8-bit pixels and network values. Arrays keep their layout, normally (N, C, H, W).
public enum Preprocessing {
    /// `pixels` quantised to `nBits` bits (1...8) and mapped to [-1, 1] (see `PixelEncoding.bits`).
    public static func quantize<S: Sequence>(_ pixels: S, nBits: Int) -> [Float] where S.Element == UInt8 {
        precondition((1...8).contains(nBits), "n_bits must be 1...8")
        if nBits == 8 {
            // Bit-identical to the reference's ToTensor (v / 255) then (x - 0.5) * 2: scaling by 2 never adds a rounding.
            return pixels.map { Float($0) / 255 * 2 - 1 }
        }
        let shift = UInt8(8 - nBits)
        let top = Float((1 << nBits) - 1)
        return pixels.map { Float(2 * Int($0 >> shift)) / top - 1 }
    }

    /// `pixels` binarised to ±1 at a fixed threshold: +1 where v >= `threshold`.
    public static func binarize<S: Sequence>(_ pixels: S, threshold: UInt8 = 128) -> [Float] where S.Element == UInt8 {
        pixels.map { $0 >= threshold ? 1 : -1 }
    }

    /// `pixels` binarised to ±1 at random: +1 where v / 255 > u with u = `rng.nextUniform()` drawn per pixel in order.
    public static func binarizeDynamically<S: Sequence>(
        _ pixels: S, rng: inout Xoshiro256
    ) -> [Float] where S.Element == UInt8 {
        pixels.map { Float($0) / 255 > rng.nextUniform() ? 1 : -1 }
    }

    /// `pixels` encoded as `encoding` says; `rng` is used (and advanced) only by dynamic binarisation.
    public static func encode<S: Sequence>(
        _ pixels: S, as encoding: PixelEncoding, rng: inout Xoshiro256
    ) -> [Float] where S.Element == UInt8 {
        switch encoding {
        case .bits(let n): return quantize(pixels, nBits: n)
        case .dynamicBinarization: return binarizeDynamically(pixels, rng: &rng)
        case .threshold(let t): return binarize(pixels, threshold: t)
        }
    }

    /// Network values in [-1, 1] back to 8-bit pixels for display: each value is rounded to the nearest of the
    /// 2^`nBits` levels, which are spread over 0...255 (so ±1 binary pixels become 0 and 255). Values outside
    /// [-1, 1] are clamped; NaN becomes 0. With 8 bits this inverts `quantize` exactly.
    public static func toDisplay<S: Sequence>(_ values: S, nBits: Int = 8) -> [UInt8] where S.Element == Float {
        precondition((1...8).contains(nBits), "n_bits must be 1...8")
        let top = Float((1 << nBits) - 1)
        return values.map { x in
            guard !x.isNaN else { return 0 }
            let level = ((min(max(x, -1), 1) + 1) / 2 * top).rounded()
            return UInt8((level * 255 / top).rounded())
        }
    }
}

extension ImageDataset {
    /// The images at `indices` encoded as network input, shape (B, C, H, W) with B = `indices.count`.
    public func networkInput(_ indices: [Int], encoding: PixelEncoding, rng: inout Xoshiro256) -> [Float] {
        var out = [Float]()
        out.reserveCapacity(indices.count * imageSize)
        for i in indices { out += Preprocessing.encode(image(i), as: encoding, rng: &rng) }
        return out
    }
}
