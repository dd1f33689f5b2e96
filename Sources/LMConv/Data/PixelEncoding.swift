/// How 8-bit pixels become network inputs in [-1, 1] (SPEC section 6).
public enum PixelEncoding: Sendable, Equatable, Hashable {
    /// Quantise to `n` bits (1...8): v -> floor(v / 2^(8-n)) -> 2 * that / (2^n - 1) - 1. With 8 bits, v / 255 * 2 - 1.
    case bits(Int)
    /// Dynamic binarisation: +1 where v / 255 > u, u uniform in [0, 1) drawn afresh per pixel each time, else -1.
    case dynamicBinarization
    /// Fixed-threshold binarisation: +1 where v >= threshold, else -1 (the fixtures use 128).
    case threshold(UInt8)

    /// Whether the network sees two-valued (binarised) pixels.
    public var isBinary: Bool {
        switch self {
        case .bits: return false
        case .dynamicBinarization, .threshold: return true
        }
    }

    /// The bit depth of the encoded values, for mapping network values back to display pixels (1 when binary).
    public var bits: Int {
        if case .bits(let n) = self { return n }
        return 1
    }
}
