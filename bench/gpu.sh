#!/usr/bin/env bash
# bench/gpu.sh — CPU vs GPU parity and timing, for a machine with an NVIDIA GPU (CUDA 12.x driver).
#
#   bench/gpu.sh                 # builds the CPU and the CUDA flavour, checks parity, times scoring and training
#   bench/gpu.sh --cpu-only      # the CPU half only (what runs on a machine without a GPU)
#
# Parity: every metric of `dsd score` and the 8 fingerprint values on the committed golden pair (128×128) and,
# when ../shared is present, on the five 512×384 TID2013 calibration pairs: max relative difference GPU vs CPU
# must be ≤ 1e-4 (the golden tolerance; cuDNN and oneDNN sum in different orders). Timing: `dsd score` of the
# calibration pairs (dsd,style,perceptual) and one xSRResNet training step (batch 16, 24×24 → 96×96 crops,
# L1 + 100·DSD), from the difference between runs of 5 and 25 steps so that start-up cancels.
# Output: a table on stdout and bench/.cache/gpu/results.json. Exit 1 when a parity check fails.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
out=$repo/bench/.cache/gpu
mkdir -p "$out"
cpu_only=0
[ "${1:-}" = "--cpu-only" ] && cpu_only=1
if [ $cpu_only = 0 ] && ! nvidia-smi -L >/dev/null 2>&1; then
  echo "gpu.sh: no NVIDIA GPU found (nvidia-smi); running the CPU half only" >&2
  cpu_only=1
fi

shared=${DSD_SHARED:-$(cd "$repo/.." && pwd)/shared}
[ -d "$shared" ] || shared=/work/shared
weights=${DSD_VGG19_WEIGHTS:-$shared/weights/vgg19-torchvision/vgg19_features_0-10.safetensors}
golden=$repo/tests/Dsd.Tests/TestData/golden/random
calib=$shared/data/iqa-calibration/ResultsCalibra
[ -f "$weights" ] || weights=$golden/golden-weights.safetensors   # seeded random VGG: parity still means something
export DSD_OFFLINE=1 DSD_VGG19_WEIGHTS=$weights OMP_NUM_THREADS=${OMP_NUM_THREADS:-$(nproc)}

# Two builds side by side: the CUDA flavour differs only in its TorchSharp package (-p:TorchDevice=cuda), built
# from a copy of the tree so that the two restores do not share obj/.
echo "building the CPU flavour…" >&2
dotnet build -c Release -v q -nologo src/Dsd.Cli -o "$out/cpu" >"$out/build-cpu.log" 2>&1 || { tail -20 "$out/build-cpu.log"; exit 1; }
if [ $cpu_only = 0 ]; then
  echo "building the CUDA flavour…" >&2
  rm -rf "$out/src-cuda" && mkdir -p "$out/src-cuda"
  tar -C "$repo" --exclude=./bench/.cache --exclude='*/bin' --exclude='*/obj' --exclude=./TestResults -cf - . | tar -C "$out/src-cuda" -xf -
  dotnet build -c Release -v q -nologo -p:TorchDevice=cuda "$out/src-cuda/src/Dsd.Cli" -o "$out/cuda" >"$out/build-cuda.log" 2>&1 \
    || { tail -20 "$out/build-cuda.log"; exit 1; }
fi

flavours=(cpu)
[ $cpu_only = 0 ] && flavours+=(cuda)
metrics=dsd,style,multi-scale-style,sliced-wasserstein,perceptual,contextual,psnr-y,ssim
for f in "${flavours[@]}"; do
  dsd=$out/$f/dsd
  "$dsd" fingerprint "$golden/ref_crop.png" --device "$f" --format json >"$out/fingerprint-$f.json"
  "$dsd" score --ref "$golden/ref_crop.png" --dist "$golden/dist_crop.png" --metrics "$metrics" --device "$f" --format json --out "$out/golden-$f.json" 2>/dev/null
  if [ -d "$calib" ]; then
    # contextual is all-pairs (minutes per 512×384 pair on a CPU): on the golden pair only.
    "$dsd" score --ref "$calib/ref_dir" --dist "$calib/dist_dir" --metrics "${metrics/,contextual/}" --device "$f" --format json --out "$out/calib-$f.json" 2>/dev/null
    # Timing: one warm-up run, then three timed.
    "$dsd" score --ref "$calib/ref_dir" --dist "$calib/dist_dir" --metrics dsd,style,perceptual --device "$f" --format csv >/dev/null 2>&1
    for run in 1 2 3; do
      /usr/bin/time -f "%e" -o "$out/time-score-$f-$run.txt" \
        "$dsd" score --ref "$calib/ref_dir" --dist "$calib/dist_dir" --metrics dsd,style,perceptual --device "$f" --format csv >/dev/null 2>&1
    done
    train=$out/train-images
    mkdir -p "$train" && cp "$calib"/ref_dir/* "$train/"
    for steps in 5 25; do
      rm -rf "$out/run-$f-$steps"
      /usr/bin/time -f "%e" -o "$out/time-train-$f-$steps.txt" \
        "$dsd" train sr --train "$train" --out "$out/run-$f-$steps" --steps $steps --batch-size 16 --crop 24 --l1 1 --dsd 100 \
        --device "$f" --val-every 1000000 --save-every 1000000 >/dev/null 2>&1
    done
  fi
done

python3 - "$out" "${flavours[@]}" <<'PY'
import json, os, statistics, sys
out, flavours = sys.argv[1], sys.argv[2:]
def load(name):
    p = os.path.join(out, name)
    return json.load(open(p)) if os.path.exists(p) else None
def values(doc):
    if doc is None: return {}
    if "mean_abs_dsd" in doc:
        return {f"{a}/{l}": v for a, d in doc["mean_abs_dsd"].items() for l, v in d.items()}
    return {f"{r['dist'].split('/')[-1]}/{m}": v for r in doc["rows"] for m, v in r.items() if m not in ("ref", "dist", "error") and isinstance(v, (int, float))}
def secs(name):
    p = os.path.join(out, name)
    return float(open(p).read().split()[-1]) if os.path.exists(p) else None
result, failed = {"flavours": flavours, "parity": {}, "timing": {}}, False
if "cuda" in flavours:
    for case in ("fingerprint", "golden", "calib"):
        a, b = values(load(f"{case}-cpu.json")), values(load(f"{case}-cuda.json"))
        if not a: continue
        worst = max(abs(a[k] - b[k]) / max(abs(a[k]), 1e-12) for k in a)
        ok = worst <= 1e-4
        failed |= not ok
        result["parity"][case] = {"values": len(a), "max_rel_diff": worst, "ok": ok}
        print(f"parity {case:12s} {len(a):3d} values  max rel diff {worst:.2e}  {'ok' if ok else 'FAIL (> 1e-4)'}")
else:
    for case in ("fingerprint", "golden", "calib"):
        a = values(load(f"{case}-cpu.json"))
        if a: print(f"cpu reference {case:12s} {len(a):3d} values computed (no GPU: parity not checked)")
for f in flavours:
    runs = [s for s in (secs(f"time-score-{f}-{i}.txt") for i in (1, 2, 3)) if s is not None]
    t5, t25 = secs(f"time-train-{f}-5.txt"), secs(f"time-train-{f}-25.txt")
    entry = {}
    if runs:
        entry["score_5_pairs_s"] = statistics.median(runs)
        entry["pairs_per_s"] = 5 / statistics.median(runs)
    if t5 is not None and t25 is not None:
        entry["train_step_s"] = (t25 - t5) / 20
    result["timing"][f] = entry
    print(f"timing {f:4s} " + "  ".join(f"{k} {v:.3f}" for k, v in entry.items()))
json.dump(result, open(os.path.join(out, "results.json"), "w"), indent=2)
sys.exit(1 if failed else 0)
PY
