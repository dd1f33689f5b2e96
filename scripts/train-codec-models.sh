#!/usr/bin/env bash
# Trains (or resumes) the two models the codec will ship (issue: lmconv compress): an 8-bit grayscale and a binary
# model of Fashion-MNIST's training images; and the binary model of out-of-distribution detection (issue: lmconv
# score and ood), larger than the codec's (F 32 against 16: the codec's size is bounded by its decoding speed, the
# detector's by scoring 100 images/s). Runs for hours on 2 cores; stop it at any time and run it again: each run
# resumes exactly from its last.safetensors (checkpoints every 100 steps). docs/RUNS.md records what ran.
# Machines do not outlive a session: `bash scripts/train-codec-models.sh save` copies each run's checkpoint (with the
# Adam state and the EMA), metrics and run.json into checkpoints/codec/NAME, which is committed; a later run on a
# fresh machine continues from there.
# Usage: bash scripts/train-codec-models.sh [gray|binary|both|ood-binary|binary-cooldown|binary-background|
# ood-binary-cooldown|binary-cooldown2|binary-generic|gray-generic|binary-generic-photos|save]
# (default both: gray then binary).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-runs/codec}
LMCONV=${LMCONV:-.build/release/lmconv}
[ -x "$LMCONV" ] || swift build -c release --product lmconv 2>&1 | tail -n 1
mkdir -p "$OUT"
schedule=(--batch-size 32 --ema 0.999 --checkpoint-every 100 --eval-every 1000 --eval-limit 500)   # every run's
common=(--lr 2e-3 --epochs 30 "${schedule[@]}")   # the runs trained from scratch

threshold_data() {   # Fashion-MNIST thresholded at 128, written once (0 or 255: dynamic binarisation is then exact)
    local split=$1
    local file="$OUT/fmnist-$split-threshold128-idx3-ubyte"   # a second `local`: the first's value is not yet set
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
saved_dir() {   # saved_dir NAME: where the run NAME is kept in git
    case $1 in
        ood-binary) echo checkpoints/ood/binary ;;
        binary-background) echo checkpoints/background/binary-perturb0.2 ;;
        ood-binary-cooldown) echo checkpoints/ood/binary-cooldown ;;
        binary-generic) echo checkpoints/generic/binary ;;
        gray-generic) echo checkpoints/generic/gray ;;
        binary-generic-photos) echo checkpoints/generic/binary-photos ;;
        *) echo "$SAVED/$1" ;;
    esac
}

run() {   # run NAME ARGS...: a new run with ARGS, or the resumption of the existing one (or of the saved one)
    local name=$1 saved; shift
    saved=$(saved_dir "$name")
    if [ ! -f "$OUT/$name/last.safetensors" ] && [ -f "$saved/last.safetensors" ]; then
        mkdir -p "$OUT/$name"
        cp "$saved/last.safetensors" "$saved/metrics.jsonl" "$saved/run.json" "$OUT/$name/"
        echo "continuing $name from $saved (step $(grep -o '"step":[0-9]*' "$OUT/$name/metrics.jsonl" | tail -n 1 | cut -d: -f2) logged)"
    fi
    if [ -f "$OUT/$name/last.safetensors" ]; then
        "$LMCONV" train --resume --output "$OUT/$name"
    else
        "$LMCONV" train "$@" --output "$OUT/$name"
    fi
}

save() {   # save NAME: the run's checkpoint, metrics and run.json into its saved_dir (each file atomically)
    local name=$1 file saved
    [ -f "$OUT/$name/last.safetensors" ] || return 0
    saved=$(saved_dir "$name")
    mkdir -p "$saved"
    for file in last.safetensors metrics.jsonl run.json; do
        cp "$OUT/$name/$file" "$saved/$file.tmp" && sync "$saved/$file.tmp" && mv "$saved/$file.tmp" "$saved/$file"
    done
    echo "saved $OUT/$name into $saved (commit it)"
}

what=${1:-both}
if [ "$what" = save ]; then
    for name in gray binary ood-binary binary-cooldown binary-background ood-binary-cooldown binary-cooldown2 binary-generic gray-generic binary-generic-photos; do
        save "$name"
    done
    exit 0
fi
if [ "$what" = gray ] || [ "$what" = both ]; then
    run gray --data fashion-mnist --test-data fashion-mnist --n-bits 8 --filters 32 --resnets 1 --mixtures 10 --seed 1 "${common[@]}"
fi
if [ "$what" != gray ]; then train=$(threshold_data train); test=$(threshold_data test); fi   # the binary runs' data
if [ "$what" = binary ] || [ "$what" = both ]; then
    run binary --data "$train" --test-data "$test" --binarize --filters 16 --resnets 1 --seed 1 "${common[@]}"
fi
if [ "$what" = ood-binary ]; then   # started 2026-12-03 (docs/RUNS.md); the learning rate falls by 0.75 an epoch
    run ood-binary --data "$train" --test-data "$test" --binarize --filters 32 --resnets 1 --lr-decay 0.75 --seed 3 "${common[@]}"
fi
if [ "$what" = binary-cooldown ]; then   # 2026-12-03 evening (docs/RUNS.md): the binary run's weights and Adam state
    # at its step 8100 (as saved then in checkpoints/codec/binary), 3 epochs more at a learning rate of 5e-4 halved
    # every epoch
    run binary-cooldown --init-from checkpoints/codec/binary/last.safetensors --data "$train" --test-data "$test" \
        --lr 5e-4 --lr-decay 0.5 --steps 5600 --seed 4 "${schedule[@]}"
fi
if [ "$what" = binary-background ]; then   # 2026-12-04 (docs/RUNS.md): the likelihood ratio's background for binarized
    # images, Ren et al.'s recipe as for the 8-bit one (20% of each image's pixels replaced by noise); the codec's
    # binary network, one thread (the other core scores), 6000 steps with the learning rate falling 0.75 an epoch
    run binary-background --data "$train" --test-data "$test" --binarize --filters 16 --resnets 1 --perturb-rate 0.2 \
        --lr 2e-3 --lr-decay 0.75 --steps 6000 --threads 1 --seed 5 "${schedule[@]}"
fi
if [ "$what" = ood-binary-cooldown ]; then   # 2026-12-04 (docs/RUNS.md): the ood-binary run's weights, Adam state
    # and EMA at its step 7018 (as saved then in checkpoints/ood/binary), 3000 steps more at 5e-4 halved every epoch,
    # as the F 16 codec model was cooled down; the ood-binary run itself goes on from its own checkpoint
    run ood-binary-cooldown --init-from checkpoints/ood/binary/last.safetensors --data "$train" --test-data "$test" \
        --lr 5e-4 --lr-decay 0.5 --steps 3000 --seed 6 "${schedule[@]}"
fi
if [ "$what" = binary-cooldown2 ]; then   # 2026-12-04, second session (docs/RUNS.md): the binary run's weights, Adam
    # state and EMA as saved in checkpoints/codec/binary at the end of its continuation that session, cooled down as
    # binary-cooldown was (5600 steps, 3 epochs, at 5e-4 halved every epoch)
    run binary-cooldown2 --init-from checkpoints/codec/binary/last.safetensors --data "$train" --test-data "$test" \
        --lr 5e-4 --lr-decay 0.5 --steps 5600 --seed 7 "${schedule[@]}"
fi
generic_run() {   # generic_run NAME KIND PATCH-ARGS -- TRAIN-ARGS...: a model of generic images (Schirrmeister et
    # al. 2020's general-domain ratio, issue 13) on the patches experiments/generic-patches.py cuts from photographs
    # and wallpapers (it needs numpy and Pillow), OUT/generic-{train,test}-KIND-idx3-ubyte, made once
    local name=$1 kind=$2 patch_args=()
    shift 2
    while [ "$1" != -- ]; do patch_args+=("$1"); shift; done
    shift
    [ -f "$OUT/generic-train-$kind-idx3-ubyte" ] || python3 experiments/generic-patches.py "$OUT" "${patch_args[@]}"
    run "$name" --data "$OUT/generic-train-$kind-idx3-ubyte" --test-data "$OUT/generic-test-$kind-idx3-ubyte" "$@"
}
binary_generic=(--binarize --filters 16 --resnets 1 --lr 2e-3 --lr-decay 0.75 --steps 6000 --seed 8 "${schedule[@]}")
# 2026-12-04, third session (docs/RUNS.md): the binary one with the codec's binary network and the binary
# background's schedule; the 8-bit one on the same patches in their gray levels, with the 8-bit background's network
# and schedule; and the binary one on the photographs' patches alone, a check that the ratio does not hang on the
# wallpapers
if [ "$what" = binary-generic ]; then generic_run binary-generic threshold128 -- "${binary_generic[@]}"; fi
if [ "$what" = gray-generic ]; then
    generic_run gray-generic gray --gray -- \
        --n-bits 8 --filters 16 --resnets 1 --mixtures 10 --lr 2e-3 --steps 3000 --seed 9 "${schedule[@]}"
fi
if [ "$what" = binary-generic-photos ]; then
    generic_run binary-generic-photos threshold128-photos --sources photos -- "${binary_generic[@]}"
fi
