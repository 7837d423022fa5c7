#!/usr/bin/env bash
# bench/pytorch/prepare_restoration_data.sh — the training data of train_restoration.py, ≤ 60 MiB, in
# bench/.cache/restoration-data/ (git-ignored; it travels with the working tree to the GPU machine).
#
#   bench/pytorch/prepare_restoration_data.sh [OUT_DIR]     (DSD_SHARED: the shared folder, default ../shared or /work/shared)
#
# Images become .rgbz (`Dsd.Bench to-rgbz`: zlib of colour- and plane-predicted bytes, lossless, about PNG's size),
# which the script decodes with the Python standard library and torch alone (the GPU machine has nothing else; JPEG
# cannot be decoded there). Layout:
#   vgg19_features_0-10.safetensors                     VGG19 conv1_1..conv3_1 (perceptual and DSD losses)
#   sr/val/{set5,set14}_img_NNN_SRF_4_{HR,LR}.rgbz       Set5 + Set14 ×4
#   deblur/train/X.rgbz + X_gt.rgbz                     GoPro-derived pairs of every sequence but GOPR0410
#   deblur/val/X.rgbz + X_gt.rgbz                       the GOPR0410 pairs
#   sr/train/bsds_*.rgbz                                BSDS500 train then test JPEGs, as many as the budget allows
# Needs the .NET SDK (builds bench/Dsd.Bench in Release once).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
out=${1:-$repo/bench/.cache/restoration-data}
budget=$((60 * 1024 * 1024))
shared=${DSD_SHARED:-$(cd "$repo/.." && pwd)/shared}
[ -f "$shared/SPEC.md" ] || shared=/work/shared
data=$shared/data
vgg=$shared/weights/vgg19-torchvision/vgg19_features_0-10.safetensors
for need in "$vgg" "$data/natural/bsds500/train" "$data/sr-benchmarks/Set5/x4" "$data/sr-benchmarks/Set14/x4" "$data/deblur/gopro-derived-pairs/pairs"; do
  [ -e "$need" ] || { echo "prepare_restoration_data.sh: $need not found (set DSD_SHARED)" >&2; exit 1; }
done

bench=$repo/bench/Dsd.Bench/bin/Release/net10.0/Dsd.Bench
if [ ! -x "$bench" ] || [ -n "$(find "$repo/bench/Dsd.Bench" -name '*.cs' -newer "$bench" -print -quit)" ]; then
  dotnet build "$repo/bench/Dsd.Bench" -c Release -v q -nologo >&2
fi
rgbz() { "$bench" to-rgbz "$@" >/dev/null; }
size() { du -sb "$out" | cut -f1; }

rm -rf "$out"
mkdir -p "$out"/sr/train "$out"/sr/val "$out"/deblur/train "$out"/deblur/val
cp "$vgg" "$out/"
rgbz "$out/sr/val" --prefix set5_ "$data"/sr-benchmarks/Set5/x4/*_HR.png "$data"/sr-benchmarks/Set5/x4/*_LR.png
rgbz "$out/sr/val" --prefix set14_ "$data"/sr-benchmarks/Set14/x4/*_HR.png "$data"/sr-benchmarks/Set14/x4/*_LR.png
pairs=$data/deblur/gopro-derived-pairs/pairs
rgbz "$out/deblur/train" $(ls "$pairs"/*.png | grep -v '/GOPR0410_')
rgbz "$out/deblur/val" "$pairs"/GOPR0410_*.png
# BSDS fills what is left (a few KiB kept for the log); then BSD100/Urban100 HR if anything remains.
left=$((budget - $(size) - 65536))
[ $left -gt 0 ] && rgbz "$out/sr/train" --max-bytes $left --prefix bsds_ "$data"/natural/bsds500/train/*.jpg "$data"/natural/bsds500/test/*.jpg
left=$((budget - $(size) - 65536))
for set in BSD100 Urban100; do
  [ $left -gt 300000 ] && [ -d "$data/sr-benchmarks/$set/x4" ] && rgbz "$out/sr/train" --max-bytes $left --prefix "${set,,}_" "$data"/sr-benchmarks/$set/x4/*_HR.png
  left=$((budget - $(size) - 65536))
done

total=$(size)
{
  echo "made by bench/pytorch/prepare_restoration_data.sh on $(date -u +%FT%TZ) from $shared"
  for d in sr/train sr/val deblur/train deblur/val; do
    echo "$d: $(ls "$out/$d" | wc -l) files, $(du -sb "$out/$d" | cut -f1) bytes"
  done
  echo "total: $total bytes (budget $budget)"
} | tee "$out/README.txt"
[ "$total" -le "$budget" ] || { echo "prepare_restoration_data.sh: $total bytes exceed the budget" >&2; exit 1; }
