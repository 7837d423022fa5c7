#!/usr/bin/env python3
"""Builds the flat folder of images on which psi snapshots are compared (issue #6).

Selection set (held out from psi's training): distortion ladders made from 256x256 centre crops of the Set5 and
Set14 HR images -- Gaussian blur, Gaussian noise, JPEG and bicubic down-and-up sampling, three mild levels each
plus the clean crop (level 0).  Only mild levels: Q is not monotonic under heavy distortion even for the reference
psi (CSIQ blur level 5 scores lower than level 4), so heavy levels would reward a broken psi.
Files: L__<set>_<img>__<type>__<level>.png and L__<set>_<img>__clean__0.png.

Test set (never used to choose anything): CSIQ 1600 subset (C__*), LIVE-C subset (W__*), and the SR outputs of
SRResNet/SRGAN/EDSR with their HR (S__<method>__<name>.png).

Usage: make_evalset.py SHARED_DATA OUT_DIR        (needs numpy and Pillow; output is deterministic)
"""
import os
import sys

import numpy as np
from PIL import Image, ImageFilter

LEVELS = {
    "blur": [0.5, 1.0, 1.5],                     # Gaussian sigma, px
    "noise": [2, 5, 10],                         # Gaussian sigma, grey levels of 255
    "jpeg": [90, 70, 50],                        # quality
    "upsample": [1.5, 2, 3],                     # bicubic down by this factor, then back up
}


def distort(img, kind, value, rng):
    if kind == "blur":
        return img.filter(ImageFilter.GaussianBlur(radius=value))
    if kind == "noise":
        a = np.asarray(img, dtype=np.float64) + rng.normal(0, value, size=(img.height, img.width, 3))
        return Image.fromarray(np.clip(np.rint(a), 0, 255).astype(np.uint8))
    if kind == "jpeg":
        import io
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=value)
        return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    if kind == "upsample":
        small = img.resize((max(8, round(img.width / value)), max(8, round(img.height / value))), Image.BICUBIC)
        return small.resize(img.size, Image.BICUBIC)
    raise ValueError(kind)


def link(src, dst):
    if not os.path.exists(dst):
        os.symlink(os.path.abspath(src), dst)


def main(data, out):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(0)
    for s in ("Set5", "Set14"):
        folder = os.path.join(data, "sr-benchmarks", s, "x4")
        for f in sorted(os.listdir(folder)):
            if not f.endswith("_HR.png"):
                continue
            img = Image.open(os.path.join(folder, f)).convert("RGB")
            w, h = min(256, img.width), min(256, img.height)
            x, y = (img.width - w) // 2, (img.height - h) // 2
            img = img.crop((x, y, x + w, y + h))
            name = f"{s}_{f.split('_SRF')[0]}"
            img.save(os.path.join(out, f"L__{name}__clean__0.png"))
            for kind, values in LEVELS.items():
                for level, value in enumerate(values, 1):
                    distort(img, kind, value, rng).save(os.path.join(out, f"L__{name}__{kind}__{level}.png"))
    csiq = os.path.join(data, "iqa-human", "csiq_1600_subset")
    for f in sorted(os.listdir(csiq)):
        if f.startswith("1600."):
            link(os.path.join(csiq, f), os.path.join(out, "C__" + f))
    livec = os.path.join(data, "iqa-human", "livec_subset")
    for f in sorted(os.listdir(livec)):
        if f.endswith(".bmp"):
            link(os.path.join(livec, f), os.path.join(out, "W__" + f))
    sr = os.path.join(data, "sr-method-outputs", "srresnet-srgan-edsr")
    for f in sorted(os.listdir(os.path.join(sr, "HR"))):
        link(os.path.join(sr, "HR", f), os.path.join(out, f"S__HR__{f}"))
    for method, suffix in (("SRResNet", "_SRResNet-MSE"), ("SRGAN", "_SRGAN-VGG54"), ("EDSR", "_EDSR")):
        for f in sorted(os.listdir(os.path.join(sr, "HR"))):
            stem = f[:-4]
            link(os.path.join(sr, method, "images", stem + suffix + ".png"), os.path.join(out, f"S__{method}__{f}"))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
