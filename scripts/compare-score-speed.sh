#!/usr/bin/env bash
# Scoring speed of two lmconv builds side by side (issue 13: 100 images of 28x28 per second on 2 cores, one order):
# the shipped 8-bit and binary models score the first N Fashion-MNIST test images, the two builds alternating ROUNDS
# times so that both see the same machine. Prints images/s (the "seconds" of `lmconv score --json`: the scoring
# alone, complexity included) and each build's mean NLL as a check that both compute the same scores.
# Usage: bash scripts/compare-score-speed.sh BEFORE AFTER [ROUNDS (3)] [N (2000)]
#   e.g. cp .build/release/lmconv /tmp/lmconv-before; (change, rebuild); bash scripts/compare-score-speed.sh \
#        /tmp/lmconv-before .build/release/lmconv
set -euo pipefail
cd "$(dirname "$0")/.."
before=$1 after=$2 rounds=${3:-3} n=${4:-2000}
models=Sources/LMConv/Resources/CodecModels
echo "| round | model | build | images/s | mean NLL (bpd) |"
echo "| --- | --- | --- | --- | --- |"
for round in $(seq 1 "$rounds"); do
    for model in gray8 binary; do
        extra=(); [ "$model" = binary ] && extra=(--binarize-threshold 128)
        for build in "$before" "$after"; do
            "$build" score --checkpoint "$models/fmnist-$model.safetensors" --data fashion-mnist --orders 1 \
                --limit "$n" "${extra[@]}" --json 2>/dev/null | python3 -c "
import json, sys
j = json.load(sys.stdin)
print(f\"| $round | $model | $build | {j['images_scored'] / j['seconds']:.1f} | {j['mean']['nll']:.6f} |\")"
        done
    done
done
