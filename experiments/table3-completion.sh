#!/usr/bin/env bash
# Table 3 of the paper at CPU scale: completion. The NLL (bits per dimension of the region) of the top, bottom,
# left and right halves and of the centre given the rest of binarized Fashion-MNIST test images: PixelCNN++ (raster
# order: each region pixel sees only the pixels above it and to its left) against LMConv (8 S-curves; the orders of
# its list that generate the region last, 2 for each half, or for the centre every order with the region moved
# last; both context protocols). And one picture:
# the top half of the same test images completed by both models.
# Usage: bash experiments/table3-completion.sh [--quick] [--resume]
EXPERIMENT=table3
source "$(dirname "$0")/lib.sh"
F=$FILTERS
FPP=${FPP:-$(( F * 15 / 16 ))}
common=(--data fashion-mnist --test-data fashion-mnist --binarize --resnets 1 --lr 2e-3 --seed 1)
train binarized-pixelcnnpp --model pixelcnn++ --filters "$FPP" "${common[@]}"
train binarized-scurve8 --filters "$F" --order s_curve --variants 8 "${common[@]}"
regions=(top bottom left right center)
for region in "${regions[@]}"; do
    evaluate "pixelcnnpp-$region" "$(checkpoint binarized-pixelcnnpp)" --data fashion-mnist --region "$region"
    evaluate "lmconv-reference-$region" "$(checkpoint binarized-scurve8)" --data fashion-mnist --region "$region"
    evaluate "lmconv-observed-$region" "$(checkpoint binarized-scurve8)" --data fashion-mnist --region "$region" --context observed
done
table="$OUT/table3.md"
{
    echo "| region (given the rest) | PixelCNN++ | LMConv, reference protocol | LMConv, context observed |"
    echo "| --- | --- | --- | --- |"
    for region in "${regions[@]}"; do
        echo "| $region | $(bpd "pixelcnnpp-$region") | $(bpd "lmconv-reference-$region") | $(bpd "lmconv-observed-$region") |"
    done
} > "$table"
# The picture: the top half hidden in 8 test images, completed by each model (bottom rows of each picture: samples).
for model in pixelcnnpp scurve8; do
    [ -f "$OUT/completion-$model.png" ] || "$LMCONV" complete --checkpoint "$(checkpoint "binarized-$model")" --data fashion-mnist \
        --indices 0,1,2,3,4,5,6,7 --hide top --samples 2 --seed 1 --output "$OUT/completion-$model.png" > /dev/null
done
echo "pictures: $OUT/completion-pixelcnnpp.png, $OUT/completion-scurve8.png" >> "$table"
cat "$table"
