#!/usr/bin/env bash
# bench/pytorch/gpu_restoration.sh — the one command to run on the GPU machine: trains xSRResNet (×4 SR) and
# DeblurNet, each with the L1 stage and then the L1 + perceptual + 100·DSD stage, in at most 9 minutes in all
# (train_restoration.py --minutes 9), and writes sr-l1.pth, sr-dsd.pth, deblur-l1.pth, deblur-dsd.pth,
# train-log.json, forward-check.safetensors and train-stdout.txt to $OUT (else bench/.cache/restoration-gpu-out).
#
#   bench/pytorch/gpu_restoration.sh [extra train_restoration.py options, e.g. --minutes 8]
#
# Needs the data folder made beforehand by bench/pytorch/prepare_restoration_data.sh (bench/.cache/restoration-data,
# git-ignored: carry it to the GPU machine with the working tree; it is ≤ 60 MiB) and a Python 3 with CUDA torch
# ($PYTHON, default python3). Exits 1 when there is no CUDA device (a CPU run would not finish in time).
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${DSD_RESTORATION_DATA:-bench/.cache/restoration-data}
out=${OUT:-bench/.cache/restoration-gpu-out}
python=${PYTHON:-python3}
[ -f "$data/vgg19_features_0-10.safetensors" ] || { echo "gpu_restoration.sh: $data is missing or incomplete: run bench/pytorch/prepare_restoration_data.sh first (and carry the folder)" >&2; exit 1; }
"$python" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" \
  || { echo "gpu_restoration.sh: $python has no CUDA device (torch.cuda.is_available() is false)" >&2; exit 1; }
mkdir -p "$out"
nvidia-smi -L 2>/dev/null || true
"$python" -u bench/pytorch/train_restoration.py --data "$data" --out "$out" --device cuda "$@" 2>&1 | tee "$out/train-stdout.txt"
exit "${PIPESTATUS[0]}"
