/// One tensor of a safetensors file: its dtype, shape and raw little-endian bytes.
public struct SafetensorsTensor: Sendable, Equatable {
    public var dtype: SafetensorsDType
    /// The extent of every axis, outermost first (empty for a scalar).
    public var shape: [Int]
    /// The elements, row-major, little-endian; `bytes.count == shape.product * dtype.byteWidth`.
    public var bytes: [UInt8]

    /// A tensor with the given dtype, shape and raw bytes (not checked here; `serialized()` trusts it).
    public init(dtype: SafetensorsDType, shape: [Int], bytes: [UInt8]) {
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// An F32 tensor.
    public init(shape: [Int], floats: [Float]) {
        precondition(floats.count == shape.reduce(1, *), "\(floats.count) floats do not fill shape \(shape)")
        self.init(dtype: .f32, shape: shape, bytes: littleEndianBytes(floats.map { $0.bitPattern }))
    }

    /// An I64 tensor.
    public init(shape: [Int], int64s: [Int64]) {
        precondition(int64s.count == shape.reduce(1, *), "\(int64s.count) int64s do not fill shape \(shape)")
        self.init(dtype: .i64, shape: shape, bytes: littleEndianBytes(int64s.map { UInt64(bitPattern: $0) }))
    }

    /// An U8 tensor.
    public init(shape: [Int], uint8s: [UInt8]) {
        precondition(uint8s.count == shape.reduce(1, *), "\(uint8s.count) bytes do not fill shape \(shape)")
        self.init(dtype: .u8, shape: shape, bytes: uint8s)
    }

    /// The number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// The elements as `Float`: F32 as stored, F64 rounded to the nearest float. Throws for any other dtype.
    public func floats() throws -> [Float] {
        try checkByteCount()
        switch dtype {
        case .f32: return fromLittleEndian(bytes, as: UInt32.self).map { Float(bitPattern: $0) }
        case .f64: return fromLittleEndian(bytes, as: UInt64.self).map { Float(Double(bitPattern: $0)) }
        default: throw LMConvError.unsupported(reason: "safetensors tensor of shape \(shape) has dtype \(dtype.rawValue), expected F32 or F64")
        }
    }

    /// The elements as `Int64`: I64 as stored, I32 widened. Throws for any other dtype.
    public func int64s() throws -> [Int64] {
        try checkByteCount()
        switch dtype {
        case .i64: return fromLittleEndian(bytes, as: UInt64.self).map { Int64(bitPattern: $0) }
        case .i32: return fromLittleEndian(bytes, as: UInt32.self).map { Int64(Int32(bitPattern: $0)) }
        default: throw LMConvError.unsupported(reason: "safetensors tensor of shape \(shape) has dtype \(dtype.rawValue), expected I64 or I32")
        }
    }

    /// The elements of a U8 tensor. Throws for any other dtype.
    public func uint8s() throws -> [UInt8] {
        try checkByteCount()
        guard dtype == .u8 else {
            throw LMConvError.unsupported(reason: "safetensors tensor of shape \(shape) has dtype \(dtype.rawValue), expected U8")
        }
        return bytes
    }

    private func checkByteCount() throws {
        guard bytes.count == count * dtype.byteWidth else {
            throw LMConvError.invalidArgument(reason: "safetensors tensor of shape \(shape) and dtype \(dtype.rawValue) holds \(bytes.count) bytes, "
                              + "expected \(count * dtype.byteWidth)")
        }
    }
}

/// The little-endian bytes of fixed-width integers.
private func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: values.count * MemoryLayout<T>.size)
    out.withUnsafeMutableBytes { raw in
        for (i, value) in values.enumerated() {
            raw.storeBytes(of: value.littleEndian, toByteOffset: i * MemoryLayout<T>.size, as: T.self)
        }
    }
    return out
}

/// Fixed-width integers decoded from little-endian bytes.
private func fromLittleEndian<T: FixedWidthInteger>(_ bytes: [UInt8], as: T.Type) -> [T] {
    let width = MemoryLayout<T>.size
    return bytes.withUnsafeBytes { raw in
        (0..<(bytes.count / width)).map { T(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * width, as: T.self)) }
    }
}
