/// The element types this project reads and writes. Other safetensors dtypes (F16, BF16, BOOL, ...) are refused on read.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case f32 = "F32", f64 = "F64", i64 = "I64", i32 = "I32", u8 = "U8"

    /// Bytes per element.
    public var byteWidth: Int {
        switch self {
        case .f32, .i32: return 4
        case .f64, .i64: return 8
        case .u8: return 1
        }
    }
}
