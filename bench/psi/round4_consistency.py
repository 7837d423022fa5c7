"""Issue 21, round 4: the scale-consistency residual e = (d - d_hat)/sd as a noise detector (bench/psi/README.md).
Usage: round4_consistency.py EVAL.jsonl TRAIN.jsonl PSI.safetensors [A B] [--search]
EVAL: `Dsd.Bench noref-dump` of the study folder (L__/G__ ladders, C__ CSIQ 1600, S__ SR outputs, D__ blank frames);
TRAIN: of the training ladders (T__, BSDS500 training photos): d_hat is fitted on their clean tiles only."""
import sys, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np
import noref_study as ns

ev = ns.load(sys.argv[1])
tr = ns.load(sys.argv[2])
psi = sys.argv[3]
wcal = ns.calibration(psi)

def raw(r):
    z, r1, r2 = ns.features(r)
    return z, r1 - r2, np.concatenate([np.ones((1, z.shape[1])), r2, r['mu'], np.log(r['t1'])], 0)

# d_hat regression on clean training tiles (never the ladders used for selection, never CSIQ/SR)
X = []; Y = []
for n, r in tr.items():
    if '__clean__' in n:
        z, d, x = raw(r); X.append(x.T); Y.append(d.T)
X = np.concatenate(X); Y = np.concatenate(Y)
lam = 1e-3
coef = np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ Y)   # [13, 4]
res = Y - X @ coef
sd = res.std(0)
print('clean tiles', len(X), 'd std', np.round(Y.std(0), 3), 'residual std', np.round(sd, 3))

def e_of(r):
    z, d, x = raw(r)
    return z, (d - (x.T @ coef).T) / sd[:, None]

def forms(data, a, b):
    out = {}
    for n, r in data.items():
        z, e = e_of(r)
        cal = wcal @ ns.phi(z, len(wcal) == 24)
        out[n] = {
            'calibrated': float(cal.mean()),
            'zscore': float(np.abs(z).mean()),
            '|e|': float(np.abs(e).mean()),
            f'cal+{a}|e|': float((cal + a * np.abs(e).mean(0)).mean()),
            f'cal+{b}|e|': float((cal + b * np.abs(e).mean(0)).mean()),
            'z+|e|': float((np.abs(z).mean(0) + np.abs(e).mean(0)).mean()),
        }
    return out

def show(data, a, b):
    f = forms(data, a, b)
    for k in next(iter(f.values())):
        ns.evaluate({n: v[k] for n, v in f.items()}, k)

if __name__ == '__main__':
    args = [x for x in sys.argv[4:] if not x.startswith("--")]
    a, b = float(args[0]) if args else 0.5, float(args[1]) if len(args) > 1 else 1.0
    show(ev, a, b)
    # How each distortion moves e and z, per layer, on the L ladders (the shift against the clean photo).
    E = {n: e_of(r)[1].mean(1) for n, r in ev.items()}
    Z = {n: e_of(r)[0].mean(1) for n, r in ev.items()}
    stems = sorted({n.split('__')[1] for n in E if n.startswith('L__')})
    clean = np.array([E[f'L__{s}__clean__0'] for s in stems])
    print('clean e across photos: mean', np.round(clean.mean(0), 2), 'sd', np.round(clean.std(0), 2))
    for k in ns.KINDS:
        for l in (1, 2, 3):
            de = np.array([E[f'L__{s}__{k}__{l}'] - E[f'L__{s}__clean__0'] for s in stems])
            dz = np.array([Z[f'L__{s}__{k}__{l}'] - Z[f'L__{s}__clean__0'] for s in stems])
            print(f'{k} {l}: mean Δe {np.round(de.mean(0), 2)} (share > 0 {np.round((de > 0).mean(0), 2)})  mean Δz {np.round(dz.mean(0), 2)}')


# ---- the search that chose the shipped consistency form (--search) ---------------------------------------------------
def feats(r, which):
    """Image-level features: the mean over tiles of the named per-layer quantities."""
    z, e = e_of(r)
    _, r1, r2 = ns.features(r)
    parts = {'z': z, 'e': e, 'absz': np.abs(z), 'r1': r1, 'r2': r2, 'phi': ns.phi(z, False)}
    return np.concatenate([parts[w] for w in which], 0).mean(1)

def fit_signed(which, reg, iters=3000, lr=0.05):
    """Kind-balanced logistic ranking on the training ladders (T__): worse copies above better ones."""
    names = [n for n in tr if n.startswith('T__')]
    X = {n: feats(tr[n], which) for n in names}
    mu = np.mean(list(X.values()), 0); sdv = np.std(list(X.values()), 0) + 1e-9
    X = {n: (x - mu) / sdv for n, x in X.items()}
    P = ns.pairs_of(names)
    D = np.array([X[w] - X[b] for b, w in P]); kinds = np.array([ns.KINDS.index(w.split('__')[2]) for b, w in P])
    wt = np.ones(len(P))
    for k in range(4): wt[kinds == k] = 1 / max(1, (kinds == k).sum())
    wt /= wt.mean()
    w = np.zeros(D.shape[1]); m = np.zeros_like(w); v = np.zeros_like(w)
    for t in range(1, iters + 1):
        g = -(wt * (1 / (1 + np.exp(D @ w))))[:, None] * D
        grad = g.mean(0) + 2 * reg * w
        m = 0.9 * m + 0.1 * grad; v = 0.999 * v + 0.001 * grad ** 2
        w -= lr * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    return w, mu, sdv

if '--search' in sys.argv:
    import io, contextlib
    rows = []
    for which in [['e'], ['z', 'e'], ['phi', 'e'], ['e', 'r2'], ['z', 'r1', 'r2'], ['phi', 'r1', 'r2'], ['e', 'absz']]:
        for reg in [0.003, 0.001, 0.0003, 0.0001]:
            w, mu, sdv = fit_signed(which, reg)
            s = {n: float(w @ ((feats(r, which) - mu) / sdv)) for n, r in ev.items()}
            with contextlib.redirect_stdout(io.StringIO()): res = ns.evaluate(s, 'x')
            rows.append(((res['L']['mean'] + res['G']['mean']) / 2, '+'.join(which), reg, res))
    rows.sort(key=lambda r: -r[0])  # selection: the L and G ladders only
    for sel, name, reg, res in rows[:8]:
        L, G = res['L'], res['G']
        print(f"select {sel:.3f} {name:12s} reg {reg:<7} L {L['mean']:.3f} G {G['mean']:.3f} | test: CSIQ {res['csiq']:.3f} "
              f"awgn {res['awgn']:.2f} blur {res['blur']:.2f} SR {res['hr<SRResNet']}/{res['hr<EDSR']}/{res['hr<SRGAN']}")
