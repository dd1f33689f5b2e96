#!/usr/bin/env python3
"""Writes the small hand-made PNG files in this folder with nothing but zlib and struct: an encoder independent of
the project's, covering every colour type, bit depths 1 to 16, all five filter types and Adam7 interlacing.
Pixel values follow formulas that PNGDecoderTests.swift recomputes. Run from this folder: python3 make_png_fixtures.py"""
import struct, zlib

def s8(x, y, c):
    return (x * x * 7 + y * 13 + c * 101 + x * y * 3 + 5) % 256

def s16(x, y, c):
    return (s8(x, y, c) * 257 + x * 31 + y) % 65536

def ties(x, y):
    # Few distinct levels, so Paeth's tie-breaking order (a, then b, then c) matters often.
    return ((x * 3 + y * 5 + x * y) % 5) * 30

def sample(x, y, c, color, depth):
    if PATTERN == 'ties':
        return ties(x, y)
    if color == 3:
        return (x * 3 + y * 5) % (1 << depth)  # palette index
    if depth < 8:
        return (x + 2 * y) % (1 << depth)
    return s8(x, y, c) if depth == 8 else s16(x, y, c)

PATTERN = None
PALETTE = [((i * 17) % 256, (255 - i * 13) % 256, (i * 29) % 256) for i in range(16)]
SAMPLES = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]

def scanline(xs, y, color, depth):
    n = SAMPLES[color]
    if depth >= 8:
        out = bytearray()
        for x in xs:
            for c in range(n):
                v = sample(x, y, c, color, depth)
                out += bytes([v]) if depth == 8 else struct.pack('>H', v)
        return bytes(out)
    bits = ''.join(format(sample(x, y, 0, color, depth), '0%db' % depth) for x in xs)
    bits += '0' * (-len(bits) % 8)
    return bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))

def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)

def filt(kind, row, prev, bpp):
    out = bytearray()
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i] if prev is not None else 0
        c = prev[i - bpp] if prev is not None and i >= bpp else 0
        pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
        out.append((x - pred) % 256)
    return bytes([kind]) + bytes(out)

def chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF)

def write(name, width, height, color, depth, interlace=False, first_filter=0, only_filter=None, pattern=None):
    global PATTERN
    PATTERN = pattern
    bpp = max(1, SAMPLES[color] * depth // 8)
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    raw, line = b'', first_filter
    for (x0, y0, dx, dy) in passes:
        xs = list(range(x0, width, dx))
        if not xs:
            continue
        prev = None
        for y in range(y0, height, dy):
            row = scanline(xs, y, color, depth)
            # The filter type cycles 0, 1, 2, 3, 4 over scanlines unless one is forced.
            raw += filt(line % 5 if only_filter is None else only_filter, row, prev, bpp)
            prev, line = row, line + 1
    z = zlib.compress(raw, 9)
    ihdr = struct.pack('>IIBBBBB', width, height, depth, color, 0, 0, 1 if interlace else 0)
    png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'tEXt', b'Comment\x00hand-made test image')
    if color == 3:
        png += chunk(b'PLTE', bytes(v for rgb in PALETTE for v in rgb))
    half = len(z) // 2  # image data split over two IDAT chunks
    png += chunk(b'IDAT', z[:half]) + chunk(b'IDAT', z[half:]) + chunk(b'IEND', b'')
    open(name, 'wb').write(png)

write('gray8.png', 9, 7, 0, 8)
write('rgb8.png', 9, 7, 2, 8, first_filter=2)
write('rgba8-adam7.png', 11, 9, 6, 8, interlace=True)
write('graya16.png', 6, 5, 4, 16, first_filter=3)
write('rgb16.png', 5, 6, 2, 16, first_filter=1)
write('palette4.png', 7, 5, 3, 4)
write('gray2-adam7.png', 10, 9, 0, 2, interlace=True, first_filter=4)
write('gray1.png', 13, 3, 0, 1)
write('gray8-paeth.png', 16, 8, 0, 8, only_filter=4, pattern='ties')
