#!/usr/bin/env bash
# Submits the scoring array and a merge that runs only when every shard succeeded.
#   REF=/data/ref DIST=/data/dist deploy/slurm/submit.sh [sbatch options for the array, e.g. --array=0-31]
# DSD (the command, e.g. "dotnet /opt/dsd/dsd.dll"), OUT (default results) and METRICS pass to the jobs. Prints the
# two job ids on its last line: "submitted array ID and its merge ID".
set -euo pipefail
here=$(dirname "$0")
mkdir -p logs
array=$(sbatch --parsable --export=ALL "$@" "$here/score-array.sbatch")
merge=$(sbatch --parsable --dependency=afterok:"$array" --job-name=dsd-merge --output=logs/dsd-merge-%j.log --export=ALL \
  --wrap "${DSD:-dsd} merge ${OUT:-results}/shard-*.json --out ${OUT:-results}/scores.csv")
echo "submitted array $array and its merge $merge"
