#!/usr/bin/env bash
# Exports the codec's default models from the runs of scripts/train-codec-models.sh into the package's resources
# (Sources/LMConv/Resources/CodecModels): each run's plain or moving-average weights, whichever codes the last 1000
# Fashion-MNIST test images shorter (WEIGHTS=plain|ema forces one). Prints both sizes. docs/RUNS.md records what
# was shipped.
# Usage: bash scripts/export-codec-models.sh [RUNS_DIR]   (default runs/codec: RUNS_DIR/gray, RUNS_DIR/binary)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-runs/codec}
LMCONV=${LMCONV:-.build/release/lmconv}
DEST=Sources/LMConv/Resources/CodecModels
[ -x "$LMCONV" ] || swift build -c release --product lmconv 2>&1 | tail -n 1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export_one() {   # export_one RUN NAME SOURCE
    local run=$1 name=$2 source=$3 best="" best_bytes=""
    for weights in ${WEIGHTS:-plain ema}; do
        "$LMCONV" export "$run/last.safetensors" --output "$tmp/$name-$weights.safetensors" --weights "$weights" > /dev/null || continue
        local bytes
        bytes=$("$LMCONV" compress "$source" --skip 9000 --limit 1000 --model "$tmp/$name-$weights.safetensors" \
                --output "$tmp/$name-$weights.lmc" --json | grep '"coded_bits_per_pixel"' | sed 's/.*: *//; s/,$//')
        echo "$name, $weights weights: $bytes coded bits per pixel on the last 1000 test images"
        if [ -z "$best" ] || [ "$(echo "$bytes < $best_bytes" | bc -l)" = 1 ]; then best=$weights; best_bytes=$bytes; fi
    done
    cp "$tmp/$name-$best.safetensors" "$DEST/$name.safetensors.tmp" && mv "$DEST/$name.safetensors.tmp" "$DEST/$name.safetensors"
    echo "shipped $DEST/$name.safetensors ($best weights of $run/last.safetensors)"
}
export_one "$RUNS/gray" fmnist-gray8 fashion-mnist
export_one "$RUNS/binary" fmnist-binary fashion-mnist@bits1
