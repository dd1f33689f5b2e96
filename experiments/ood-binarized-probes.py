#!/usr/bin/env python3
"""The one-off probes of 2026-12-04 that the README's OOD section reports under "Also tried": four scores, each
fixed before it was measured, that might lift the binarized complexity AUROC (Fashion-MNIST test against MNIST
digits, the shipped binary model) towards issue 13's 0.99 without fitting anything to the digits.

1. A stronger generic compressor: context-tree weighting (Willems et al. 1995) over the causal neighbours ordered by
   distance, the universal binary coder that picks the context depth itself; its depth is chosen by its code length
   on 2000 Fashion-MNIST *training* images (the rule "the better the compressor, the better the score" of Serrà
   et al.), then the complexity score NLL - L(x) is measured with it.
2. The orders' disagreement as a typicality test: the Mahalanobis distance of the per-order NLL profile (each order's
   NLL minus the mean over the 8 orders) from its mean, fitted on the first 5000 Fashion-MNIST test images; alone and
   combined with the complexity score by Fisher's method (-2 sum log p, each p from the same 5000 images), as
   Bergamin et al. 2022 combine test statistics. Evaluated on the other 5000 against all 5000 digits.
3. The model's own likelihood of the image turned, averaged over the 7 non-identity turns of the square (the group
   that --compressor context8 mixes over), as a background of the same local statistics: NLL(x) - mean_g NLL(g x),
   alone and added to the complexity score; and the mixture -log2 mean_g 2^-NLL(g x) over all 8 in place of the mean.
4. A trained local model as the likelihood ratio's background (the low-level statistics Ren et al.'s background is
   meant to hold, without noise): each pixel from its first 10 causal neighbours (JBIG's template size), the
   probabilities counted over all 60 000 binarized training images (KT-smoothed); NLL(x) - its code length. Other
   template sizes are printed too, as a sensitivity check, not to choose from.

Usage (a development tool, needs numpy; lmconv itself needs no Python), DIR holding four score outputs:
  for s in in:fashion-mnist out:mnist-5k; do n=${s%%:*}; d=${s#*:}; for k in 1 8; do
    lmconv score --checkpoint M --data $d --binarize-threshold 128 --orders $k --json --per-image > DIR/$n-o$k.json
  done; done
  python3 experiments/ood-binarized-probes.py M DIR [--lmconv .build/release/lmconv]
Probe 3 scores 7 x 15 000 turned images with `lmconv score` (about 10 minutes on one core); probe 1 about 2.
`--only-local` runs probe 4 alone (seconds).
"""
import gzip, json, os, subprocess, sys, tempfile
import numpy as np
from ood_data import auroc, fashion_mnist_test, mnist_5k

TURN_NAMES = ['transpose', 'anti-transpose', 'rotate 90', 'rotate 180', 'rotate 270', 'flip up-down',
              'flip left-right']
# Causal neighbours (dy, dx) nearest first, as JBIG-style templates grow.
NEIGHBOURS = [(0, -1), (-1, 0), (-1, -1), (-1, 1), (0, -2), (-2, 0), (-1, -2), (-1, 2), (-2, -1), (-2, 1), (-2, -2),
              (-2, 2), (0, -3), (-3, 0), (-1, -3), (-1, 3)]

def ctw_bits(binary, depth):
    """Context-tree-weighting code length in bits of each binary image (N, H, W), raster order, KT estimators at every
    node of a full tree of `depth` neighbours; vectorised over images (all coded independently)."""
    N, H, W = binary.shape
    pad = 3
    padded = np.zeros((N, H + pad, W + 2 * pad), np.uint8)
    padded[:, pad:, pad:pad + W] = binary
    nodes = (1 << (depth + 1)) - 1                    # node of prefix p at depth d: 2^d - 1 + p
    zeros = np.zeros((N, nodes), np.float32); ones = np.zeros((N, nodes), np.float32)
    log_pe = np.zeros((N, nodes)); log_pw = np.zeros((N, nodes))   # natural logs of the estimated / weighted prob.
    rows, total = np.arange(N), np.zeros(N)
    for y in range(H):
        for x in range(W):
            bit = padded[:, pad + y, pad + x].astype(np.float32)
            path, prefix = [np.zeros(N, np.int64)], np.zeros(N, np.int64)
            for d, (dy, dx) in enumerate(NEIGHBOURS[:depth]):
                prefix = prefix * 2 + padded[:, pad + y + dy, pad + x + dx]
                path.append((1 << (d + 1)) - 1 + prefix)
            before = log_pw[:, 0].copy()
            for d in range(depth, -1, -1):            # leaf to root
                n = path[d]
                a, b = zeros[rows, n], ones[rows, n]
                log_pe[rows, n] += np.log(np.where(bit == 1, b + 0.5, a + 0.5) / (a + b + 1))
                zeros[rows, n] = a + 1 - bit; ones[rows, n] = b + bit
                if d == depth:
                    log_pw[rows, n] = log_pe[rows, n]
                else:                                  # Pw = Pe / 2 + Pw(child 0) Pw(child 1) / 2
                    child0 = (1 << (d + 1)) - 1 + (n - ((1 << d) - 1)) * 2
                    e, s = log_pe[rows, n], log_pw[rows, child0] + log_pw[rows, child0 + 1]
                    m = np.maximum(e, s)
                    log_pw[rows, n] = m + np.log(0.5 * np.exp(e - m) + 0.5 * np.exp(s - m))
            total += (before - log_pw[:, 0]) / np.log(2)
    return total

def ctw_all(binary, depth):
    return np.concatenate([ctw_bits(binary[i:i + 2000], depth) for i in range(0, len(binary), 2000)])

def local_context(binary, depth):
    """Each pixel's context (N, H, W): its first `depth` causal NEIGHBOURS as bits, zeros outside the image."""
    N, H, W = binary.shape
    pad = 3
    padded = np.zeros((N, H + pad, W + 2 * pad), np.int64)
    padded[:, pad:, pad:pad + W] = binary
    context = np.zeros((N, H, W), np.int64)
    for dy, dx in NEIGHBOURS[:depth]:
        context = context * 2 + padded[:, pad + dy:pad + dy + H, pad + dx:pad + dx + W]
    return context

def local_model_bits(train, images, depth):
    """Bits of each binary image (N, H, W) under a static context model of `depth` neighbours counted on `train`."""
    context = local_context(train, depth)
    ones = np.bincount(context[train == 1], minlength=1 << depth)
    seen = np.bincount(context.ravel(), minlength=1 << depth)
    p_on = (ones + 0.5) / (seen + 1)
    c = local_context(images, depth)
    return -np.log2(np.where(images == 1, p_on[c], 1 - p_on[c])).sum((1, 2))

def per_image(path, key):
    return np.array([i[key] for i in json.load(open(path))['images']])

def upper_p(reference, values):
    """Empirical upper-tail p-values of `values` against `reference`, (1 + #{reference >= v}) / (n + 1)."""
    s = np.sort(reference)
    return (1 + len(s) - np.searchsorted(s, values, side='left')) / (len(s) + 1)

def main():
    args = sys.argv[1:]
    lmconv = '.build/release/lmconv'
    if '--lmconv' in args:
        k = args.index('--lmconv'); lmconv = args[k + 1]; del args[k:k + 2]
    only_local = '--only-local' in args
    if only_local: args.remove('--only-local')
    model, folder = args
    D = 784
    nll = {s: per_image(f'{folder}/{s}-o1.json', 'nll') * D for s in ('in', 'out')}
    bits8 = {s: per_image(f'{folder}/{s}-o1.json', 'code_length_bits') for s in ('in', 'out')}
    print(f'complexity (context8), one order: AUROC {auroc(nll["in"] - bits8["in"], nll["out"] - bits8["out"]):.4f}')
    all_train = (np.frombuffer(gzip.open('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz').read()[16:],
                               np.uint8).reshape(-1, 28, 28) >= 128).astype(np.int64)
    sets = {'in': fashion_mnist_test() >= 128, 'out': mnist_5k() >= 128}

    # 4. A trained local model as background (first here: it takes seconds).
    for depth in (10, 4, 8, 12, 16):
        local = {s: local_model_bits(all_train, v.astype(np.int64), depth) for s, v in sets.items()}
        print(f'local background of {depth} neighbours{" (the one fixed in advance)" if depth == 10 else ""}: '
              f'{local["in"].mean() / D:.4f} / {local["out"].mean() / D:.4f} bits per pixel in / out; ratio AUROC '
              f'{auroc(nll["in"] - local["in"], nll["out"] - local["out"]):.4f}')
    if only_local: return

    # 1. Context-tree weighting, its depth chosen on training images.
    train = all_train[:2000].astype(np.uint8)
    lengths = {d: ctw_all(train, d).mean() / D for d in (2, 4, 6, 8, 10, 12, 14, 16)}
    print('CTW on 2000 training images, bits per pixel by depth:', {d: round(float(v), 4) for d, v in lengths.items()})
    depth = min(lengths, key=lengths.get)
    ctw = {s: ctw_all(v.astype(np.uint8), depth) for s, v in sets.items()}
    print(f'CTW depth {depth}: {ctw["in"].mean() / D:.4f} / {ctw["out"].mean() / D:.4f} bits per pixel in / out '
          f'(context8 {bits8["in"].mean() / D:.4f} / {bits8["out"].mean() / D:.4f}); complexity AUROC '
          f'{auroc(nll["in"] - ctw["in"], nll["out"] - ctw["out"]):.4f}')

    # 2. The per-order profile's Mahalanobis distance, alone and with the complexity score by Fisher's method.
    profile = {s: per_image(f'{folder}/{s}-o8.json', 'per_order_nll') for s in ('in', 'out')}
    complexity8 = {s: per_image(f'{folder}/{s}-o8.json', 'complexity') for s in ('in', 'out')}
    centred = {s: p - p.mean(1, keepdims=True) for s, p in profile.items()}
    fit, held = slice(0, 5000), slice(5000, 10000)
    mean, precision = centred['in'][fit].mean(0), np.linalg.pinv(np.cov(centred['in'][fit].T))
    def distance(c): d = c - mean; return np.einsum('ij,jk,ik->i', d, precision, d)
    dist_fit, dist_in, dist_out = distance(centred['in'][fit]), distance(centred['in'][held]), distance(centred['out'])
    def fisher(c, m): return -2 * (np.log(upper_p(complexity8['in'][fit], c)) + np.log(upper_p(dist_fit, m)))
    print(f'8 orders, held-out 5000 in against 5000 out: complexity {auroc(complexity8["in"][held], complexity8["out"]):.4f}, '
          f'profile distance {auroc(dist_in, dist_out):.4f}, Fisher of both '
          f'{auroc(fisher(complexity8["in"][held], dist_in), fisher(complexity8["out"], dist_out)):.4f}')

    # 3. The turned images as background.
    import importlib
    turns = importlib.import_module('ood-orientation-ratio').TURNS
    turned = {s: [] for s in sets}
    with tempfile.TemporaryDirectory() as scratch:
        for name in TURN_NAMES:
            for s, v in sets.items():
                path = os.path.join(scratch, s + '.npy')
                np.save(path, np.ascontiguousarray(turns[name](v.astype(np.uint8) * 255)))
                out = subprocess.run([lmconv, 'score', '--checkpoint', model, '--data', path, '--binarize-threshold',
                                      '128', '--orders', '1', '--per-image', '--json'],
                                     check=True, capture_output=True, text=True).stdout
                turned[s].append(np.array([i['nll'] for i in json.loads(out)['images']]) * D)
    for label, background in [
            ('mean of the 7 turns', lambda s: np.mean(turned[s], 0)),
            ('mixture of all 8', lambda s: -np.log2(np.mean(np.exp2(-(np.vstack([turned[s], nll[s][None]])
                                                                       - nll[s][None])), 0)) + nll[s])]:
        r = {s: nll[s] - background(s) for s in sets}
        print(f'background {label}: ratio AUROC {auroc(r["in"], r["out"]):.4f}, ratio + complexity '
              f'{auroc(r["in"] + nll["in"] - bits8["in"], r["out"] + nll["out"] - bits8["out"]):.4f}')

if __name__ == '__main__':
    main()
