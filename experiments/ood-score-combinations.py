#!/usr/bin/env python3
"""The one-off experiments of 2026-12-03 evening that the README's OOD section reports under "Tried, not shipped":
can the per-image numbers `lmconv score` already gives lift the binarized complexity AUROC (Fashion-MNIST test
against MNIST digits) towards 0.99 without looking at the digits?

1. Calibrated complexity: the NLL minus a least-squares fit of it from generic compressors' code lengths, the fit on
   the first half of the in-distribution images only, evaluated on the second half against all digits.
2. The worst order: max_k NLL_k − L(x) (every order must find the image typical) against the ensemble and the mean.
3. A Gaussian density (DoSE-style) of the score vector, fitted on the first half of the in-distribution images.
A supervised logistic regression (fitted on the evaluation sets themselves, so not a detector) bounds what a linear
combination of these numbers could reach.

Usage (a development tool, needs numpy; lmconv itself needs no Python), DIR holding six score outputs:
  for s in in:fashion-mnist out:mnist-5k; do n=${s%%:*}; d=${s#*:}
    lmconv score --checkpoint M --data $d --binarize-threshold 128 --orders 8 --compressor context8 --json --per-image > DIR/$n-o8-context8.json
    for c in context png; do
      lmconv score --checkpoint M --data $d --binarize-threshold 128 --orders 1 --compressor $c --json --per-image > DIR/$n-o1-$c.json
    done
  done
  python3 experiments/ood-score-combinations.py DIR
Measured 2026-12-03 evening with the binary model then shipped, now
Sources/LMConv/Resources/CodecModels/Retired/fmnist-binary-2026-12-03-step8100.safetensors (all 10 000 in, 5000 out;
a few seconds once the scores exist): the numbers of the README's "Also tried" paragraph.
"""
import json, sys
import numpy as np
from ood_data import auroc, fashion_mnist_test, mnist_5k

def order0_bits(binary):
    """Bits of an adaptive order-0 (Krichevsky-Trofimov) code of each binary image (N, H, W), raster order."""
    n1 = np.zeros(len(binary)); bits = np.zeros(len(binary))
    flat = binary.reshape(len(binary), -1)
    for i in range(flat.shape[1]):
        b = flat[:, i]
        bits += -np.log2(np.where(b == 1, n1 + 0.5, i - n1 + 0.5) / (i + 1))
        n1 += b
    return bits

def load(directory, name, images):
    o8 = json.load(open(f'{directory}/{name}-o8-context8.json'))['images']
    f = {'per_order': np.array([i['per_order_nll'] for i in o8]), 'ensemble': np.array([i['nll'] for i in o8])}
    D = images[0].size
    f['context8'] = np.array([i['code_length_bits'] for i in o8]) / D
    for c in ['context', 'png']:
        f[c] = np.array([i['code_length_bits'] for i in json.load(open(f'{directory}/{name}-o1-{c}.json'))['images']]) / D
    f['order0'] = order0_bits((images[[i['index'] for i in o8]] >= 128).astype(np.int64)) / D
    f['nll'] = f['per_order'][:, 0]
    return f

def calibrated(fit, *sets, compressors):
    """nll − (w · code lengths + b), w and b least squares on `fit`."""
    A = lambda f: np.c_[np.stack([f[c] for c in compressors], 1), np.ones(len(f['nll']))]
    w, *_ = np.linalg.lstsq(A(fit), fit['nll'], rcond=None)
    return [f['nll'] - A(f) @ w for f in sets], w

def logistic(X, y, iterations=50):
    """Newton's method on standardised features; returns the fitted scores."""
    X = (X - X.mean(0)) / X.std(0); X = np.c_[X, np.ones(len(X))]; w = np.zeros(X.shape[1])
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-X @ w))
        w -= np.linalg.solve((X * (p * (1 - p))[:, None]).T @ X / len(y) + 1e-6 * np.eye(len(w)), X.T @ (p - y) / len(y))
    return X @ w

def main(directory):
    inn, out = load(directory, 'in', fashion_mnist_test()), load(directory, 'out', mnist_5k())
    half = len(inn['nll']) // 2
    fit = {k: v[:half] for k, v in inn.items()}; held = {k: v[half:] for k, v in inn.items()}
    print(f'in {len(inn["nll"])} (fit on the first {half}, evaluated on the rest), out {len(out["nll"])}')
    print(f'complexity (context8, 1 order), all in: {auroc(inn["nll"] - inn["context8"], out["nll"] - out["context8"]):.4f}; '
          f'held-out half: {auroc(held["nll"] - held["context8"], out["nll"] - out["context8"]):.4f}')
    print('1. calibrated complexity (held-out half):')
    for compressors in [['context8'], ['context'], ['context8', 'context'], ['context8', 'png'],
                        ['context8', 'context', 'png'], ['context8', 'order0'], ['context8', 'context', 'png', 'order0']]:
        (s_in, s_out), w = calibrated(fit, held, out, compressors=compressors)
        print(f'   {"+".join(compressors):32s} AUROC {auroc(s_in, s_out):.4f}   weights {np.round(w[:-1], 3)}')
    print('2. orders (all in):')
    def order_auroc(aggregate, k, n_in=None, n_out=None):   # AUROC of aggregate(first k per-order NLLs) − context8
        s = lambda f, n: aggregate(f['per_order'][:n, :k]) - f['context8'][:n]
        return auroc(s(inn, n_in), s(out, n_out))
    mean, worst = (lambda p: p.mean(1)), (lambda p: p.max(1))
    for k in [1, 2, 4, 8]:
        print(f'   first {k} orders: mean {order_auroc(mean, k):.4f}, worst {order_auroc(worst, k):.4f}')
    print(f'   8 orders, ensemble {auroc(inn["ensemble"] - inn["context8"], out["ensemble"] - out["context8"]):.4f}')
    n = min(2000, len(inn['nll']) // 2); m = n // 2
    print(f'   the same on the first {n} in and {m} out: one order {order_auroc(mean, 1, n, m):.4f}, '
          f'worst of 8 {order_auroc(worst, 8, n, m):.4f}')
    print('3. Gaussian density of the score vector, fitted on the first half (held-out half):')
    for names in [['nll', 'context8'], ['nll', 'context8', 'context', 'png']]:
        X = lambda f: np.stack([f[c] for c in names], 1)
        mu, ci = X(fit).mean(0), np.linalg.inv(np.cov(X(fit).T))
        m = lambda f: np.einsum('ij,jk,ik->i', X(f) - mu, ci, X(f) - mu)
        print(f'   {"+".join(names):32s} AUROC {auroc(m(held), m(out)):.4f}')
    y = np.r_[np.zeros(len(inn['nll'])), np.ones(len(out['nll']))]
    print('bound: supervised logistic regression on the evaluation sets themselves (all in):')
    for names in [['nll', 'context8'], ['nll', 'context8', 'context', 'png']]:
        s = logistic(np.r_[np.stack([inn[c] for c in names], 1), np.stack([out[c] for c in names], 1)], y)
        print(f'   {"+".join(names):32s} AUROC {auroc(s[y == 0], s[y == 1]):.4f}')
    X = lambda f: np.c_[f['per_order'], f['context8'], f['context'], f['png']]
    s = logistic(np.r_[X(inn), X(out)], y)
    print(f'   {"8 orders+context8+context+png":32s} AUROC {auroc(s[y == 0], s[y == 1]):.4f}')

if __name__ == '__main__':
    main(sys.argv[1])
