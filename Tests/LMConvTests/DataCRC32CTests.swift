import LMConv
import XCTest

final class DataCRC32CTests: XCTestCase {
    /// The check value of the CRC-32C catalogue and the test vectors of RFC 3720 (iSCSI), appendix B.4.
    func testKnownVectors() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }), 0x113F_DB5C)
    }

    /// The eight-bytes-at-a-time path agrees with a plain bitwise CRC for every length and alignment, and a CRC can
    /// be continued across pieces.
    func testAgreesWithBitwiseAndContinues() {
        func bitwise(_ bytes: ArraySlice<UInt8>) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for b in bytes {
                crc ^= UInt32(b)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            }
            return ~crc
        }
        var rng = Xoshiro256(seed: 7)
        let bytes = (0..<100).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        for start in 0..<9 {
            for end in start...bytes.count {
                XCTAssertEqual(CRC32C.checksum(bytes[start..<end]), bitwise(bytes[start..<end]), "\(start)..<\(end)")
            }
        }
        for split in [0, 1, 7, 8, 50, 100] {
            XCTAssertEqual(CRC32C.checksum(bytes[split...], continuing: CRC32C.checksum(bytes[..<split])),
                           CRC32C.checksum(bytes))
        }
    }

    /// TFRecord's mask: rotate right by 15, add 0xa282ead8 (tensorflow/core/lib/hash/crc32c.h).
    func testMask() {
        XCTAssertEqual(CRC32C.masked(0), 0xA282_EAD8)
        XCTAssertEqual(CRC32C.masked(0x0000_8000), 0xA282_EAD9)
        XCTAssertEqual(CRC32C.masked(0x0000_0001), 0xA282_EAD8 &+ 0x0002_0000)
    }
}
