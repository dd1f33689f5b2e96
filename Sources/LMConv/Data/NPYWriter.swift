/// Writing NumPy `.npy` arrays (format 1.0), the form in which per-pixel results leave the tool for analysis:
/// `numpy.load(path)` gives the array back with its shape and dtype.
public enum NPYWriter {
    /// The bytes of a `.npy` file holding `values` as little-endian float32 of `shape`, in C (row-major) order.
    /// The header is numpy's: the magic, version 1.0, its length, a dict literal padded with spaces so that the
    /// data starts at a multiple of 64 bytes, and a newline.
    public static func float32Array(_ values: [Float], shape: [Int]) -> [UInt8] {
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == values.count,
                     "\(values.count) values do not fill the shape \(shape)")
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let length = header.utf8.count
        var bytes = FileKind.npyMagic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8)
        bytes.reserveCapacity(bytes.count + 4 * values.count)
        for v in values {
            let bits = v.bitPattern.littleEndian
            bytes += [UInt8(bits & 0xFF), UInt8(bits >> 8 & 0xFF), UInt8(bits >> 16 & 0xFF), UInt8(bits >> 24)]
        }
        return bytes
    }

    /// Writes `values` (float32, `shape`, C order) to the `.npy` file at `path`, atomically.
    public static func writeFloat32(_ values: [Float], shape: [Int], to path: String) throws {
        try AtomicFile.write(float32Array(values, shape: shape), to: path)
    }
}
