#!/usr/bin/env bash
# Merge the shard databases of a run (scripts/run_shard.sh) into one corpus, then report and export it.
#
#   scripts/run_merge.sh shards/ corpus.db [corpus.jsonl]
#
# Merging is idempotent: run it again after more shards finish and only the new dialogues are added.
set -euo pipefail
in_dir=${1:?usage: run_merge.sh SHARD_DIR OUT.db [OUT.jsonl]}
db=${2:?usage: run_merge.sh SHARD_DIR OUT.db [OUT.jsonl]}
out=${3:-${db%.db}.jsonl}
shopt -s nullglob
shards=("$in_dir"/shard-*.db)
if (( ${#shards[@]} == 0 )); then
  echo "run_merge.sh: no shard-*.db in $in_dir" >&2
  exit 2
fi
tutorforge merge "${shards[@]}" --db "$db"
tutorforge report --db "$db" --out "${db%.db}-report.html"
tutorforge export --db "$db" --format "${FORMAT:-openai}" --out "$out"
