"""The SQLite store: schema, migrations, every query, merging corpora."""
