#!/usr/bin/env bash
# Peak resident memory and wall time of `dsd score` on the 19 Set5 + Set14 SRGAN pairs (--metrics dsd --threads 2),
# for two or more builds, runs alternated (A, B, A, B, …) so that load from other users of the machine hits all alike
# (issue 23 item 10). Each run is a fresh process measured by GNU time (/usr/bin/time -v: "Maximum resident set size").
#
#   bench/memory/peak-rss.sh [--runs N] [--data DIR] [--weights VGG19.safetensors] NAME=DSD_DLL_OR_EXECUTABLE [NAME=… …] [-- EXTRA dsd score ARGS]
#
# Prints one line per run and a median/min/max summary per build; the score CSVs of every run must agree (exit 1 if not).
# Example: bench/memory/peak-rss.sh old=/work/wt-0214/src/Dsd.Cli/bin/Release/net10.0/dsd.dll new=src/Dsd.Cli/bin/Release/net10.0/dsd.dll
set -euo pipefail
runs=5
data=/work/shared/data/sr-method-outputs/srresnet-srgan-edsr
# Both builds get the same weights file: torchvision's VGG19 conv1_1…conv3_1 (builds before the embedded subset need one).
weights=/work/shared/weights/vgg19-torchvision/vgg19_features_0-10.safetensors
builds=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --weights) weights=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *=*) builds+=("$1"); shift ;;
    *) echo "peak-rss: unexpected argument '$1' (NAME=PATH, --runs N, --data DIR, -- ARGS)" >&2; exit 1 ;;
  esac
done
[ ${#builds[@]} -ge 1 ] || { echo "peak-rss: name at least one build as NAME=path/to/dsd.dll" >&2; exit 1; }
[ -d "$data/HR" ] && [ -d "$data/SRGAN/images" ] || { echo "peak-rss: $data has no HR/ and SRGAN/images/ (Set5 + Set14 ×4)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "peak-rss: needs GNU time (apt-get install time)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in $(seq 1 "$runs"); do
  for b in "${builds[@]}"; do
    name=${b%%=*}; program=${b#*=}
    [[ $program == *.dll ]] && cmd=(dotnet "$program") || cmd=("$program")
    # Two threads: --threads 2 where the build has it; builds before it (0214c27) use libtorch's default, one per
    # core, which OMP_NUM_THREADS=2 pins to 2 as well.
    threads=()
    "${cmd[@]}" score --help 2>/dev/null | grep -q -- '--threads' && threads=(--threads 2)
    # Offline so that nothing but scoring is measured.
    DSD_OFFLINE=1 OMP_NUM_THREADS=2 /usr/bin/time -v -o "$work/time" "${cmd[@]}" score --ref "$data/HR" --dist "$data/SRGAN/images" \
      --dist-suffix _SRGAN-VGG54 --metrics dsd "${threads[@]}" --vgg-weights "$weights" --format csv --out "$work/$name.$i.csv" "${extra[@]}" \
      >/dev/null 2>"$work/err" || { echo "peak-rss: $name run $i failed:" >&2; cat "$work/err" >&2; exit 1; }
    kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$work/time" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
    printf '%s\t%d\t%d MiB\t%.2f s\n' "$name" "$i" $((kb / 1024)) "$wall"
    printf '%s %d %s\n' "$name" "$kb" "$wall" >>"$work/all"
  done
done
echo "summary (median, min, max over $runs runs):"
for b in "${builds[@]}"; do
  name=${b%%=*}
  awk -v n="$name" '$1 == n { print $2 / 1024 }' "$work/all" | sort -n | awk -v n="$name" '{ v[NR] = $1 } END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%-12s peak RSS  median %.0f MiB  min %.0f  max %.0f\n", n, m, v[1], v[NR] }'
  awk -v n="$name" '$1 == n { print $3 }' "$work/all" | sort -n | awk -v n="$name" '{ v[NR] = $1 } END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%-12s wall      median %.2f s    min %.2f  max %.2f\n", n, m, v[1], v[NR] }'
done
# Every run must give the same scores (the comparison is of memory and time, not of different numbers).
first=$(ls "$work"/*.csv | head -n 1)
for f in "$work"/*.csv; do
  cut -d, -f1-3 "$f" | cmp -s - <(cut -d, -f1-3 "$first") || { echo "peak-rss: $(basename "$f") scores differ from $(basename "$first")" >&2; exit 1; }
done
echo "scores: identical in all $(ls "$work"/*.csv | wc -l) runs"
