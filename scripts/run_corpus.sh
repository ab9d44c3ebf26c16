#!/usr/bin/env bash
# Produce a corpus on one machine from a run config: generate (resumable), the quality report, then the
# export with its dataset card.
#
#   scripts/run_corpus.sh examples/configs/math-mix.toml [more generate flags ...]
#
# The database and output names come from the config (db, out, format) unless DB, OUT or FORMAT are set.
# Rerunning after a crash, Ctrl-C or with a larger n generates only what is missing.
set -euo pipefail
config=${1:?usage: run_corpus.sh RUN.toml [generate flags ...]}
shift
name=$(basename "$config" .toml)
db=${DB:-$name.db}
out=${OUT:-$name.jsonl}
format=${FORMAT:-openai}

tutorforge generate --config "$config" --db "$db" "$@"
tutorforge report --db "$db" --out "$name-report.html"
tutorforge export --db "$db" --format "$format" --out "$out"
tutorforge stats --db "$db"
