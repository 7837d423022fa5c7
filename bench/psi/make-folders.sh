#!/bin/sh
# Builds the training and validation folders of psi (bench/psi/README.md) as symbolic links.
# Usage: make-folders.sh SHARED_DATA OUT
set -eu
D=$1; OUT=$2
mkdir -p "$OUT/train" "$OUT/val"
for f in "$D"/natural/bsds500/train/*.jpg; do ln -sf "$f" "$OUT/train/bsds-train-$(basename "$f")"; done
for f in "$D"/natural/bsds500/test/*.jpg; do ln -sf "$f" "$OUT/train/bsds-test-$(basename "$f")"; done
for f in "$D"/sr-benchmarks/BSD100/x4/*_HR.png; do ln -sf "$f" "$OUT/train/bsd100-$(basename "$f")"; done
for f in "$D"/sr-benchmarks/Urban100/x4/*_HR.png; do ln -sf "$f" "$OUT/train/urban100-$(basename "$f")"; done
for n in astronaut.png brick.png camera.png chelsea.png coffee.png grass.png gravel.png moon.png motorcycle_left.png motorcycle_right.png rocket.jpg; do
  ln -sf "$D/photos/$n" "$OUT/train/photo-$n"
done
for s in Set5 Set14; do for f in "$D"/sr-benchmarks/$s/x4/*_HR.png; do ln -sf "$f" "$OUT/val/$s-$(basename "$f")"; done; done
echo "$(ls "$OUT/train" | wc -l) training images, $(ls "$OUT/val" | wc -l) validation images in $OUT"
