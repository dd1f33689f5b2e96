#!/usr/bin/env bash
# Learning curves of the experiments' runs: test bits per dimension against step and against training time, one PNG
# per data set and axis, drawn by `lmconv plot` from each run's metrics.jsonl (no Python). Run after the tables.
# Each run's metrics.jsonl is also copied to OUT/metrics/RUN.jsonl; the published ones are in
# docs/experiments/metrics/, and a run whose folder is gone (a machine does not outlive a session) is drawn from
# there.
# Usage: bash experiments/curves.sh [--quick]   (--quick: the runs of the --quick tables)
EXPERIMENT=curves
source "$(dirname "$0")/lib.sh" --resume "$@"
PUBLISHED=docs/experiments/metrics
mkdir -p "$OUT/metrics"
# add FILE NAME: one curve of the current group (files, labels, names), unless NAME has one already or belongs to
# another group.
add() {
    [ -f "$1" ] || return 0
    [ "$group" = binarized ] && [[ $2 == mnist-* ]] && return 0
    [[ $names == *" $2 "* ]] && return 0
    files+=("$1"); labels+=("${2#"$group"-}"); names+="$2 "
}
for group in 8bit binarized mnist-binarized; do
    files=(); labels=(); names=" "
    for file in "$RUNS/$group"-*/metrics.jsonl; do
        [ -f "$file" ] || continue
        name=$(basename "$(dirname "$file")")
        cp "$file" "$OUT/metrics/$name.jsonl"
        add "$file" "$name"
    done
    if [ -z "$QUICK" ]; then
        for file in "$PUBLISHED/$group"-*.jsonl; do add "$file" "$(basename "$file" .jsonl)"; done
    fi
    [ ${#files[@]} -gt 0 ] || continue
    for x in step time; do
        "$LMCONV" plot "${files[@]}" --x "$x" --y test_bpd --label "${labels[@]}" --batch-size "$BATCH" \
            --output "$OUT/$group-test-bpd-by-$x.png"
        echo "$OUT/$group-test-bpd-by-$x.png"
    done
done
