/// CRC-32C (Castagnoli: reflected polynomial 0x82F63B78), the checksum of TFRecord files. zlib has only the CRC-32 of
/// PNG and gzip, so this one is computed here, eight bytes at a time with eight 256-entry tables ("slicing-by-8").
public enum CRC32C {
    /// The reflected Castagnoli polynomial.
    static let polynomial: UInt32 = 0x82F6_3B78

    /// tables[k][b]: the CRC of byte b followed by k zero bytes; tables[0] is the classic byte-at-a-time table.
    static let tables: [[UInt32]] = {
        var t = [[UInt32]](repeating: [UInt32](repeating: 0, count: 256), count: 8)
        for b in 0..<256 {
            var crc = UInt32(b)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ polynomial : crc >> 1 }
            t[0][b] = crc
        }
        for k in 1..<8 {
            for b in 0..<256 { t[k][b] = (t[k - 1][b] >> 8) ^ t[0][Int(t[k - 1][b] & 0xFF)] }
        }
        return t
    }()

    /// The CRC-32C of `bytes`, continuing from the CRC `crc` of the bytes before them (0 to start).
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        var c = ~crc
        var i = 0
        let n = bytes.count
        tables.withUnsafeBufferPointer { t in
            let (t0, t1, t2, t3) = (t[0], t[1], t[2], t[3])
            let (t4, t5, t6, t7) = (t[4], t[5], t[6], t[7])
            while n - i >= 8 {
                let lo = c ^ (UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16
                    | UInt32(bytes[i + 3]) << 24)
                c = t7[Int(lo & 0xFF)] ^ t6[Int((lo >> 8) & 0xFF)] ^ t5[Int((lo >> 16) & 0xFF)] ^ t4[Int(lo >> 24)]
                    ^ t3[Int(bytes[i + 4])] ^ t2[Int(bytes[i + 5])] ^ t1[Int(bytes[i + 6])] ^ t0[Int(bytes[i + 7])]
                i += 8
            }
            while i < n {
                c = (c >> 8) ^ t0[Int((c ^ UInt32(bytes[i])) & 0xFF)]
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
