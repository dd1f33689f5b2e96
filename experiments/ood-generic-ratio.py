#!/usr/bin/env python3
"""The general-domain likelihood ratio on binarized images (Schirrmeister et al. 2020), measured as fixed before
the run (2026-12-04, third session): the in-distribution model's NLL against that of a model of generic binarized
images (experiments/generic-patches.py; `bash scripts/train-codec-models.sh binary-generic`).

Three scores, higher = more anomalous, each in bits per image:
1. generic_ratio: NLL_M(x) - NLL_G(x), the generic model G as `lmconv score --generic` (the tool's score);
2. complexity: NLL_M(x) - L(x), L the context8 coder's length (the shipped score, for comparison on the same run);
3. mixed: NLL_M(x) - L_mix(x), L_mix = -log2(2^-L(x) / 2 + 2^-NLL_G(x) / 2), the code of the two generic
   compressors mixed with equal weights (at most 1 bit above the better of the two for each image), as Serra et al.
   take the best available compressor.
AUROC as `lmconv ood` computes it (Fashion-MNIST test images negative, MNIST digits positive); then, for the
generic ratio and the complexity score, where the errors are: the share of 1 - AUROC that the garments thresholding
leaves with fewer than 50 lit pixels carry (experiments/ood-binarized-shortfall.py's split), the AUROC without them,
the AUROC of each digit class, and the mean bits of each model on each set.

Usage (a development tool, needs numpy):
  for s in in:fashion-mnist out:mnist-5k; do
    lmconv score --checkpoint M --generic G --generic-use-ema --data ${s#*:} --binarize-threshold 128 --orders 1 \
      --compressor context8 --json --per-image > DIR/${s%%:*}.json
  done
  python3 experiments/ood-generic-ratio.py DIR

On 8-bit images the generic ratio fails (README); `--zero-pixels DIR` shows why, from the pixel maps of the first
500 images of each set under the model M and the generic model G (one order each):
  for m in main:M generic:G; do for d in fashion-mnist mnist-5k; do
    lmconv score --checkpoint ${m#*:} [--use-ema for G] --data $d --orders 1 --limit 500 --pixel-maps DIR/map-${m%%:*}-$d.npy --json
  done; done
  python3 experiments/ood-generic-ratio.py --zero-pixels DIR
it prints the bits each model spends on the pixels of level 0 (the flat black background) and on the others.
"""
import json, os, sys
import numpy as np
from ood_data import auroc, fashion_mnist_test, mnist_5k, mnist_5k_labels


def scores(path):
    """The three scores of every image in one `lmconv score --per-image --generic` output, in bits."""
    report = json.load(open(path))
    d = report["dimensions"]
    images = report["images"]
    nll = np.array([i["nll"] for i in images]) * d                      # (N,) bits under M
    generic = np.array([i["generic_nll"] for i in images]) * d          # (N,) bits under G
    coder = np.array([i["code_length_bits"] for i in images])           # (N,) bits of the context8 coder
    mixed = -np.logaddexp2(-coder, -generic) + 1.0                      # -log2(2^-L/2 + 2^-NLL_G/2)
    return {"generic_ratio": nll - generic, "complexity": nll - coder, "mixed": nll - mixed}, nll, generic


def error_share(inside, outside, mask):
    """The share of 1 - AUROC that the in-distribution images under mask carry: each image's error is the fraction
    of the out images it outscores."""
    outscored = np.searchsorted(np.sort(outside), inside) / len(outside)    # (N_in,)
    return outscored[mask].sum() / outscored.sum()


def zero_pixels(folder):
    """Per set, the mean bits per pixel of level 0 and per other pixel under both models, and per image."""
    for name, images in [("fashion-mnist", fashion_mnist_test()[:500]), ("mnist-5k", mnist_5k()[:500])]:
        zero = images == 0                                                   # (500, 28, 28)
        line = f"{name}: {zero.mean():.2f} of the pixels at 0;"
        for model in ["main", "generic"]:
            bits = np.load(os.path.join(folder, f"map-{model}-{name}.npy"))  # (500, 28, 28) bits per pixel
            line += (f" {model}: {bits[zero].mean():.3f} bits per 0-pixel, {bits[~zero].mean():.3f} per other"
                     f" ({(bits * zero).sum(axis=(1, 2)).mean():.0f} + {(bits * ~zero).sum(axis=(1, 2)).mean():.0f} per image);")
        print(line)


def main():
    if sys.argv[1] == "--zero-pixels":
        return zero_pixels(sys.argv[2])
    folder = sys.argv[1]
    (inside, nll_in, generic_in), (outside, nll_out, generic_out) = (
        scores(os.path.join(folder, "in.json")), scores(os.path.join(folder, "out.json")))
    print(f"{'score':18} AUROC   (in: {len(inside['complexity'])}, out: {len(outside['complexity'])} images)")
    for name in inside:
        print(f"{name:18} {auroc(inside[name], outside[name]):.4f}")
    if len(nll_in) != 10000 or len(nll_out) != 5000:
        return                                   # the breakdown needs the whole sets, in their order
    sparse = (fashion_mnist_test() >= 128).sum(axis=(1, 2)) < 50            # (10000,) garments reduced to specks
    digit = mnist_5k_labels()                                                # (5000,) classes
    print(f"\n{sparse.sum()} garments with fewer than 50 lit pixels")
    for name in ["generic_ratio", "complexity"]:
        a, b = inside[name], outside[name]
        print(f"{name}: their share of 1 - AUROC {error_share(a, b, sparse):.3f}; AUROC without them "
              f"{auroc(a[~sparse], b):.4f}; per digit " + " ".join(f"{d}:{auroc(a, b[digit == d]):.4f}" for d in range(10)))
    print(f"mean bits per image: garments {nll_in.mean():.1f} under the model, {generic_in.mean():.1f} under the "
          f"generic model; digits {nll_out.mean():.1f} and {generic_out.mean():.1f}")


if __name__ == "__main__":
    main()
