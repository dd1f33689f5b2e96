#!/usr/bin/env bash
# The demo: builds the tool, trains a small binarized Fashion-MNIST model on the CPU, evaluates its test bits per
# dimension with 1 and with 8 orders, samples, completes hidden halves and draws generation orders.
#
#   bash scripts/demo.sh                 # 4-10 minutes on 2 cores, build included
#   STEPS=2000 FILTERS=32 RESNETS=2 BATCH=32 EVAL_IMAGES=1000 OUT=runs/fmnist bash scripts/demo.sh   # the README's run
#
# Installs what it needs from Debian first (scripts/setup.sh). Everything goes to $OUT (default runs/demo).
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${OUT:-runs/demo}
STEPS=${STEPS:-500}
FILTERS=${FILTERS:-32}
RESNETS=${RESNETS:-1}
BATCH=${BATCH:-16}
EVAL_IMAGES=${EVAL_IMAGES:-500}
start=$(date +%s)

echo "== setup (Debian packages: OpenBLAS, zlib, Fashion-MNIST)"
bash scripts/setup.sh

echo "== build (release)"
swift build -c release --product lmconv 2>&1 | tail -n 1
LMCONV=.build/release/lmconv

rm -rf "$OUT"
mkdir -p "$OUT"

echo "== train: binarized, F $FILTERS, R $RESNETS, batch $BATCH, 8 s-curve orders, $STEPS steps"
"$LMCONV" train --data fashion-mnist --binarize --filters "$FILTERS" --resnets "$RESNETS" --batch-size "$BATCH" --lr 2e-3 \
    --order s_curve --variants 8 --steps "$STEPS" --log-every 25 --checkpoint-every 100 \
    --test-data fashion-mnist --eval-every 100 --eval-limit 200 --output "$OUT/run"

CKPT="$OUT/run/last.safetensors"
echo "== evaluate on the first $EVAL_IMAGES test images (dynamic binarisation, seed 0)"
"$LMCONV" evaluate --checkpoint "$CKPT" --data fashion-mnist --limit "$EVAL_IMAGES" --variants 1 --json \
    > "$OUT/eval-1-order.json"
"$LMCONV" evaluate --checkpoint "$CKPT" --data fashion-mnist --limit "$EVAL_IMAGES" --variants 8 --json \
    > "$OUT/eval-8-orders.json"
"$LMCONV" evaluate --checkpoint "$CKPT" --data fashion-mnist --limit "$EVAL_IMAGES" --region top --order-indices 1,3 --json \
    > "$OUT/eval-top-half.json"

echo "== sample and complete"
"$LMCONV" sample --checkpoint "$CKPT" --count 16 --seed 1 --output "$OUT/samples.png"
"$LMCONV" complete --checkpoint "$CKPT" --data fashion-mnist --count 4 --samples 3 --hide bottom --seed 1 \
    --output "$OUT/completions.png"

echo "== draw orders"
"$LMCONV" orders --order s_curve --size 28x28 --variants 8 --output "$OUT/orders-s_curve.png"
"$LMCONV" orders --order hilbert --size 32x32 --variants 8 --output "$OUT/orders-hilbert.png"
"$LMCONV" orders --order gilbert2d --size 28x28 --output "$OUT/order-gilbert2d.png"

# One number of a --json result (no tools beyond sed needed).
num() { sed -E "s/.*\"$2\":([-0-9.eE+]+).*/\1/" "$1"; }
field() { printf '%.4f bpd, %.2f nats/image' "$(num "$1" bpd)" "$(num "$1" nll_nats)"; }
echo
echo "== results ($STEPS training steps, $(( $(date +%s) - start )) s in all)"
echo "test, 1 order:                  $(field "$OUT/eval-1-order.json")"
echo "test, 8 orders (ensemble):      $(field "$OUT/eval-8-orders.json")"
echo "test, top half given the bottom, 2 orders: $(field "$OUT/eval-top-half.json")"
echo
echo "pictures:"
for f in "$OUT"/*.png; do echo "  $f"; done
echo "checkpoints and metrics: $OUT/run/{last,best}.safetensors, $OUT/run/metrics.jsonl"
