#!/usr/bin/python3
"""Checks that a checkpoint written by `dsd train sr` loads in PyTorch (issue #4 interop).

Loads CKPT.pth with torch.load, loads it strictly into an xSRResNet written here with the reference generator's
parameter names (image_to_features, features.N.{conv1,xunit.features.0,conv2}, usample.N.conv, hrconv,
features_to_image: train_restoration.py's), runs it on LR.png and compares with OUT.png written by `dsd restore sr --model CKPT`.
Prints the largest difference in grey levels; exits 1 above one grey level (PNG rounding allows 1).
Usage: /usr/bin/python3 check_pth_interop.py CKPT.pth LR.png OUT.png
"""
import sys

import numpy as np
import torch
from PIL import Image

# The reference-named generator of the GPU recipe (torch only), loaded strictly below.
from train_restoration import XSrResNet


def main(ckpt, lr_path, out_path):
    state = torch.load(ckpt, map_location="cpu")
    blocks = len({k.split(".")[1] for k in state if k.startswith("features.")})
    net = XSrResNet(blocks)
    net.load_state_dict(state, strict=True)
    x = torch.from_numpy(np.asarray(Image.open(lr_path).convert("RGB"), dtype=np.float32) / 255).permute(2, 0, 1)[None]
    with torch.no_grad():
        y = net(x).clamp(0, 1)[0].permute(1, 2, 0).numpy()
    ours = np.asarray(Image.open(out_path).convert("RGB"), dtype=np.float64)
    diff = np.abs(np.rint(y * 255) - ours)
    print(f"{ckpt}: {len(state)} tensors, {blocks} blocks, loaded strictly; max |PyTorch - dsd restore| = {diff.max():.0f} "
          f"grey levels, {np.mean(diff > 0) * 100:.3f}% of values differ")
    sys.exit(0 if diff.max() <= 1 else 1)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
