"""Corpus quality: pedagogy and diversity metrics, near-duplicates, the report and the dataset card."""
