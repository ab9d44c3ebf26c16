#!/usr/bin/env bash
# One shard of a run, as one task of a cluster array job: each task writes its own database, and
# scripts/run_merge.sh puts them together into the corpus an unsharded run gives.
#
# Slurm (the shard comes from the array task):
#   sbatch --array=1-16 --cpus-per-task=2 scripts/run_shard.sh examples/configs/math-mix.toml shards/
# Anywhere else (the shard given as I/N):
#   SHARD=3/16 scripts/run_shard.sh examples/configs/math-mix.toml shards/
#
# A task that dies is simply run again: its shard resumes from its own database.
#SBATCH --job-name=tutorforge-shard
#SBATCH --output=tutorforge-shard-%A_%a.log
set -euo pipefail
config=${1:?usage: run_shard.sh RUN.toml OUT_DIR [generate flags ...]}
out_dir=${2:?usage: run_shard.sh RUN.toml OUT_DIR [generate flags ...]}
shift 2
if [[ -n "${SHARD:-}" ]]; then
  shard=$SHARD
elif [[ -n "${SLURM_ARRAY_TASK_ID:-}" ]]; then
  # array indices 1..N (sbatch --array=1-N); SLURM_ARRAY_TASK_COUNT is N
  shard="$SLURM_ARRAY_TASK_ID/${SLURM_ARRAY_TASK_COUNT:?run as an array job, or set SHARD=I/N}"
else
  echo "run_shard.sh: set SHARD=I/N or run as an array job (sbatch --array=1-N)" >&2
  exit 2
fi
index=${shard%%/*}
mkdir -p "$out_dir"
tutorforge generate --config "$config" --shard "$shard" --db "$out_dir/shard-$(printf '%05d' "$index").db" "$@"
