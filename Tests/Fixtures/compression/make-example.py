#!/usr/bin/env python3
"""Writes example-v1.lmc from the byte-by-byte description in docs/FORMAT.md alone (not from the Swift code), so
that CompressionLMCFileTests checks the writer, the reader and the documentation against each other.

Two 3x2x2 8-bit images: image 0 (order 3, name "cat.png", levels 0..11, coded data bytes 1..12) and image 1
(order 0, no name, levels all 255, coded data 8 bytes 0xA0..0xA7). The coded data is opaque to the container."""
import struct, zlib, pathlib

levels0 = bytes(range(12))
levels1 = bytes([255] * 12)
data0 = bytes(range(1, 13))
data1 = bytes(range(0xA0, 0xA8))
fingerprint = bytes(range(32))

header = b"\x89LMC\r\n\x1a\n"
header += struct.pack("<HBBHII", 1, 0, 8, 3, 2, 2)      # version, kind (levels), bits, C, H, W
header += fingerprint
header += struct.pack("<I", 2)                           # image count
for order, levels, data, name in [(3, levels0, data0, b"cat.png"), (0, levels1, data1, b"")]:
    header += struct.pack("<IIIQH", order, zlib.crc32(levels), zlib.crc32(data), len(data), len(name)) + name
out = header + struct.pack("<I", zlib.crc32(header)) + data0 + data1
pathlib.Path(__file__).with_name("example-v1.lmc").write_bytes(out)
print(len(out), "bytes")
