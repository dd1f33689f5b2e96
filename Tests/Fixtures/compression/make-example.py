#!/usr/bin/env python3
"""Writes example-v2.lmc from the byte-by-byte description in docs/FORMAT.md alone (not from the Swift code), so
that CompressionLMCFileTests checks the writer, the reader and the documentation against each other.

Two 3x2x2 8-bit images: image 0 (order 3, name "cat.png", levels 0..11, coded data bytes 1..12) and image 1
(order 0, no name, levels all 255, coded data 8 bytes 0xA0..0xA7). The coded data is opaque to the container."""
import struct, zlib, pathlib

def varint(v):
    out = b""
    while v >= 0x80:
        out += bytes([(v & 0x7F) | 0x80])
        v >>= 7
    return out + bytes([v])

levels0 = bytes(range(12))
levels1 = bytes([255] * 12)
data0 = bytes(range(1, 13))
data1 = bytes(range(0xA0, 0xA8))
fingerprint = bytes(range(32))

header = b"\x89LMC\r\n\x1a\n"
header += bytes([2, 0, 8])                               # version, kind (levels), bits
header += varint(3) + varint(2) + varint(2)              # C, H, W
header += fingerprint
header += varint(2)                                      # image count
for order, levels, data, name in [(3, levels0, data0, b"cat.png"), (0, levels1, data1, b"")]:
    header += varint(order) + struct.pack("<I", zlib.crc32(levels)) + varint(len(data)) + varint(len(name)) + name
out = header + struct.pack("<I", zlib.crc32(header)) + data0 + data1
pathlib.Path(__file__).with_name("example-v2.lmc").write_bytes(out)
print(len(out), "bytes")
