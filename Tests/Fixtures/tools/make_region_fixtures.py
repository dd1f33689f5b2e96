"""Makes Tests/Fixtures/<model>/region.json: per-image region NLLs by the reference implementation's protocol
(main.py --test_region custom --test_masks I J: each order's own masks, the output and the input sliced to the region
box, the per-image region likelihoods ensembled over the chosen orders).

Run with the reference prepared by ../shared/tools/setup-reference.sh (a test helper; the package never runs it):
    $REF_PY Tests/Fixtures/tools/make_region_fixtures.py /tmp/lmconv-ref Tests/Fixtures
"""
import json, sys
import numpy as np
import torch
from safetensors.torch import load_file

ref, fixtures = sys.argv[1], sys.argv[2]
sys.path.insert(0, ref)
import model as refmodel, masking, utils, layers  # noqa: E402

# (fixture, region rows r0:r1, cols c0:c1, order indices, move the region to the end of each order?)
CASES = [
    ("binary-28", (0, 14, 0, 28), [1, 3], False),   # the top half, as the paper does for CIFAR-10
    ("gray-28", (14, 28, 0, 28), [0, 1], False),    # the bottom half: raster and s_curve generate it last
    ("rgb-32", (0, 16, 0, 32), [0, 5], True),       # the top half is last in no Hilbert variant: moved to the end
]

for name, (r0, r1, c0, c1), indices, move in CASES:
    d = f"{fixtures}/{name}"
    exp = json.load(open(f"{d}/expected.json"))
    cfg = exp["config"]
    tensors = load_file(f"{d}/expected.safetensors")
    x = tensors["x"]
    H, W, C = cfg["rows"], cfg["cols"], cfg["channels"]
    norm = cfg["normalization"]
    norm_op = (lambda c: layers.PONO()) if norm == "pono" else (lambda c: layers.OrderRescale()) if norm == "order_rescale" else None
    net = refmodel.OurPixelCNN(nr_resnet=cfg["nr_resnet"], nr_filters=cfg["nr_filters"], input_channels=C,
                               nr_logistic_mix=cfg["nr_logistic_mix"], kernel_size=(cfg["kernel_size"],) * 2,
                               max_dilation=cfg["max_dilation"], weight_norm=(norm == "weight_norm"),
                               feature_norm_op=norm_op, dropout_prob=0.0, conv_bias=cfg["conv_bias"],
                               conv_mask_weight=cfg["learn_weight_for_masks"], binarize=cfg["binarize"])
    missing, unexpected = net.load_state_dict(load_file(f"{d}/weights.safetensors"), strict=False)
    assert not unexpected and not missing, (missing, unexpected)
    net.eval()
    if cfg["binarize"]:
        loss, averaged = utils.binarized_loss, utils.binarized_loss_averaged
    elif C == 1:
        loss, averaged = utils.discretized_mix_logistic_loss_1d, utils.discretized_mix_logistic_loss_1d_averaged
    else:
        loss = lambda a, b: utils.discretized_mix_logistic_loss(a, b, n_bits=cfg["n_bits"])
        averaged = lambda a, bs: utils.discretized_mix_logistic_loss_averaged(a, bs, n_bits=cfg["n_bits"])
    region = {(r, c) for r in range(r0, r1) for c in range(c0, c1)}
    masks = []
    for i in indices:
        idx = tensors[f"order{i}"].numpy()
        if move:
            idx = masking.move_to_end(idx, region)
        masks.append(masking.get_masks(idx, H, W, cfg["kernel_size"], cfg["max_dilation"], observed_idx=None,
                                       plot=False))
    sl = lambda t: t[:, :, r0:r1, c0:c1]
    per_order, ensemble = [], []
    with torch.no_grad():
        for b in range(x.shape[0]):
            xb = x[b:b + 1]
            outs = [sl(net(xb, mask_init=m[0], mask_undilated=m[1], mask_dilated=m[2])) for m in masks]
            per_order.append([float(loss(sl(xb), o)) for o in outs])
            ensemble.append(float(averaged(sl(xb), outs)))
    out = {"region_rows": [r0, r1], "region_cols": [c0, c1], "order_indices": indices, "moved_to_end": move,
           "nll_nats_per_image_per_order": per_order, "nll_nats_per_image_ensemble": ensemble,
           "reference": "main.py's test protocol with --test_region custom, run by this script on torch "
                        + torch.__version__}
    json.dump(out, open(f"{d}/region.json", "w"), indent=1)
    print(name, ensemble)
