/// CRC-32C (Castagnoli: reflected polynomial 0x82F63B78), the checksum of TFRecord files. zlib has only the CRC-32 of
/// PNG and gzip, so this one is computed here, eight bytes at a time with eight 256-entry tables ("slicing-by-8").
public enum CRC32C {
    /// The reflected Castagnoli polynomial.
    static let polynomial: UInt32 = 0x82F6_3B78

    /// Entry 256k + b: the CRC of byte b followed by k zero bytes, k = 0...7; k = 0 is the byte-at-a-time table.
    static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for b in 0..<256 {
            var crc = UInt32(b)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ polynomial : crc >> 1 }
            t[b] = crc
        }
        for k in 1..<8 {
            for b in 0..<256 { t[256 * k + b] = (t[256 * (k - 1) + b] >> 8) ^ t[Int(t[256 * (k - 1) + b] & 0xFF)] }
        }
        return t
    }()

    /// The CRC-32C of `bytes`, continuing from the CRC `crc` of the bytes before them (0 to start).
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress else { return crc }
        let p = base.assumingMemoryBound(to: UInt8.self)
        let n = bytes.count
        var c = ~crc
        var i = 0
        tables.withUnsafeBufferPointer { table in
            let t = table.baseAddress!
            @inline(__always) func at(_ k: Int, _ b: UInt32) -> UInt32 { t[256 * k + Int(b & 0xFF)] }
            while n - i >= 8 {
                let lo = c ^ (UInt32(p[i]) | UInt32(p[i + 1]) << 8 | UInt32(p[i + 2]) << 16 | UInt32(p[i + 3]) << 24)
                let a = at(7, lo) ^ at(6, lo >> 8) ^ at(5, lo >> 16) ^ at(4, lo >> 24)
                let b = at(3, UInt32(p[i + 4])) ^ at(2, UInt32(p[i + 5])) ^ at(1, UInt32(p[i + 6])) ^ at(0, UInt32(p[i + 7]))
                c = a ^ b
                i += 8
            }
            while i < n {
                c = (c >> 8) ^ at(0, c ^ UInt32(p[i]))
                i += 1
            }
        }
        return ~c
    }

    /// The CRC-32C of `bytes`, continuing from `crc`.
    public static func checksum(_ bytes: ArraySlice<UInt8>, continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, continuing: crc) }
    }

    /// The CRC-32C of `bytes`, continuing from `crc`.
    public static func checksum(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, continuing: crc) }
    }

    /// TFRecord's masked form of a CRC (rotated right by 15 bits plus a constant), which keeps a CRC stored next to
    /// the data it covers from being a valid CRC of data that contains it.
    public static func masked(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}
