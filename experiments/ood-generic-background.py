#!/usr/bin/env python3
"""The general-domain likelihood ratio on binarized images (Schirrmeister et al. 2020), measured as fixed before
the run (2026-12-04, third session): the in-distribution model's NLL against that of a model of generic binarized
images (experiments/generic-patches.py; `bash scripts/train-codec-models.sh binary-generic`).

Three scores, higher = more anomalous, each in bits per image:
1. likelihood_ratio: NLL_M(x) - NLL_G(x), the generic model G as `lmconv score --background`;
2. complexity: NLL_M(x) - L(x), L the context8 coder's length (the shipped score, for comparison on the same run);
3. mixed: NLL_M(x) - L_mix(x), L_mix = -log2(2^-L(x) / 2 + 2^-NLL_G(x) / 2), the code of the two generic
   compressors mixed with equal weights (at most 1 bit above the better of the two for each image), as Serra et al.
   take the best available compressor.
AUROC as `lmconv ood` computes it (Fashion-MNIST test images negative, MNIST digits positive).

Usage (a development tool, needs numpy):
  for s in in:fashion-mnist out:mnist-5k; do
    lmconv score --checkpoint M --background G --data ${s#*:} --binarize-threshold 128 --orders 1 \
      --compressor context8 --json --per-image > DIR/${s%%:*}.json
  done
  python3 experiments/ood-generic-background.py DIR
"""
import json, os, sys
import numpy as np
from ood_data import auroc


def scores(path):
    """The three scores of every image in one `lmconv score --per-image --background` output, in bits."""
    report = json.load(open(path))
    d = report["dimensions"]
    images = report["images"]
    nll = np.array([i["nll"] for i in images]) * d                      # (N,) bits under M
    generic = np.array([i["background_nll"] for i in images]) * d       # (N,) bits under G
    coder = np.array([i["code_length_bits"] for i in images])           # (N,) bits of the context8 coder
    mixed = -np.logaddexp2(-coder, -generic) + 1.0                      # -log2(2^-L/2 + 2^-NLL_G/2)
    return {"likelihood_ratio": nll - generic, "complexity": nll - coder, "mixed": nll - mixed}


def main():
    folder = sys.argv[1]
    inside, outside = scores(os.path.join(folder, "in.json")), scores(os.path.join(folder, "out.json"))
    print(f"{'score':18} AUROC   (in: {len(inside['complexity'])}, out: {len(outside['complexity'])} images)")
    for name in inside:
        print(f"{name:18} {auroc(inside[name], outside[name]):.4f}")


if __name__ == "__main__":
    main()
