#!/usr/bin/python3
"""Checks that a checkpoint written by `dsd train sr` loads in PyTorch (issue #4 interop).

Loads CKPT.pth with torch.load, loads it strictly into an xSRResNet written here with the reference generator's
parameter names (image_to_features, features.N.{conv1,xunit.features.0,conv2}, usample.N.conv, hrconv,
features_to_image), runs it on LR.png and compares with OUT.png written by `dsd restore sr --model CKPT`.
Prints the largest difference in grey levels; exits 1 above one grey level (PNG rounding allows 1).
Usage: /usr/bin/python3 check_pth_interop.py CKPT.pth LR.png OUT.png
"""
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image


class XUnit(nn.Module):
    def __init__(self, c=64):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(c, c, 7, padding=3, groups=c), nn.Sigmoid())

    def forward(self, x):
        return x * self.features(x)


class XResBlock(nn.Module):
    def __init__(self, c=64):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.xunit = XUnit(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)

    def forward(self, x):
        return x + self.conv2(self.xunit(self.conv1(x)))


class Upsample(nn.Module):
    def __init__(self, c=64):
        super().__init__()
        self.conv = nn.Conv2d(c, 4 * c, 3, padding=1)

    def forward(self, x):
        return F.leaky_relu(F.pixel_shuffle(self.conv(x), 2), 0.1)


class XSrResNet(nn.Module):
    def __init__(self, blocks):
        super().__init__()
        self.image_to_features = nn.Conv2d(3, 64, 5, padding=2)
        self.features = nn.Sequential(*[XResBlock() for _ in range(blocks)])
        self.usample = nn.Sequential(Upsample(), Upsample())
        self.hrconv = nn.Conv2d(64, 64, 3, padding=1)
        self.features_to_image = nn.Conv2d(64, 3, 5, padding=2)

    def forward(self, x):
        skip = F.interpolate(x, scale_factor=4, mode="bilinear", align_corners=False)
        f = self.usample(self.features(F.leaky_relu(self.image_to_features(x), 0.1)))
        return self.features_to_image(F.leaky_relu(self.hrconv(f), 0.1)) + skip


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
