#!/usr/bin/env bash
# Runs issue 11's table of hostile cases through a dsd build and prints: case, exit code, rows written, stack trace?
# Usage: run_cases.sh DSD_BINARY [SHARED]   (needs ../shared data; single thread)
set -u
dsd=$1; shared=${2:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}
w=$shared/weights/vgg19-torchvision/vgg19_features_0-10.safetensors
tmp=$(mktemp -d); trap 'chmod -R u+rwx "$tmp"; rm -rf "$tmp"' EXIT
python3 "$(dirname "$0")/make_cases.py" "$tmp" "$shared" >/dev/null
export OMP_NUM_THREADS=1 DSD_OFFLINE=1
row() { # name, out file, command...
  local name=$1 out=$2; shift 2
  if [ -n "${ONLY:-}" ] && [[ "$name" != *"$ONLY"* ]]; then return; fi
  "$@" >"$tmp/stdout" 2>"$tmp/stderr"; local rc=$?
  local rows=-; [ -n "$out" ] && rows=$( [ -f "$out" ] && echo $(( $(wc -l <"$out") - 1 )) || echo "none")
  local trace=no; grep -q "^   at \|Unhandled exception" "$tmp/stderr" && trace=yes
  printf '| %s | %s | %s | %s | %s |\n' "$name" "$rc" "$rows" "$trace" "$(grep -m1 -E 'error|Out of memory|Unhandled' "$tmp/stderr" | cut -c1-150 | tr '|' '/')"
}
echo "| case | rc | rows written | stack trace | first error line |"
echo "|---|---|---|---|---|"
for c in bmp-offset-7fffffff bmp-46341sq-header bmp-bitflips png-60000sq-header unreadable-file symlink-loop directory-named-bmp; do
  if [ "$c" = unreadable-file ]; then
    chmod -R a+rx "$tmp"; chmod 0 "$tmp/$c/dist/I03.bmp"; mkdir -p "$tmp/nobody"; chmod 1777 "$tmp/nobody"
    row "$c (as nobody)" "$tmp/nobody/$c.csv" setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp "$dsd" score --ref "$tmp/$c/ref" --dist "$tmp/$c/dist" --vgg-weights "$w" --out "$tmp/nobody/$c.csv" --format csv
  else
    row "$c" "$tmp/$c.csv" "$dsd" score --ref "$tmp/$c/ref" --dist "$tmp/$c/dist" --vgg-weights "$w" --out "$tmp/$c.csv" --format csv
  fi
done
row jpeg-truncated-progressive "" "$dsd" score --ref "$tmp/jpeg-truncated-progressive/whole.jpg" --dist "$tmp/jpeg-truncated-progressive/truncated.jpg" --metrics psnr-rgb
for c in weights-selfref.pth weights-overlapping.safetensors weights-nan.safetensors weights-shape-2e63.safetensors weights-negative-stride.pth weights-2gb-storage.pth; do
  row "score --vgg-weights $c" "" "$dsd" score --ref "$tmp/bmp-bitflips/ref/I04.bmp" --dist "$tmp/bmp-bitflips/dist/I04.bmp" --vgg-weights "$tmp/$c"
done
row "weights import weights-nan.safetensors" "" env DSD_HOME="$tmp/home" "$dsd" weights import "$tmp/weights-nan.safetensors"
