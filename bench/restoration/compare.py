#!/usr/bin/python3
"""Compares restoration checkpoints on a validation folder (issue #4 evidence).

For each NAME=CHECKPOINT: `dsd restore TASK` on every input, then `dsd score` of the outputs against the targets
with psnr-y, ssim (Y), dsd and noref-dsd. The inputs themselves are scored too (for SR after bicubic upsampling
with Pillow, labelled "input (bicubic)"). Writes OUT/summary.csv and OUT/summary.md (means over the images) and, for
the first --crops images, OUT/crops/<name>.png: input | each checkpoint | target, side by side, at the centre.

Usage: compare.py --dsd DSD --task sr|deblur --inputs DIR --targets DIR --out DIR --vgg-weights W [--shave N]
                  [--crops K] [--crop-size S] NAME=CKPT ...
Needs Python 3 with numpy and Pillow.
"""
import argparse
import csv
import os
import subprocess

import numpy as np
from PIL import Image

METRICS = ["psnr-y", "ssim", "dsd", "noref-dsd"]


def score(a, dist, out_csv):
    if not os.path.exists(out_csv):
        subprocess.run([a.dsd, "score", "--dist", dist, "--ref", a.targets, "--metrics", ",".join(METRICS), "--shave",
                        str(a.shave), "--format", "csv", "--out", out_csv, "--vgg-weights", a.vgg_weights, "--strict"],
                       check=True, stderr=subprocess.DEVNULL)
    with open(out_csv) as f:
        rows = list(csv.DictReader(f))
    return {m: float(np.mean([float(r[m]) for r in rows])) for m in METRICS}, len(rows)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name in ("--dsd", "--task", "--inputs", "--targets", "--out", "--vgg-weights"):
        p.add_argument(name, required=True)
    p.add_argument("--shave", type=int, default=0)
    p.add_argument("--crops", type=int, default=3)
    p.add_argument("--crop-size", type=int, default=160)
    p.add_argument("runs", nargs="+")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    names = sorted(os.listdir(a.inputs))

    folders = {}
    label = "input (bicubic)" if a.task == "sr" else "input"
    folders[label] = os.path.join(a.out, "input")
    os.makedirs(folders[label], exist_ok=True)
    for n in names:
        dst = os.path.join(folders[label], os.path.splitext(n)[0] + ".png")
        if not os.path.exists(dst):
            img = Image.open(os.path.join(a.inputs, n)).convert("RGB")
            if a.task == "sr":
                img = img.resize((img.width * 4, img.height * 4), Image.BICUBIC)
            img.save(dst)
    for run in a.runs:
        name, ckpt = run.split("=", 1)
        folders[name] = os.path.join(a.out, name)
        if not os.path.isdir(folders[name]) or len(os.listdir(folders[name])) < len(names):
            subprocess.run([a.dsd, "restore", a.task, "--model", ckpt, "--in", a.inputs, "--out", folders[name]],
                           check=True, stderr=subprocess.DEVNULL)

    rows = []
    for name, folder in folders.items():
        means, count = score(a, folder, os.path.join(a.out, f"scores-{os.path.basename(folder)}.csv"))
        rows.append({"method": name, "images": count, **means})
    with open(os.path.join(a.out, "summary.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["method", "images"] + METRICS)
        w.writeheader()
        w.writerows(rows)
    with open(os.path.join(a.out, "summary.md"), "w") as f:
        f.write("| method | PSNR-Y (dB) ↑ | SSIM ↑ | DSD ↓ | noref-dsd ↓ |\n|---|---|---|---|---|\n")
        for r in rows:
            f.write(f"| {r['method']} | {r['psnr-y']:.2f} | {r['ssim']:.4f} | {r['dsd']:.5f} | {r['noref-dsd']:.5f} |\n")
    print(open(os.path.join(a.out, "summary.md")).read())

    os.makedirs(os.path.join(a.out, "crops"), exist_ok=True)
    s = a.crop_size
    for n in names[: a.crops]:
        stem = os.path.splitext(n)[0]
        target = Image.open(os.path.join(a.targets, n)).convert("RGB")
        x, y = (target.width - s) // 2, (target.height - s) // 2
        panels = [Image.open(os.path.join(folder, stem + ".png")).convert("RGB").crop((x, y, x + s, y + s))
                  for folder in folders.values()]
        panels.append(target.crop((x, y, x + s, y + s)))
        sheet = Image.new("RGB", (len(panels) * (s + 4) - 4, s), "white")
        for i, panel in enumerate(panels):
            sheet.paste(panel, (i * (s + 4), 0))
        sheet.save(os.path.join(a.out, "crops", stem + ".png"))
    print("crops, left to right:", " | ".join(list(folders) + ["target"]))


if __name__ == "__main__":
    main()
