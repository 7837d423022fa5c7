#!/usr/bin/env python3
"""Issue 21 study: scores candidate no-reference forms from `Dsd.Bench noref-dump` records.
Usage: noref_study.py DUMP.jsonl [--psi PSI.safetensors] [--fit TRAIN_DUMP.jsonl]
Selection: ladders L__ (BSDS500 test photos) and G__ (GoPro sharp frames); test: C__ (CSIQ 1600), S__ (SR outputs);
D__ degenerate frames. Every form is lower-is-more-natural; tile scores are averaged per image."""
import json, sys, struct
import numpy as np

KINDS = ["blur", "noise", "jpeg", "resample"]

def load(path):
    out = {}
    for line in open(path):
        r = json.loads(line)
        out[r["name"].rsplit(".", 1)[0]] = {k: np.array(v, dtype=np.float64) for k, v in r.items() if k != "name"}  # [4 layers, tiles]
    return out

def calibration(psi):
    n = struct.unpack("<Q", open(psi, "rb").read(8))[0]
    meta = json.loads(open(psi, "rb").read(8 + n)[8:]).get("__metadata__", {})
    return np.array(json.loads(meta["noref_calibration"])) if "noref_calibration" in meta else None

def phi(z, quadratic):
    d = [np.abs(z[i] - z[j]) for i in range(4) for j in range(i + 1, 4)]
    p = [z[i] * z[j] for i in range(4) for j in range(i, 4)]
    parts = [np.abs(z), z, np.array(d)] + ([np.array(p)] if quadratic else [])
    return np.concatenate(parts, 0)

def rank(x):
    x = np.asarray(x, float); o = np.argsort(x, kind="stable"); r = np.empty(len(x)); r[o] = np.arange(len(x))
    for v in np.unique(x):
        m = x == v
        if m.sum() > 1: r[m] = r[m].mean()
    return r

def spearman(a, b):
    ra, rb = rank(a), rank(b)
    ra -= ra.mean(); rb -= rb.mean()
    d = np.sqrt((ra * ra).sum() * (rb * rb).sum())
    return float((ra * rb).sum() / d) if d > 0 else 0.0

def features(r):
    z = (np.log(np.maximum(r["d1"], 1e-12)) - r["mu"]) / r["sigma"]
    r1 = np.log(r["t0"]) - np.log(r["t1"])
    r2 = np.log(r["t1"]) - np.log(r["t2"])
    return z, r1, r2

def evaluate(scores, label):
    res = {}
    for prefix in ["L", "G"]:
        per = {k: [] for k in KINDS}
        stems = sorted({n.split("__")[1] for n in scores if n.startswith(prefix + "__")})
        for s in stems:
            for k in KINDS:
                v = [scores[f"{prefix}__{s}__clean__0"]] + [scores[f"{prefix}__{s}__{k}__{l}"] for l in (1, 2, 3)]
                per[k].append(spearman([0, 1, 2, 3], v))
        res[prefix] = {k: float(np.mean(v)) for k, v in per.items()}
        res[prefix]["mean"] = float(np.mean([res[prefix][k] for k in KINDS]))
    dm = [l.strip().split(",") for l in open("/work/shared/data/iqa-human/csiq_1600_subset/labels_dmos.csv").readlines()[1:]]
    res["csiq"] = spearman([scores["C__" + c[1].rsplit(".", 1)[0]] for c in dm], [float(c[2]) for c in dm])
    res["awgn"] = spearman([0, 1, 2, 3, 4], [scores[f"C__1600.AWGN.{i}"] for i in range(1, 6)])
    res["blur"] = spearman([0, 1, 2, 3, 4], [scores[f"C__1600.BLUR.{i}"] for i in range(1, 6)])
    stems = [n[len("S__HR__"):] for n in scores if n.startswith("S__HR__")]
    for m in ["SRResNet", "EDSR", "SRGAN"]:
        res["hr<" + m] = sum(scores["S__HR__" + s] < scores[f"S__{m}__{s}"] for s in stems)
    clean = [v for n, v in scores.items() if n.endswith("__clean__0")]
    deg = {n: v for n, v in scores.items() if n.startswith("D__")}
    res["degenerate_below_worst_clean"] = sum(v > max(clean) for v in deg.values())
    res["n_degenerate"] = len(deg)
    L, G = res["L"], res["G"]
    print(f"{label:28s} L {L['mean']:.3f} (b {L['blur']:.2f} n {L['noise']:.2f} j {L['jpeg']:.2f} r {L['resample']:.2f})"
          f"  G {G['mean']:.3f} (b {G['blur']:.2f} n {G['noise']:.2f} j {G['jpeg']:.2f} r {G['resample']:.2f})"
          f"  CSIQ {res['csiq']:.3f} awgn {res['awgn']:.2f} blur {res['blur']:.2f}  SR {res['hr<SRResNet']}/{res['hr<EDSR']}/{res['hr<SRGAN']}"
          f"  deg {res['degenerate_below_worst_clean']}/{res['n_degenerate']}")
    return res

if __name__ == "__main__":
    data = load(sys.argv[1])
    psi = sys.argv[sys.argv.index("--psi") + 1] if "--psi" in sys.argv else None
    w = calibration(psi) if psi else None
    forms = {}
    for n, r in data.items():
        z, r1, r2 = features(r)
        f = {"paper": np.abs(np.exp(r["mu"]) - r["d1"]).mean(0), "zscore": np.abs(z).mean(0)}
        if w is not None: f["calibrated"] = w @ phi(z, len(w) == 24)
        for k, v in f.items(): forms.setdefault(k, {})[n] = float(v.mean())
    for k, s in forms.items(): evaluate(s, k)
    if "--degenerate" in sys.argv:
        for k, s in forms.items():
            print(k, {n: round(v, 2) for n, v in s.items() if n.startswith("D__")}, "clean range", round(min(v for n, v in s.items() if n.endswith("clean__0")), 2), round(max(v for n, v in s.items() if n.endswith("clean__0")), 2))


# ---- round 3: scale-consistency features and a fitted ranking --------------------------------------------------------
def tile_features(r, use_d=True):
    """Per tile [F, tiles]: φ14(z) and, with use_d, the four signed scale-consistency terms d_l = r1_l − r2_l."""
    z, r1, r2 = features(r)
    parts = [phi(z, False)]
    if use_d: parts.append(r1 - r2)
    return np.concatenate(parts, 0)

def pairs_of(names):
    """(better, worse) name pairs within each photo of a ladder: clean < every level, and level i < level j."""
    out = []
    groups = {}
    for n in names:
        p = n.split("__")
        groups.setdefault((p[0], p[1]), {})[(p[2], int(p[3]))] = n
    for g in groups.values():
        clean = g.get(("clean", 0))
        for k in KINDS:
            levels = sorted(l for (kk, l) in g if kk == k)
            for i, li in enumerate(levels):
                if clean: out.append((clean, g[(k, li)]))
                for lj in levels[i + 1:]: out.append((g[(k, li)], g[(k, lj)]))
    return out

def fit(data, prefix, use_d, reg=0.01, iters=3000, lr=0.05, kind_balance=True):
    names = [n for n in data if n.startswith(prefix + "__")]
    X = {n: tile_features(data[n], use_d).mean(1) for n in names}
    P = pairs_of(names)
    D = np.array([X[w] - X[b] for b, w in P])  # worse − better: want w·D > 0
    kinds = np.array([KINDS.index(w.split("__")[2]) for b, w in P])
    weight = np.ones(len(P))
    if kind_balance:
        for k in range(4): weight[kinds == k] = 1.0 / max(1, (kinds == k).sum())
        weight /= weight.mean()
    w0 = np.zeros(D.shape[1]); w0[:4] = 0.25
    w = w0.copy(); m = np.zeros_like(w); v = np.zeros_like(w)
    for t in range(1, iters + 1):
        s = D @ w
        g = -(weight * (1 / (1 + np.exp(s))))[:, None] * D
        grad = g.mean(0) + 2 * reg * (w - w0)
        m = 0.9 * m + 0.1 * grad; v = 0.999 * v + 0.001 * grad ** 2
        w -= lr * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    acc = float(((D @ w) > 0).mean()); acc0 = float(((D @ w0) > 0).mean())
    return w, acc0, acc

def score_with(data, w, use_d, guard=None):
    out = {}
    for n, r in data.items():
        f = tile_features(r, use_d)
        s = float((w @ f).mean())
        if guard is not None:
            z, _, _ = features(r)
            m = float((-z.mean(1)).max()) - guard["c"]
            if m > 0: s = s + (guard["hi"] - s) * min(1.0, m / 0.5) + max(0.0, m - 0.5)
        out[n] = s
    return out

FLOOR, TOP, RAMP = 5.0, 12.0, 0.5   # NoReference/BlankFrameGuard.cs

def ceiling(w):
    import itertools
    best = -1e300
    for z in itertools.product([-FLOOR, 0.0, TOP], repeat=4):
        best = max(best, float(w[:14] @ phi(np.array(z, float)[:, None], False)[:, 0]))
    return best + float(np.abs(w[14:24]).sum()) * max(FLOOR, TOP) ** 2 if len(w) == 24 else best

def guarded(s, z, ceil):
    """Per tile, as BlankFrameGuard.Apply."""
    past = (-z).max(0) - FLOOR
    t = np.clip(past / RAMP, 0, 1)
    return s + (ceil - s) * t + np.maximum(0, past - RAMP)
