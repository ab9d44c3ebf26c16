"""Export: stored dialogues as training records (JSONL, Parquet), written atomically."""
