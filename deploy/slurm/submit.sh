#!/usr/bin/env bash
# Submits the scoring array and a merge that runs only when every shard succeeded.
#   REF=/data/ref DIST=/data/dist deploy/slurm/submit.sh [sbatch options for the array, e.g. --array=0-31]
set -euo pipefail
here=$(dirname "$0")
mkdir -p logs
array=$(sbatch --parsable --export=ALL "$@" "$here/score-array.sbatch")
sbatch --dependency=afterok:"$array" --job-name=dsd-merge --output=logs/dsd-merge-%j.log --export=ALL \
  --wrap "${DSD:-dsd} merge ${OUT:-results}/shard-*.json --out ${OUT:-results}/scores.csv"
echo "submitted array $array and its merge"
