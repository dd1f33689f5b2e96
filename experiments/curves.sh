#!/usr/bin/env bash
# Learning curves of the experiments' runs: test bits per dimension against step and against training time, one PNG
# per data set and axis, drawn by `lmconv plot` from each run's metrics.jsonl (no Python). Run after the tables.
# Usage: bash experiments/curves.sh [--quick]   (--quick: the runs of the --quick tables)
EXPERIMENT=curves
source "$(dirname "$0")/lib.sh" --resume "$@"
for group in 8bit binarized mnist-binarized; do
    runs=(); labels=()
    for run in "$RUNS/$group"-*/; do
        run=${run%/}
        [ -f "$run/metrics.jsonl" ] || continue
        [ "$group" = binarized ] && [[ $(basename "$run") == mnist-* ]] && continue
        runs+=("$run"); labels+=("$(basename "$run" | sed "s/^$group-//")")
    done
    [ ${#runs[@]} -gt 0 ] || continue
    for x in step time; do
        "$LMCONV" plot "${runs[@]}" --x "$x" --y test_bpd --label "${labels[@]}" --output "$OUT/$group-test-bpd-by-$x.png"
        echo "$OUT/$group-test-bpd-by-$x.png"
    done
done
