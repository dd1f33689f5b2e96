#!/usr/bin/env bash
# Times the reference PyTorch implementation of LMConv (github:ajayjain/lmconv) and `lmconv bench` on the same
# configurations in one run, on this machine, and prints the ratios (optional: users need none of it).
#
#   bash scripts/bench-reference.sh            # binarized 28x28 F 32 R 2 batch 16, then the paper model (one step)
#   PAPER=0 bash scripts/bench-reference.sh    # the small configuration only (SMALL=0: the paper model only)
#
# It prepares the reference in .build/reference/ (nothing of it is committed): the code from REF_GIT (a git
# directory or URL of ajayjain/lmconv; default: cloned from GitHub), adapted to run on today's CPU PyTorch (no
# .cuda(), an in-place add autograd refuses written out, the removed np.int, hilbertcurve's renamed function), and a
# Python virtual environment with torch $TORCH_VERSION, numpy and hilbertcurve from PyPI (TORCH_INDEX_URL picks
# another index, e.g. https://download.pytorch.org/whl/cpu for the CPU-only wheel). REF_PY names an existing Python
# with those packages instead; LMCONV an lmconv binary instead of `swift build -c release`. Both sides use THREADS
# threads (default: 2). STEPS timed steps (median) for the small configuration; the paper model times one.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${REF_WORK:-$ROOT/.build/reference}
REF_DIR=${REF_DIR:-$WORK/lmconv}
REF_GIT=${REF_GIT:-https://github.com/ajayjain/lmconv.git}
TORCH_VERSION=${TORCH_VERSION:-2.15.0}
THREADS=${THREADS:-2}
STEPS=${STEPS:-3}
PAPER=${PAPER:-1}
SMALL=${SMALL:-1}
mkdir -p "$WORK"

# The reference's code, adapted to run on the CPU with current PyTorch and numpy.
if [ -d "$REF_GIT" ]; then GIT_DIR=$REF_GIT; else
  GIT_DIR=$WORK/lmconv.git
  [ -d "$GIT_DIR" ] || git clone --quiet --bare "$REF_GIT" "$GIT_DIR"
fi
mkdir -p "$REF_DIR"
for f in model.py baseline.py layers.py locally_masked_convolution.py masking.py utils.py gilbert2d.py; do
  git -C "$GIT_DIR" show "HEAD:$f" > "$REF_DIR/$f"
done
sed -i 's/\.cuda(non_blocking=True)//g; s/\.cuda()//g; s/torch.cuda.device_count()/1/g' "$REF_DIR/utils.py" "$REF_DIR/masking.py"
sed -i 's/dtype=np.int)/dtype=int)/; s/curve.coordinates_from_distance(i)/curve.point_from_distance(i)/' "$REF_DIR/masking.py"
sed -i 's/x += self.nin_skip(self.nonlinearity(a))/x = x + self.nin_skip(self.nonlinearity(a))/' "$REF_DIR/layers.py"

# Python with torch.
if [ -z "${REF_PY:-}" ]; then
  REF_PY=$WORK/venv/bin/python
  if [ ! -x "$REF_PY" ]; then
    python3 -m venv "$WORK/venv"
    "$REF_PY" -m pip install -q ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL" --extra-index-url https://pypi.org/simple} \
      "torch==$TORCH_VERSION" numpy hilbertcurve matplotlib
  fi
fi
"$REF_PY" -c "import sys; sys.path.insert(0, '$REF_DIR'); import model, masking, utils" \
  || { echo "error: the reference does not import with $REF_PY (see above)" >&2; exit 1; }

# The tool, release build.
if [ -z "${LMCONV:-}" ]; then
  swift build -c release --product lmconv >&2
  LMCONV=$ROOT/.build/release/lmconv
  BUILT="swift-lmconv $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "(unknown commit)")"
else
  BUILT="lmconv $LMCONV"
fi

field() { "$REF_PY" -c "import json, sys; v = json.loads(sys.argv[1]); print(json.dumps(v['$2']) if isinstance(v['$2'], dict) else v['$2'])" "$1"; }
ROWS=()
run() {   # name, steps, warmup, lmconv bench flags...
  local name=$1 steps=$2 warmup=$3; shift 3
  echo "== $name: lmconv bench $*" >&2
  local ours; ours=$("$LMCONV" bench --json --no-sampling --threads "$THREADS" --steps "$steps" --warmup "$warmup" "$@")
  local config batch; config=$(field "$ours" configuration); batch=$(field "$ours" batch_size)
  echo "== $name: reference" >&2
  local ref; ref=$("$REF_PY" "$ROOT/scripts/bench-reference.py" --reference "$REF_DIR" --config "$config" \
    --batch-size "$batch" --steps "$steps" --warmup "$warmup" --threads "$THREADS")
  if [ "$(field "$ours" parameters)" != "$(field "$ref" parameters)" ]; then
    echo "warning: $name: parameter counts differ (lmconv $(field "$ours" parameters), reference $(field "$ref" parameters))" >&2
  fi
  ROWS+=("$name|$(field "$ref" train_step_s)|$(field "$ours" train_step_s)|$(field "$ref" forward_s)|$(field "$ours" forward_s)")
  TORCH=$(field "$ref" torch)
}
if [ "$SMALL" != 0 ]; then
  run "binarized 28x28, F 32, R 2, batch 16" "$STEPS" 1
fi
if [ "$PAPER" != 0 ]; then
  run "paper model (F 160, R 5, batch 32)" 1 0 --filters 160 --resnets 5 --batch-size 32
fi

CPU=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
echo
echo "$(date -u +%Y-%m-%d), ${CPU:-unknown CPU}, $(nproc) cores, $THREADS threads each; PyTorch $TORCH; $BUILT; load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
printf '| %s | %s | %s | %s | %s | %s | %s |\n' "configuration" "reference train step" "lmconv train step" "ratio" \
  "reference forward" "lmconv forward" "ratio"
printf '| --- | --- | --- | --- | --- | --- | --- |\n'
for row in "${ROWS[@]}"; do
  IFS='|' read -r name rt ot rf of <<< "$row"
  "$REF_PY" -c "import sys; n, rt, ot, rf, of = sys.argv[1], *map(float, sys.argv[2:]); print(f'| {n} | {rt:.3f} s | {ot:.3f} s | {rt / ot:.1f}x | {rf:.3f} s | {of:.3f} s | {rf / of:.1f}x |')" \
    "$name" "$rt" "$ot" "$rf" "$of"
done
