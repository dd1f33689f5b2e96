#!/usr/bin/env python3
"""The one-off experiment the README's OOD section reports: does a better generic compressor improve the complexity
score (Serra et al. 2020) of `lmconv score`? A copy of lmconv's context coder (Sources/LMConv/Anomaly/ContextCoder.swift,
8-bit path) is checked to reproduce the tool's code lengths exactly, then a variant (the zero flag, the sign and the
exponent get a context of their own when the prediction is 0) is scored on the same images.

Usage (a development tool, needs numpy; lmconv itself needs no Python):
  lmconv score --checkpoint M --data fashion-mnist --orders 1 --per-image --json > in.json
  lmconv score --checkpoint M --data mnist-5k --orders 1 --per-image --json > out.json
  python3 experiments/complexity-coder-variant.py in.json out.json
Measured 2026-12-03 with the shipped gray model (1 order; about a minute): mean code length 3.9461 -> 3.7733 bpd
(Fashion-MNIST test), 1.8651 -> 1.8021 (MNIST digits); complexity AUROC 0.9903 (the tool's coder) -> 0.9848.
"""
import json, math, sys
import numpy as np
from ood_data import auroc, fashion_mnist_test, mnist_5k

class BitModels:   # Krichevsky-Trofimov adaptive binary models, as ContextCoder.BitModels
    def __init__(self, contexts): self.counts = [0] * (2 * contexts)
    def code(self, bit, context):
        n0, n1 = self.counts[2 * context], self.counts[2 * context + 1]
        self.counts[2 * context + (1 if bit else 0)] += 1
        return -math.log2(((n1 if bit else n0) + 0.5) / (n0 + n1 + 1))

def code_length(image, zero_prediction_context, max_level=255, activity_contexts=8):
    """Bits of ContextCoder.grayCodeLength (zero_prediction_context=False) or of the variant."""
    H, W = image.shape
    v = image.astype(int).tolist()
    exponents = max(1, int(math.log2(max(max_level, 1))) + 1)
    contexts = activity_contexts * (2 if zero_prediction_context else 1)
    zero, sign = BitModels(contexts), BitModels(contexts)
    exponent, mantissa = BitModels(contexts * exponents), BitModels(exponents * exponents)
    bits = 0.0
    for y in range(H):
        for x in range(W):
            west = v[y][x - 1] if x > 0 else (v[y - 1][x] if y > 0 else 0)
            north = v[y - 1][x] if y > 0 else west
            north_west = v[y - 1][x - 1] if y > 0 and x > 0 else north
            north_east = v[y - 1][x + 1] if y > 0 and x + 1 < W else north
            if north_west >= max(west, north): predicted = min(west, north)
            elif north_west <= min(west, north): predicted = max(west, north)
            else: predicted = west + north - north_west
            activity = abs(west - north_west) + abs(north - north_west) + abs(north - north_east)
            q = min(activity_contexts - 1, 0 if activity == 0 else 1 + int(math.log2(activity)))
            if zero_prediction_context: q = 2 * q + (predicted == 0)
            residual = v[y][x] - predicted
            bits += zero.code(residual == 0, q)
            if residual == 0: continue
            bits += sign.code(residual > 0, q)
            magnitude = abs(residual); e = int(math.log2(magnitude))
            for i in range(e): bits += exponent.code(True, q * exponents + i)
            if e < exponents - 1: bits += exponent.code(False, q * exponents + e)
            for i in range(e - 1, -1, -1): bits += mantissa.code((magnitude >> i) & 1 == 1, e * exponents + i)
    return bits

def main(in_json, out_json):
    sets = []
    for path, images in [(in_json, fashion_mnist_test()), (out_json, mnist_5k())]:
        scored = json.load(open(path))['images']
        images = images[[s['index'] for s in scored]]
        nll = np.array([s['nll'] for s in scored]); tool_bits = np.array([s['code_length_bits'] for s in scored])
        copy = np.array([code_length(i, False) for i in images])
        assert np.allclose(copy, tool_bits, rtol=1e-12), f'{path}: the copy does not reproduce the tool\'s code lengths'
        variant = np.array([code_length(i, True) for i in images])
        D = images[0].size
        print(f'{path}: mean code length {copy.mean() / D:.4f} bpd (tool) -> {variant.mean() / D:.4f} (variant)')
        sets.append((nll, copy / D, variant / D))
    (nll_in, tool_in, var_in), (nll_out, tool_out, var_out) = sets
    print(f'complexity AUROC: tool {auroc(nll_in - tool_in, nll_out - tool_out):.4f}, '
          f'variant {auroc(nll_in - var_in, nll_out - var_out):.4f}')

if __name__ == '__main__':
    main(*sys.argv[1:3])
