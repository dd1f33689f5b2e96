#!/usr/bin/env python3
"""Writes example-v2.lmc and example-v3.lmc from the byte-by-byte description in docs/FORMAT.md alone (not from
the Swift code), so that CompressionLMCFileTests checks the writer, the reader and the documentation against each
other. The coded data is opaque to the container.

example-v3.lmc (what the writer produces): three 3x2x2 8-bit images, 2 images per stream: image 0 (order 3, name
"cat.png", levels 0..11), image 1 (order 0, no name, levels all 255), image 2 (order 0, name "dog.png", levels
all 7). Groups: order 0's images 1 and 2 (stream 0: 12 bytes 0xA0..0xAB), then order 3's image 0 (stream 1: 8
bytes 1..8).

example-v2.lmc (version 2, still read): two 3x2x2 8-bit images, each its own stream: image 0 (order 3, name
"cat.png", levels 0..11, coded data bytes 1..12) and image 1 (order 0, no name, levels all 255, coded data 8 bytes
0xA0..0xA7)."""
import struct, zlib, pathlib

def varint(v):
    out = b""
    while v >= 0x80:
        out += bytes([(v & 0x7F) | 0x80])
        v >>= 7
    return out + bytes([v])

fingerprint = bytes(range(32))
here = pathlib.Path(__file__).parent

def start(version, count):
    header = b"\x89LMC\r\n\x1a\n"
    header += bytes([version, 0, 8])                          # version, kind (levels), bits
    header += varint(3) + varint(2) + varint(2)               # C, H, W
    return header + fingerprint + varint(count)               # image count

# Version 3.
images = [(3, bytes(range(12)), b"cat.png"), (0, bytes([255] * 12), b""), (0, bytes([7] * 12), b"dog.png")]
streams = [bytes(range(0xA0, 0xAC)), bytes(range(1, 9))]
header = start(3, len(images))
header += bytes([1 | 2])                                     # flags: order indices, names
header += varint(2)                                          # images per stream
for order, levels, name in images:
    header += varint(order) + struct.pack("<I", zlib.crc32(levels)) + varint(len(name)) + name
for stream in streams:
    header += varint(len(stream))
out = header + struct.pack("<I", zlib.crc32(header)) + b"".join(streams)
(here / "example-v3.lmc").write_bytes(out)
print("example-v3.lmc:", len(out), "bytes")

# Version 2.
data0, data1 = bytes(range(1, 13)), bytes(range(0xA0, 0xA8))
header = start(2, 2)
for order, levels, data, name in [(3, bytes(range(12)), data0, b"cat.png"), (0, bytes([255] * 12), data1, b"")]:
    header += varint(order) + struct.pack("<I", zlib.crc32(levels)) + varint(len(data)) + varint(len(name)) + name
out = header + struct.pack("<I", zlib.crc32(header)) + data0 + data1
(here / "example-v2.lmc").write_bytes(out)
print("example-v2.lmc:", len(out), "bytes")
