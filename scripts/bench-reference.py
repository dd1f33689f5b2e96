#!/usr/bin/env python3
"""Times the reference PyTorch implementation of LMConv (github:ajayjain/lmconv) on one model configuration: its
training step (zero_grad, forward, loss, backward, Adam step, as main.py's training loop) and its forward pass
(eval mode, no autograd), on random binary (or 8-bit) images and the masks of the S-curve order. Prints one line of
JSON: {"train_step_s": median, "forward_s": median, ...}. Run by scripts/bench-reference.sh with the reference's
directory on sys.path; the configuration comes from `lmconv bench --json` so both time the same model."""
import argparse
import json
import statistics
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--reference", required=True, help="directory with the reference's prepared model.py etc.")
parser.add_argument("--config", required=True, help="the 'configuration' object of lmconv bench --json")
parser.add_argument("--batch-size", type=int, required=True)
parser.add_argument("--steps", type=int, default=3)
parser.add_argument("--warmup", type=int, default=1)
parser.add_argument("--threads", type=int, default=2)
args = parser.parse_args()
sys.path.insert(0, args.reference)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import masking  # noqa: E402
import utils  # noqa: E402
from layers import PONO, OrderRescale  # noqa: E402
from model import OurPixelCNN  # noqa: E402

torch.set_num_threads(args.threads)
torch.manual_seed(0)
c = json.loads(args.config)
C, H, W = c["channels"], c["rows"], c["cols"]
norm = {"pono": lambda n: PONO(), "order_rescale": lambda n: OrderRescale()}.get(c["normalization"])
model = OurPixelCNN(nr_resnet=c["nr_resnet"], nr_filters=c["nr_filters"], input_channels=C,
                    nr_logistic_mix=c["nr_logistic_mix"], kernel_size=(c["kernel_size"], c["kernel_size"]),
                    max_dilation=c["max_dilation"], weight_norm=c["normalization"] == "weight_norm",
                    feature_norm_op=norm, dropout_prob=c["dropout"], conv_bias=c["conv_bias"],
                    conv_mask_weight=c["learn_weight_for_masks"], binarize=c["binarize"])
order = masking.get_generation_order_idx("s_curve", H, W)
mask_init, mask_undilated, mask_dilated = masking.get_masks(order, H, W, c["kernel_size"], c["max_dilation"],
                                                            plot=False)
rng = np.random.default_rng(0)
if c["binarize"]:
    x = torch.from_numpy(rng.integers(0, 2, size=(args.batch_size, C, H, W)).astype(np.float32) * 2 - 1)
    loss_op = utils.binarized_loss
elif C == 1:
    x = torch.from_numpy(rng.integers(0, 256, size=(args.batch_size, C, H, W)).astype(np.float32) / 127.5 - 1)
    loss_op = utils.discretized_mix_logistic_loss_1d
else:
    x = torch.from_numpy(rng.integers(0, 256, size=(args.batch_size, C, H, W)).astype(np.float32) / 127.5 - 1)
    loss_op = lambda x, l: utils.discretized_mix_logistic_loss(x, l, n_bits=c["n_bits"])  # noqa: E731
optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
masks = dict(mask_init=mask_init, mask_undilated=mask_undilated, mask_dilated=mask_dilated)


def train_step():
    optimizer.zero_grad()
    loss = loss_op(x, model(x, **masks))
    loss.backward()
    optimizer.step()


def forward():
    with torch.no_grad():
        model(x, **masks)


def timed(step, label):
    model.train() if step is train_step else model.eval()
    for _ in range(args.warmup):
        step()
    times = []
    for i in range(args.steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
        print(f"reference {label} {i + 1}/{args.steps}: {times[-1]:.3f} s", file=sys.stderr, flush=True)
    return statistics.median(times)


result = {"train_step_s": timed(train_step, "train step"), "forward_s": timed(forward, "forward"),
          "torch": torch.__version__, "threads": torch.get_num_threads(),
          "parameters": sum(p.numel() for p in model.parameters())}
print(json.dumps(result, sort_keys=True))
