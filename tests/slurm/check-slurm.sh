#!/usr/bin/env bash
# The Slurm example on a real (one-node) Slurm: starts deploy/slurm/local-cluster.sh, submits deploy/slurm/submit.sh
# as its header says (3 array tasks, 1 CPU and 2 GB each, then the chained merge) on the committed samples
# (samples/chelsea.png against the 6 images of samples/distorted, metrics dsd and psnr-y), and checks that the merged
# scores.csv equals one `dsd score` run value for value. Run by .ci/run (as root on Debian).
# Exit status: 0 passed or skipped (the line says which, and why), 1 failed.
# DSD_SLURM_KEEP=1 leaves the cluster up afterwards (by default it is stopped again if this script started it).
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
skip() { echo "slurm check: skipped: $*"; exit 0; }
fail() { echo "slurm check: FAILED: $*"; exit 1; }

started=0
pgrep -x slurmctld >/dev/null 2>&1 || started=1
up=$(deploy/slurm/local-cluster.sh up 2>&1); code=$?
echo "$up"
[ $code -eq 2 ] && skip "the one-node cluster cannot be started here: ${up##*: cannot start a cluster here: }"
[ $code -eq 0 ] || fail "deploy/slurm/local-cluster.sh up exited $code"
cleanup() { [ $started -eq 1 ] && [ "${DSD_SLURM_KEEP:-0}" != 1 ] && deploy/slurm/local-cluster.sh down >/dev/null 2>&1; rm -rf "$work"; }
work=$(mktemp -d /tmp/dsd-slurm-XXXXXX)
chmod 755 "$work"
trap cleanup EXIT

dotnet build -c Release src/Dsd.Cli -v q -nologo >"$work/build.log" 2>&1 || { tail -n 20 "$work/build.log"; fail "dotnet build -c Release src/Dsd.Cli"; }
dll=$repo/src/Dsd.Cli/bin/Release/net10.0/dsd.dll
ref=$repo/samples/chelsea.png
dist=$repo/samples/distorted

# As the user would: from a working folder, with the README's variables and the array's sbatch options.
submitted=$(cd "$work" && DSD="dotnet $dll" REF="$ref" DIST="$dist" OUT="$work/results" METRICS=dsd,psnr-y \
  "$repo/deploy/slurm/submit.sh" --array=0-2 --cpus-per-task=1 --mem=2G 2>&1) || fail "submit.sh: $submitted"
echo "$submitted"
read -r array merge < <(echo "$submitted" | sed -n 's/^submitted array \([0-9]*\) and its merge \([0-9]*\)$/\1 \2/p')
[ -n "${merge:-}" ] || fail "submit.sh did not print the two job ids"

# Wait for the array and the merge to leave the queue (10 minutes at most).
for _ in $(seq 1 600); do
  [ -z "$(squeue -h -j "$array,$merge" 2>/dev/null)" ] && break
  sleep 1
done
[ -z "$(squeue -h -j "$array,$merge" 2>/dev/null)" ] && gone=1 || gone=0
for log in "$work"/logs/*.log; do [ -s "$log" ] && { echo "--- $(basename "$log")"; tail -n 5 "$log"; }; done
[ $gone -eq 1 ] || { scancel "$array" "$merge" 2>/dev/null; fail "the jobs did not finish within 10 minutes"; }
# Each array task asked for 1 CPU and 2 GB (the cluster keeps finished jobs for a while: MinJobAge).
scontrol show job "$array" 2>/dev/null | grep -o 'JobState=[A-Z]*\|NumCPUs=[0-9]*\|mem=[0-9A-Z]*' | sort | uniq -c
[ -s "$work/results/scores.csv" ] || fail "no merged $work/results/scores.csv"
shards=$(ls "$work"/results/shard-*.json 2>/dev/null | wc -l)
[ "$shards" -eq 3 ] || fail "$shards shard files instead of 3"

# One process, the same pairs and metrics, the same thread count as the tasks (1).
OMP_NUM_THREADS=1 DSD_OFFLINE=1 dotnet "$dll" score --ref "$ref" --dist "$dist" --metrics dsd,psnr-y --threads 1 \
  --format csv --out "$work/single.csv" 2>"$work/single.err" || { cat "$work/single.err"; fail "dsd score (one process)"; }
if ! cmp -s "$work/single.csv" "$work/results/scores.csv"; then
  diff "$work/single.csv" "$work/results/scores.csv" | head -n 20
  fail "the merged scores.csv differs from one dsd score run"
fi
rows=$(($(wc -l <"$work/single.csv") - 1))
echo "slurm check: passed: 3 array tasks (--cpus-per-task=1 --mem=2G) and the merge ran on Slurm $(sinfo -V | awk '{ print $2 }'); the merged scores.csv equals one dsd score run ($rows pairs, dsd and psnr-y, byte for byte)"
