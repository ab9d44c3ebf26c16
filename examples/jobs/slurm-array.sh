#!/usr/bin/env bash
# A run as a Slurm job array: each task generates its shard of the run (`--shard auto` reads
# SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT) into its own database, then one merge.
#
#   sbatch --array=1-16 examples/jobs/slurm-array.sh examples/configs/openai-roles.toml shards/
#   tutorforge merge shards/*.db --db corpus.db          # when every task has finished
#
# The run config's rate limits and max_cost are for the whole run: each of the 16 tasks gets a 16th of
# them (add --limits-per-shard to give every task the whole amount). The config's `out` file becomes
# one file per task (corpus.shard-3-of-16.jsonl). A task that dies is resubmitted as is: its shard
# resumes from its own database (sbatch --array=3 ... reruns task 3 alone).
#SBATCH --job-name=tutorforge
#SBATCH --cpus-per-task=2
#SBATCH --output=tutorforge-%A_%a.log
set -euo pipefail
config=${1:?usage: slurm-array.sh RUN.toml OUT_DIR}
out_dir=${2:?usage: slurm-array.sh RUN.toml OUT_DIR}
mkdir -p "$out_dir"
exec tutorforge generate --config "$config" --shard auto \
  --db "$out_dir/shard-${SLURM_ARRAY_TASK_ID:?run with sbatch --array=1-N}.db"
