"""Issue 21, round 4: the scale-consistency residual e = (d - d_hat)/sd as a noise detector (bench/psi/README.md).
Usage: round4_consistency.py EVAL.jsonl TRAIN.jsonl PSI.safetensors [A B]
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
    a, b = float(sys.argv[4]) if len(sys.argv) > 4 else 0.5, float(sys.argv[5]) if len(sys.argv) > 5 else 1.0
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
