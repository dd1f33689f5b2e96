# Shared by the experiment scripts (source it): settings, resumable training and cached evaluations.
#
# Every script takes --quick (a few minutes: 20 steps per model, small evaluation sets; proves the scripts work) and --resume
# (continue the runs and evaluations already there; without it an existing table folder is refused, so that nothing
# is overwritten by accident). Training runs are shared by the tables (table 2 and 3 reuse table 1's binarized
# models): ROOT/runs/NAME; each table's evaluations go to ROOT/TABLE/eval/NAME.json (a finished evaluation is never
# recomputed) and its table to ROOT/TABLE/TABLE.md. ROOT is runs/experiments (runs/experiments-quick with --quick).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
LMCONV=${LMCONV:-.build/release/lmconv}
QUICK=""; RESUME=""
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK=1 ;;
        --resume) RESUME=1 ;;
        *) echo "error: unknown argument $arg (expected --quick and/or --resume)" >&2; exit 2 ;;
    esac
done
if [ -n "$QUICK" ]; then
    BUDGET=${BUDGET:-0}; EVAL_LIMIT=${EVAL_LIMIT:-50}; EVAL_DURING=${EVAL_DURING:-20}; FILTERS=${FILTERS:-8}
    ROOT=${ROOT:-runs/experiments-quick}
else
    BUDGET=${BUDGET:-3600}; EVAL_LIMIT=${EVAL_LIMIT:-1000}; EVAL_DURING=${EVAL_DURING:-500}; FILTERS=${FILTERS:-32}
    ROOT=${ROOT:-runs/experiments}
fi
OUT=$ROOT/$EXPERIMENT
RUNS=$ROOT/runs
if [ -d "$OUT" ] && [ -z "$RESUME" ] && [ -z "$QUICK" ]; then
    echo "error: $OUT exists: pass --resume to continue it, or move it away" >&2; exit 2
fi
[ -n "$QUICK" ] && [ -z "$RESUME" ] && rm -rf "$OUT"
mkdir -p "$RUNS" "$OUT/eval"
[ -x "$LMCONV" ] || swift build -c release --product lmconv 2>&1 | tail -n 1
BATCH=${BATCH:-32}
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

# json_field FILE KEY: a top-level number of a JSON file written by lmconv.
json_field() { tr -d ' \n' < "$1" | grep -o "\"$2\":[-0-9.e]*" | head -n 1 | cut -d: -f2; }
# json_array FILE KEY: a top-level array of numbers, space-separated.
json_array() { tr -d ' \n' < "$1" | grep -o "\"$2\":\[[^]]*\]" | head -n 1 | sed 's/.*\[//; s/\]//; s/,/ /g'; }

# parameters ARGS...: the parameter count of a model `lmconv train ARGS` would build.
parameters() {
    local dir; dir=$(mktemp -d)
    "$LMCONV" train "$@" --steps 0 --output "$dir/run" 2>&1 | grep -o '[0-9]* parameters' | head -n 1 | cut -d' ' -f1
    rm -rf "$dir"
}

# time_step NAME ARGS...: measurements of the wall-clock seconds a training step of BATCH images takes this model on
# this machine: the throughput lmconv train reports for steps 11 to 20 and 21 to 30 of a short run (the first 10
# include the warm-up), appended to RUNS/NAME.timings. Nothing once NAME's steps are recorded, or with --quick. The
# tables call it for their models in interleaved rounds (A B C A B C ...) and train() takes each model's fastest
# window: on a machine shared with other work a window can only come out too slow (seen here: 2x within minutes),
# and interleaving gives the models of one table the same conditions. (Processor time would be steadier but is not
# the budget: the two networks use a second core very differently.)
time_step() {
    local name=$1; shift
    [ -n "$QUICK" ] || [ -f "$RUNS/$name.steps" ] && return 0
    local dir rates rate; dir=$(mktemp -d)
    "$LMCONV" train "$@" --steps 30 --batch-size "$BATCH" --output "$dir/run" > /dev/null 2>&1
    rates=$(grep -E '"step":(20|30)[,}]' "$dir/run/metrics.jsonl" | grep -o '"images_per_s":[0-9.e]*' | cut -d: -f2)
    rm -rf "$dir"
    [ -n "$rates" ] || { echo "error: timing $name: no throughput for steps 11 to 30 in its metrics" >&2; return 1; }
    for rate in $rates; do echo "$BATCH / $rate" | bc -l >> "$RUNS/$name.timings"; done
}

# time_rounds N NAME:ARRAY...: N interleaved rounds of time_step over the named models, each with the arguments in
# the bash array of that name.
time_rounds() {
    local rounds=$1 round pair array; shift
    for round in $(seq "$rounds"); do
        for pair in "$@"; do
            array="${pair#*:}[@]"
            time_step "${pair%%:*}" "${!array}"
        done
    done
}

# steps_for NAME ARGS...: the steps of BATCH images that BUDGET seconds buy, from NAME's fastest timing (timed now
# if it has none).
steps_for() {
    local name=$1; shift
    [ -s "$RUNS/$name.timings" ] || time_step "$name" "$@"
    local fastest; fastest=$(sort -g "$RUNS/$name.timings" | head -n 1)
    echo "$BUDGET / $fastest" | bc -l | awk '{ n = int($1); print (n < 4 || n > 10000000 ? 4 : n) }'
}

# train NAME ARGS...: trains RUNS/NAME for the steps BUDGET buys (recorded once in RUNS/NAME.steps, so a resumed
# run has the same target); resumes a stopped run; does nothing for a finished one.
train() {
    local name=$1; shift
    local dir="$RUNS/$name" steps
    if [ -f "$dir.steps" ]; then
        steps=$(cat "$dir.steps")
    elif [ -n "$QUICK" ]; then
        steps=${QUICK_STEPS:-20}; echo "$steps" > "$dir.steps"   # --quick proves the scripts work: no timing
    else
        steps=$(steps_for "$name" "$@"); echo "$steps" > "$dir.steps"
    fi
    if [ -f "$dir/done" ]; then return 0; fi
    if [ -f "$dir/last.safetensors" ]; then
        log "resuming $name (target $steps steps)"
        "$LMCONV" train --resume --output "$dir" >> "$dir.log" 2>&1
    else
        log "training $name: $steps steps of $BATCH images (budget $BUDGET s), $(parameters "$@") parameters"
        # Ten test evaluations along the way (on EVAL_DURING images) give the learning curves.
        "$LMCONV" train "$@" --steps "$steps" --batch-size "$BATCH" --checkpoint-every 100 \
            --eval-every $(( steps / 10 > 0 ? steps / 10 : 1 )) --eval-limit "$EVAL_DURING" --output "$dir" > "$dir.log" 2>&1
    fi
    touch "$dir/done"
}

# evaluate NAME CHECKPOINT ARGS...: lmconv evaluate --json into OUT/eval/NAME.json, once.
evaluate() {
    local name=$1 checkpoint=$2; shift 2
    local file="$OUT/eval/$name.json"
    [ -s "$file" ] && return 0
    log "evaluating $name"
    "$LMCONV" evaluate --checkpoint "$checkpoint" "$@" --limit "$EVAL_LIMIT" --json > "$file.tmp" 2> "$OUT/eval/$name.err"
    mv "$file.tmp" "$file"
}

bpd() { printf "%.4f" "$(json_field "$OUT/eval/$1.json" bpd)"; }
checkpoint() { echo "$RUNS/$1/last.safetensors"; }
steps_of() { cat "$RUNS/$1.steps"; }
parameters_of() { grep -o '[0-9]* parameters' "$RUNS/$1.log" | head -n 1 | cut -d' ' -f1; }
