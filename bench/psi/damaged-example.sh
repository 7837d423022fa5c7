#!/bin/sh
# The README's "is this photo damaged?" example: three Set14 photos (held out from psi's training), each clean and with
# one of four distortions, in one folder, scored with noref-dsd and sorted (most damaged-looking first).
# Usage: damaged-example.sh SHARED_DATA OUT_DIR   (needs Dsd.Bench and dsd built: dotnet build -c Release)
set -eu
D=$1; OUT=$2
BENCH="dotnet bench/Dsd.Bench/bin/Release/net10.0/Dsd.Bench.dll"
DSD="dotnet src/Dsd.Cli/bin/Release/net10.0/dsd.dll"
mkdir -p "$OUT/photos"
for pair in baboon:001 monarch:011 zebra:014; do
  name=${pair%%:*}
  src="$D/sr-benchmarks/Set14/x4/img_${pair##*:}_SRF_4_HR.png"
  cp "$src" "$OUT/photos/$name.png"
  $BENCH distort "$src" blur 1.5 "$OUT/photos/$name-blur.png"
  $BENCH distort "$src" noise 8 "$OUT/photos/$name-noise.png"
  $BENCH distort "$src" jpeg 30 "$OUT/photos/$name-jpeg.png"
  $BENCH distort "$src" resample 2.5 "$OUT/photos/$name-resampled.png"
done
$DSD score --dist "$OUT/photos" --metrics noref-dsd --format csv --out "$OUT/scores.csv"
{ head -1 "$OUT/scores.csv"; tail -n +2 "$OUT/scores.csv" | sort -t, -k3 -g -r; } > "$OUT/sorted.csv"
cat "$OUT/sorted.csv"
