#!/usr/bin/env python3
"""A probe of issue 13 (binarized Fashion-MNIST against MNIST), fixed before it was measured: the model's likelihood of
an image against its likelihood of the same image with its tiles shuffled, as a background that keeps the image's
local statistics and loses its global layout, after Zhang et al. 2021 (a full model's likelihood over a local
model's isolates the non-local part, which is where garments and digits differ) without training a local model:
shuffling TxT tiles keeps every pixel's neighbourhood inside its tile and breaks every dependency across tiles.

Fixed in advance: tiles of 7x7 (a 4x4 grid of the 28x28 image: a tile holds strokes and edges, not a garment's
outline), R = 4 random tile permutations per image (seed 0), the background B(x) = -log2 of the mean over the R
shuffles of 2^-NLL (their mixture, as context8 mixes orientations); scores NLL(x) - B(x) and that added to the
complexity score (context8), in bits. Tiles of 4 and 14 are printed as a check, not to choose from.

Usage (a development tool, needs numpy; lmconv itself needs no Python):
  python3 experiments/ood-tile-shuffle-ratio.py MODEL [N_IN N_OUT] [--lmconv .build/release/lmconv]
One order; all 10 000 test garments and 5000 digits by default (about 2 x 4 x 15 000 images scored per tile size).
"""
import os, sys, tempfile
import numpy as np
from ood_data import auroc, fashion_mnist_test, mnist_5k
import importlib.util
_spec = importlib.util.spec_from_file_location('orientation', os.path.join(os.path.dirname(__file__), 'ood-orientation-ratio.py'))
_orientation = importlib.util.module_from_spec(_spec); _spec.loader.exec_module(_orientation)
score = _orientation.score   # per-image NLL and complexity in bits from `lmconv score`

def shuffle_tiles(images, tile, rng):
    """Each image (N, H, W) with its (H/tile) x (W/tile) tiles in a random order of its own."""
    n, h, w = images.shape
    gh, gw = h // tile, w // tile
    tiles = images.reshape(n, gh, tile, gw, tile).transpose(0, 1, 3, 2, 4).reshape(n, gh * gw, tile, tile)
    order = np.argsort(rng.random((n, gh * gw)), axis=1)
    shuffled = np.take_along_axis(tiles, order[:, :, None, None], axis=1)
    return shuffled.reshape(n, gh, gw, tile, tile).transpose(0, 1, 3, 2, 4).reshape(n, h, w)

def mixture_bits(nlls):
    """-log2 of the mean of 2^-L over the rows of nlls (R, N)."""
    m = nlls.min(0)
    return m - np.log2(np.exp2(m - nlls).mean(0))

def main():
    args = sys.argv[1:]
    lmconv = '.build/release/lmconv'
    if '--lmconv' in args:
        k = args.index('--lmconv'); lmconv = args[k + 1]; del args[k:k + 2]
    model = args[0]
    n_in, n_out = (int(args[1]), int(args[2])) if len(args) >= 3 else (10000, 5000)
    sets = {'in': (fashion_mnist_test()[:n_in] >= 128) * np.uint8(255), 'out': (mnist_5k()[:n_out] >= 128) * np.uint8(255)}
    with tempfile.TemporaryDirectory() as folder:
        (nll_in, cx_in), (nll_out, cx_out) = (score(lmconv, model, sets[k], folder, k) for k in ('in', 'out'))
        print(f'{n_in} in, {n_out} out, one order; mean NLL {nll_in.mean():.1f} / {nll_out.mean():.1f} bits; '
              f'complexity (context8) AUROC {auroc(cx_in, cx_out):.4f}')
        print('| tiles | B(x), mean in / out (bits) | AUROC of NLL(x) - B(x) | AUROC of that + complexity |')
        print('| --- | --- | --- | --- |')
        for tile in (7, 4, 14):
            rng = np.random.default_rng(0)
            b = {}
            for k in ('in', 'out'):
                shuffled = [score(lmconv, model, shuffle_tiles(sets[k], tile, rng), folder, k + '-shuffled')[0] for _ in range(4)]
                b[k] = mixture_bits(np.stack(shuffled))
            r_in, r_out = nll_in - b['in'], nll_out - b['out']
            note = ' (fixed in advance)' if tile == 7 else ' (check)'
            print(f'| {tile}x{tile}{note} | {b["in"].mean():.1f} / {b["out"].mean():.1f} | {auroc(r_in, r_out):.4f} | '
                  f'{auroc(r_in + cx_in, r_out + cx_out):.4f} |', flush=True)

if __name__ == '__main__':
    main()
