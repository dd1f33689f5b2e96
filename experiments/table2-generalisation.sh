#!/usr/bin/env bash
# Table 2 of the paper at CPU scale: do orders generalise? LMConv trained on the 8 S-curves of binarized
# Fashion-MNIST (table 1's model, trained here if table 1 has not run), evaluated on each of its 8 orders, on raster
# and gilbert2d, and on Hilbert at 32x32 (Hilbert needs a power-of-two side; the test images resized, beside the
# S-curves at that size); and LMConv trained on 7 S-curves (--order-indices 0,...,6) evaluated on the held-out 8th.
# Usage: bash experiments/table2-generalisation.sh [--quick] [--resume]
EXPERIMENT=table2
source "$(dirname "$0")/lib.sh"
F=$FILTERS
common=(--data fashion-mnist --test-data fashion-mnist --binarize --resnets 1 --lr 2e-3 --seed 1 --filters "$F")
train binarized-scurve8 "${common[@]}" --order s_curve --variants 8
# The 7-order model is the 8-order one's network: it gets the same steps (and so the same budget).
[ -f "$RUNS/binarized-scurve7.steps" ] || cp "$RUNS/binarized-scurve8.steps" "$RUNS/binarized-scurve7.steps"
train binarized-scurve7 "${common[@]}" --order s_curve --variants 8 --order-indices 0,1,2,3,4,5,6
evaluate scurve8-on-scurves "$(checkpoint binarized-scurve8)" --data fashion-mnist --order s_curve --variants 8
evaluate scurve7-on-scurves "$(checkpoint binarized-scurve7)" --data fashion-mnist --order s_curve --variants 8
for order in raster_scan gilbert2d; do
    evaluate "scurve8-on-$order" "$(checkpoint binarized-scurve8)" --data fashion-mnist --order "$order" --variants 1
done
# The Hilbert curve needs a power-of-two side: at 32x32 (the test images resized; the model is convolutional), against
# the S-curves at that size.
evaluate scurve8-on-scurves-32 "$(checkpoint binarized-scurve8)" --data fashion-mnist@32 --order s_curve --variants 8
evaluate scurve8-on-hilbert-32 "$(checkpoint binarized-scurve8)" --data fashion-mnist@32 --order hilbert --variants 1
table="$OUT/table2.md"
read -r -a trained8 <<< "$(json_array "$OUT/eval/scurve8-on-scurves.json" per_order_bpd)"
read -r -a trained7 <<< "$(json_array "$OUT/eval/scurve7-on-scurves.json" per_order_bpd)"
mean() { echo "$@" | tr ' ' '\n' | awk '{ s += $1; n++ } END { printf "%.4f", s / n }'; }
seen8=$(mean "${trained8[@]}")
{
    echo "| trained on | evaluated on | test bpd (binarized, first $EVAL_LIMIT test images) | vs. the training orders |"
    echo "| --- | --- | --- | --- |"
    for i in "${!trained8[@]}"; do printf "| 8 S-curves | S-curve variant %d | %.4f | |\n" "$i" "${trained8[$i]}"; done
    for order in raster_scan gilbert2d; do
        b=$(bpd "scurve8-on-$order")
        printf "| 8 S-curves | %s | %s | %+.1f%% |\n" "$order" "$b" "$(echo "100 * ($b / $seen8 - 1)" | bc -l)"
    done
    read -r -a at32 <<< "$(json_array "$OUT/eval/scurve8-on-scurves-32.json" per_order_bpd)"
    seen32=$(mean "${at32[@]}"); b=$(bpd scurve8-on-hilbert-32)
    printf "| 8 S-curves | the 8 S-curves at 32x32 (mean) | %s | |\n" "$seen32"
    printf "| 8 S-curves | hilbert at 32x32 | %s | %+.1f%% |\n" "$b" "$(echo "100 * ($b / $seen32 - 1)" | bc -l)"
    seen7=$(mean "${trained7[@]:0:7}")
    printf "| 7 S-curves (0-6) | the 7 seen (mean) | %s | |\n" "$seen7"
    printf "| 7 S-curves (0-6) | held-out S-curve variant 7 | %.4f | %+.1f%% |\n" "${trained7[7]}" \
        "$(echo "100 * (${trained7[7]} / $seen7 - 1)" | bc -l)"
} > "$table"
cat "$table"
