#!/usr/bin/env python3
"""Scores psi weight files on the evaluation folder of make_evalset.py and summarises them (issue #6).

For each weights file: `dsd score --metrics noref-dsd` over the whole folder (cached as <weights>.scores.csv), then
  ladder  -- mean Spearman(level 0-3, score) over the 19 held-out images, per distortion type and overall (selection set)
  csiq    -- Spearman(score, DMOS) on the 10 CSIQ images (test set; both lower = better, so higher is better)
  livec   -- Spearman(-score, MOS) on the 11 LIVE-C photos (test set; tiny sample)
  sr      -- mean score per method and for HR; images (of 19) where HR scores lower than SRResNet and than EDSR

Usage: evaluate.py --dsd DSD --alpha A --evalset DIR --data SHARED_DATA --vgg-weights W [--tile N] [--json OUT] WEIGHTS...
Needs Python 3 with numpy.
"""
import argparse
import csv
import json
import os
import subprocess

import numpy as np


def ranks(x):
    x = np.asarray(x, dtype=np.float64)
    order = np.argsort(x, kind="mergesort")
    r = np.empty(len(x))
    r[order] = np.arange(len(x))
    for v in np.unique(x):          # average ranks of ties
        tie = x == v
        r[tie] = r[tie].mean()
    return r


def spearman(a, b):
    ra, rb = ranks(a), ranks(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    return float((ra * rb).sum() / np.sqrt((ra * ra).sum() * (rb * rb).sum()))


def scores(args, weights):
    tile = "default" if args.tile is None else str(args.tile)
    cache = f"{weights}.tile-{tile}.scores.csv"
    if not os.path.exists(cache):
        extra = [] if args.tile is None else ["--noref-tile", str(args.tile)]
        subprocess.run([args.dsd, "score", "--dist", args.evalset, "--metrics", "noref-dsd", "--regressor", weights,
                        "--alpha", str(args.alpha), "--format", "csv", "--out", cache, "--vgg-weights", args.vgg_weights,
                        "--strict", *extra], check=True, stderr=subprocess.DEVNULL)
    with open(cache) as f:
        return {os.path.basename(r["dist"]): float(r["noref-dsd"]) for r in csv.DictReader(f)}


def summarise(args, s):
    out = {}
    ladders, clean = {}, {}
    for name, v in s.items():
        if name.startswith("L__"):
            _, image, kind, level = name[:-4].split("__")
            if int(level) == 0:
                clean[image] = v
            elif int(level) <= 3:
                ladders.setdefault((image, kind), {})[int(level)] = v
    for (image, kind), levels in ladders.items():
        levels[0] = clean[image]
    per_kind = {}
    for (image, kind), levels in ladders.items():
        lv = sorted(levels)
        per_kind.setdefault(kind, []).append(spearman(lv, [levels[l] for l in lv]))
    out["ladder"] = float(np.mean([r for rs in per_kind.values() for r in rs]))
    for kind, rs in sorted(per_kind.items()):
        out["ladder_" + kind] = float(np.mean(rs))

    with open(os.path.join(args.data, "iqa-human", "csiq_1600_subset", "labels_dmos.csv")) as f:
        rows = list(csv.reader(f))[1:]
    out["csiq"] = spearman([s["C__" + r[1]] for r in rows], [float(r[2]) for r in rows])
    for kind in ("AWGN", "BLUR"):
        out["csiq_levels_" + kind] = [round(s[f"C__1600.{kind}.{i}.png"], 7) for i in range(1, 6)]
    with open(os.path.join(args.data, "iqa-human", "livec_subset", "labels_mos.csv")) as f:
        rows = list(csv.reader(f))[1:]
    out["livec"] = spearman([-s["W__" + r[0]] for r in rows], [float(r[1]) for r in rows])

    names = sorted(n[len("S__HR__"):] for n in s if n.startswith("S__HR__"))
    for m in ("HR", "SRResNet", "SRGAN", "EDSR"):
        out["sr_mean_" + m] = float(np.mean([s[f"S__{m}__{n}"] for n in names]))
    for m in ("SRResNet", "EDSR"):
        out["sr_hr_better_" + m] = sum(s[f"S__HR__{n}"] < s[f"S__{m}__{n}"] for n in names)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dsd", required=True)
    p.add_argument("--alpha", type=int, required=True)
    p.add_argument("--evalset", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--vgg-weights", required=True)
    p.add_argument("--tile", type=int, help="--noref-tile for dsd score (default: dsd's, 80·α)")
    p.add_argument("--json")
    p.add_argument("weights", nargs="+")
    args = p.parse_args()
    results = {}
    print("| weights | ladder | blur | noise | jpeg | upsample | csiq | livec | HR | SRResNet | SRGAN | EDSR | HR<SRResNet | HR<EDSR |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for w in args.weights:
        r = summarise(args, scores(args, w))
        results[w] = r
        print(f"| {os.path.relpath(w)} | {r['ladder']:.3f} | {r['ladder_blur']:.3f} | {r['ladder_noise']:.3f} | "
              f"{r['ladder_jpeg']:.3f} | {r['ladder_upsample']:.3f} | {r['csiq']:.3f} | {r['livec']:.3f} | "
              f"{r['sr_mean_HR']:.5f} | {r['sr_mean_SRResNet']:.5f} | {r['sr_mean_SRGAN']:.5f} | {r['sr_mean_EDSR']:.5f} | "
              f"{r['sr_hr_better_SRResNet']}/19 | {r['sr_hr_better_EDSR']}/19 |", flush=True)
    if args.json:
        with open(args.json + ".tmp", "w") as f:
            json.dump(results, f, indent=1)
        os.replace(args.json + ".tmp", args.json)


if __name__ == "__main__":
    main()
