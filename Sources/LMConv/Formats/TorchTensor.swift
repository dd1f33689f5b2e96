import Foundation

/// A tensor read from a PyTorch checkpoint: its dtype, shape and elements as contiguous little-endian bytes
/// in row-major order (any storage offset and strides of the saved view have already been applied).
public struct TorchTensor: Sendable, Equatable {
    public var dtype: TorchDType
    public var shape: [Int]
    /// `shape.reduce(1, *) * dtype.byteCount` bytes, little-endian, row-major.
    public var data: [UInt8]
    public var requiresGrad: Bool

    public init(dtype: TorchDType, shape: [Int], data: [UInt8], requiresGrad: Bool = false) {
        precondition(data.count == shape.reduce(1, *) * dtype.byteCount, "data does not fill shape \(shape)")
        self.dtype = dtype
        self.shape = shape
        self.data = data
        self.requiresGrad = requiresGrad
    }

    /// The number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// The elements converted to `Float` (exact for float32, float16, bfloat16 and small integers).
    public func floats() -> [Float] {
        data.withUnsafeBytes { raw in
            (0..<count).map { i -> Float in
                switch dtype {
                case .float32: return Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                case .float64: return Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
                case .float16: return halfToFloat(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                case .bfloat16: return Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
                case .int64: return Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
                case .int32: return Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
                case .int16: return Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)))
                case .int8: return Float(Int8(bitPattern: raw[i]))
                case .uint8: return Float(raw[i])
                case .bool: return raw[i] != 0 ? 1 : 0
                }
            }
        }
    }

    /// The elements as integers, for integer and bool dtypes; `nil` for floating-point dtypes.
    public func integers() -> [Int64]? {
        data.withUnsafeBytes { raw -> [Int64]? in
            switch dtype {
            case .int64: return (0..<count).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) }
            case .int32: return (0..<count).map { Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
            case .int16: return (0..<count).map { Int64(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self))) }
            case .int8: return (0..<count).map { Int64(Int8(bitPattern: raw[$0])) }
            case .uint8, .bool: return (0..<count).map { Int64(raw[$0]) }
            case .float32, .float64, .float16, .bfloat16: return nil
            }
        }
    }

    /// The tensor as a Float32 `Tensor` of the same shape.
    public func floatTensor() -> Tensor {
        Tensor(shape: shape, scalars: floats())
    }
}

/// IEEE 754 binary16 to binary32 (done by hand: `Float16` is not available on every platform Swift targets).
private func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h >> 15) << 31
    let exponent = Int((h >> 10) & 0x1f)
    let mantissa = UInt32(h & 0x3ff)
    switch exponent {
    case 0:  // zero or subnormal: mantissa * 2^-24
        let magnitude = Float(mantissa) * 0x1p-24
        return sign != 0 ? -magnitude : magnitude
    case 0x1f:  // infinity or NaN
        return Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13))
    default:
        return Float(bitPattern: sign | (UInt32(exponent + 112) << 23) | (mantissa << 13))
    }
}
