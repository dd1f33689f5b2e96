#!/usr/bin/env bash
# Trains (or resumes) the two models the codec will ship (issue: lmconv compress): an 8-bit grayscale and a binary
# model of Fashion-MNIST's training images. Runs for hours on 2 cores; stop it at any time and run it again: each run
# resumes exactly from its last.safetensors (checkpoints every 100 steps). docs/RUNS.md records what ran.
# Machines do not outlive a session: `bash scripts/train-codec-models.sh save` copies each run's checkpoint (with the
# Adam state and the EMA), metrics and run.json into checkpoints/codec/NAME, which is committed; a later run on a
# fresh machine continues from there.
# Usage: bash scripts/train-codec-models.sh [gray|binary|both|save] (default both, one after the other).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-runs/codec}
LMCONV=${LMCONV:-.build/release/lmconv}
[ -x "$LMCONV" ] || swift build -c release --product lmconv 2>&1 | tail -n 1
mkdir -p "$OUT"
common=(--batch-size 32 --lr 2e-3 --epochs 30 --ema 0.999 --checkpoint-every 100 --eval-every 1000 --eval-limit 500
        --seed 1)

threshold_data() {   # Fashion-MNIST thresholded at 128, written once (0 or 255: dynamic binarisation is then exact)
    local split=$1 file="$OUT/fmnist-$split-threshold128-idx3-ubyte"
    if [ ! -f "$file" ]; then
        python3 - "$split" "$file" <<'PY'
import gzip, sys
split, out = sys.argv[1], sys.argv[2]
name = {"train": "train", "test": "t10k"}[split]
b = gzip.open(f"/usr/share/datasets/fashion-mnist/{name}-images-idx3-ubyte.gz").read()
open(out + ".tmp", "wb").write(b[:16] + bytes(255 if v >= 128 else 0 for v in b[16:]))
import os; os.replace(out + ".tmp", out)
PY
    fi
    echo "$file"
}

SAVED=checkpoints/codec   # each run as the last session left it, in git: machines do not outlive a session

run() {   # run NAME ARGS...: a new run, or the resumption of the existing one (or of the saved one)
    local name=$1; shift
    if [ ! -f "$OUT/$name/last.safetensors" ] && [ -f "$SAVED/$name/last.safetensors" ]; then
        mkdir -p "$OUT/$name"
        cp "$SAVED/$name/last.safetensors" "$SAVED/$name/metrics.jsonl" "$SAVED/$name/run.json" "$OUT/$name/"
        echo "continuing $name from $SAVED/$name (step $(grep -o '"step":[0-9]*' "$OUT/$name/metrics.jsonl" | tail -n 1 | cut -d: -f2) logged)"
    fi
    if [ -f "$OUT/$name/last.safetensors" ]; then
        "$LMCONV" train --resume --output "$OUT/$name"
    else
        "$LMCONV" train "$@" "${common[@]}" --output "$OUT/$name"
    fi
}

save() {   # save NAME: the run's checkpoint, metrics and run.json into SAVED/NAME (each file atomically)
    local name=$1 file
    [ -f "$OUT/$name/last.safetensors" ] || return 0
    mkdir -p "$SAVED/$name"
    for file in last.safetensors metrics.jsonl run.json; do
        cp "$OUT/$name/$file" "$SAVED/$name/$file.tmp" && sync "$SAVED/$name/$file.tmp" && mv "$SAVED/$name/$file.tmp" "$SAVED/$name/$file"
    done
    echo "saved $OUT/$name into $SAVED/$name (commit it)"
}

what=${1:-both}
if [ "$what" = save ]; then save gray; save binary; exit 0; fi
if [ "$what" = gray ] || [ "$what" = both ]; then
    run gray --data fashion-mnist --test-data fashion-mnist --n-bits 8 --filters 32 --resnets 1 --mixtures 10
fi
if [ "$what" = binary ] || [ "$what" = both ]; then
    train=$(threshold_data train); test=$(threshold_data test)
    run binary --data "$train" --test-data "$test" --binarize --filters 16 --resnets 1
fi
