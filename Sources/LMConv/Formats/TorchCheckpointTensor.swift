import Foundation

/// The element type of a PyTorch storage, named after its legacy storage class (`torch.FloatStorage`, ...).
public enum TorchDType: String, Sendable, CaseIterable {
    case float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool

    /// The dtype of a storage class name such as `FloatStorage`, or `nil` for an unknown one.
    init?(storageClass name: String) {
        switch name {
        case "FloatStorage": self = .float32
        case "DoubleStorage": self = .float64
        case "HalfStorage": self = .float16
        case "BFloat16Storage": self = .bfloat16
        case "LongStorage": self = .int64
        case "IntStorage": self = .int32
        case "ShortStorage": self = .int16
        case "CharStorage": self = .int8
        case "ByteStorage": self = .uint8
        case "BoolStorage": self = .bool
        default: return nil
        }
    }

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }
}

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

// MARK: - Rebuilding a saved view

/// The product of `values`, or `nil` on overflow.
func checkedProduct(_ values: [Int]) -> Int? {
    var product = 1
    for value in values {
        let (result, overflow) = product.multipliedReportingOverflow(by: value)
        if overflow { return nil }
        product = result
    }
    return product
}

private func checkedSum(_ a: Int, _ b: Int?) -> Int? {
    guard let b else { return nil }
    let (result, overflow) = a.addingReportingOverflow(b)
    return overflow ? nil : result
}

/// The raw bytes of one storage, as found in the checkpoint.
struct TorchStorageBytes {
    var dtype: TorchDType
    var bytes: [UInt8]
    /// The element where this storage starts within `bytes` (legacy views of a shared root storage).
    var elementOffset: Int = 0
    /// The number of elements available from `elementOffset`.
    var elementCount: Int

    init(dtype: TorchDType, bytes: [UInt8], elementOffset: Int = 0, elementCount: Int? = nil) {
        self.dtype = dtype
        self.bytes = bytes
        self.elementOffset = elementOffset
        self.elementCount = elementCount ?? (bytes.count / dtype.byteCount - elementOffset)
    }
}

/// Copies the strided view `(offset, size, stride)` of `storage` into a contiguous tensor, checking that every
/// element the view addresses lies inside the storage. `describe` names the storage in the error.
func gatherView(
    storage: TorchStorageBytes, offset: Int, size: [Int], stride: [Int], requiresGrad: Bool,
    describe: () -> String
) throws -> TorchTensor {
    let width = storage.dtype.byteCount
    guard size.count == stride.count, size.allSatisfy({ $0 >= 0 }), stride.allSatisfy({ $0 >= 0 }), offset >= 0 else {
        throw LMConvError.corruptFile(source: describe(),
                                      reason: "invalid tensor view (offset \(offset), size \(size), stride \(stride))")
    }
    // Sizes come from the file: overflow must be an error, not a trap.
    guard let count = checkedProduct(size), checkedProduct([count, width]) != nil,
          let reach = zip(size, stride).reduce(Optional(offset), { sum, axis in
              sum.flatMap { checkedSum($0, checkedProduct([max(axis.0 - 1, 0), axis.1])) }
          }) else {
        throw LMConvError.corruptFile(source: describe(),
                                      reason: "tensor view too large (offset \(offset), size \(size), stride \(stride))")
    }
    if count > 0 {
        guard reach < storage.elementCount else {
            throw LMConvError.corruptFile(source: describe(),
                                          reason: "view (offset \(offset), size \(size), stride \(stride)) "
                              + "exceeds its storage of \(storage.elementCount) elements")
        }
    }
    var out = [UInt8](repeating: 0, count: count * width)
    guard count > 0 else {
        return TorchTensor(dtype: storage.dtype, shape: size, data: out, requiresGrad: requiresGrad)
    }
    let base = storage.elementOffset + offset
    // Contiguous views (the usual case) are one copy; others walk the index space with an odometer.
    var contiguousStride = 1
    var isContiguous = true
    for axis in stride.indices.reversed() where size[axis] != 1 {
        if stride[axis] != contiguousStride { isContiguous = false; break }
        contiguousStride *= size[axis]
    }
    storage.bytes.withUnsafeBytes { src in
        out.withUnsafeMutableBytes { dst in
            if isContiguous {
                dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[(base * width)..<((base + count) * width)]))
                return
            }
            var index = [Int](repeating: 0, count: size.count)
            var source = base
            for element in 0..<count {
                let from = source * width
                for b in 0..<width { dst[element * width + b] = src[from + b] }
                // Advance the odometer, innermost axis first.
                var axis = size.count - 1
                while axis >= 0 {
                    index[axis] += 1
                    source += stride[axis]
                    if index[axis] < size[axis] { break }
                    source -= stride[axis] * size[axis]
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
    }
    return TorchTensor(dtype: storage.dtype, shape: size, data: out, requiresGrad: requiresGrad)
}
