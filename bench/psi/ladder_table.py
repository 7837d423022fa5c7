#!/usr/bin/env python3
"""Issue 21's comparison table from `dsd score --format csv` of the study folder (bench/psi/README.md, "Round 3"):
ladders L__STEM__KIND__LEVEL (BSDS500 test photos: clean + blur σ 0.5/0.8/1.2, noise σ 2/4/7, JPEG q 70/45/25,
down-up ×1.5/2/3), CSIQ 1600 (1600.KIND.LEVEL vs DMOS), the SR outputs (HR vs SRResNet/EDSR/SRGAN), blank frames D__.
Usage: ladder_table.py CSIQ_DMOS.csv SCORES.csv … (every numeric column of every file is a metric; lower = better)."""
import csv, os, sys
from statistics import mean

KINDS = ["blur", "noise", "jpeg", "resample"]

def rank(x):
    order = sorted(range(len(x)), key=lambda i: x[i]); r = [0.0] * len(x); i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and x[order[j + 1]] == x[order[i]]: j += 1
        for k in range(i, j + 1): r[order[k]] = (i + j) / 2
        i = j + 1
    return r

def spearman(a, b):
    ra, rb = rank(a), rank(b); ma, mb = mean(ra), mean(rb)
    num = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    den = (sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb)) ** 0.5
    return num / den if den else 0.0

def load(paths):
    scores = {}
    for p in paths:
        for row in csv.DictReader(open(p)):
            name = os.path.splitext(os.path.basename(row.get("dist") or row.get("image") or row.get("file")))[0]
            for k, v in row.items():
                try: value = float(v)
                except (TypeError, ValueError): continue
                if k in ("ref",): continue
                scores.setdefault(k, {})[name] = value
    return scores

def summarise(s, dmos):
    out = {}
    stems = sorted({n.split("__")[1] for n in s if n.startswith("L__")})
    per = {k: [] for k in KINDS}
    for st in stems:
        for k in KINDS:
            names = [f"L__{st}__clean__0"] + [f"L__{st}__{k}__{l}" for l in (1, 2, 3)]
            if all(n in s for n in names): per[k].append(spearman([0, 1, 2, 3], [s[n] for n in names]))
    for k in KINDS: out[k] = mean(per[k]) if per[k] else float("nan")
    out["ladders"] = mean(out[k] for k in KINDS); out["photos"] = len(stems)
    c = [(s.get("C__" + n), d) for n, d in dmos if "C__" + n in s]
    out["csiq"] = spearman([x for x, _ in c], [d for _, d in c]) if len(c) > 2 else float("nan")
    awgn = [s.get(f"C__1600.AWGN.{i}") for i in range(1, 6)]
    out["awgn"] = spearman(list(range(5)), awgn) if None not in awgn else float("nan")
    hr = [n[len("S__HR__"):] for n in s if n.startswith("S__HR__")]
    for m in ["SRResNet", "EDSR", "SRGAN"]:
        out[m] = sum(1 for n in hr if f"S__{m}__{n}" in s and s["S__HR__" + n] < s[f"S__{m}__{n}"])
    clean = [v for n, v in s.items() if n.endswith("__clean__0") or n.startswith("S__HR__")]
    blank = [v for n, v in s.items() if n.startswith("D__") and "text" not in n]
    out["blank"] = f"{sum(v > max(clean) for v in blank)}/{len(blank)}" if blank else "n/a"
    return out

if __name__ == "__main__":
    dmos = [(r["dist"].rsplit(".", 1)[0] if "dist" in r else r[list(r)[1]].rsplit(".", 1)[0], float(r[list(r)[2]]))
            for r in csv.DictReader(open(sys.argv[1]))]
    print("| metric | photos | ladders | blur | noise | JPEG | down-up | CSIQ 1600 | AWGN levels | HR better than SRResNet / EDSR / SRGAN | blank frames worse than every clean photo |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for f in sys.argv[2:]:
        for metric, s in load([f]).items():
            r = summarise(s, dmos)
            print(f"| {os.path.basename(f)}: {metric} | {r['photos']} | {r['ladders']:.3f} | {r['blur']:.2f} | {r['noise']:.2f} | {r['jpeg']:.2f} | {r['resample']:.2f} | "
                  f"{r['csiq']:.3f} | {r['awgn']:.2f} | {r['SRResNet']} / {r['EDSR']} / {r['SRGAN']} of 19 | {r['blank']} |")
