"""Exports of a fixed seed stay byte-identical: a scripted run (math, then physics) exported in every
format is compared with the files committed in tests/data/golden/. Wall-clock fields (`started_at`,
`finished_at`) are the only bytes that may differ between two runs; they are zeroed before comparing.

A deliberate change of what the generator writes regenerates the files with
`TUTORFORGE_REGEN_GOLDEN=1 pytest tests/test_export_golden.py`; the commit says why they changed.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from pathlib import Path

import pytest
from factories import run_cli

GOLDEN = Path(__file__).parent / "data" / "golden"
ALL_FORMATS = ("openai", "sharegpt", "trl", "raw", "dpo", "parquet")
RUNS = {  # run name: (generate arguments, formats exported); the physics run has no revision pairs
    "math": (("-n", "60", "--seed", "11"), ALL_FORMATS),
    "physics": (("-n", "12", "--seed", "4", "--subject", "physics"), ALL_FORMATS[:4]),
}
_CLOCK = re.compile(rb'"(started_at|finished_at)": [0-9.e+-]+')


def _normalised(data: bytes) -> bytes:
    return _CLOCK.sub(rb'"\1": 0', data)


def _parquet_rows(path: Path) -> bytes:
    import pyarrow.parquet as pq

    rows = pq.read_table(path).to_pylist()
    return "".join(json.dumps(row, sort_keys=True) + "\n" for row in rows).encode()


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("golden")
    produced: dict[str, bytes] = {}
    for name, (args, formats) in RUNS.items():
        db = folder / f"{name}.db"
        code, out, err = run_cli("generate", *args, "--db", str(db))
        assert code == 0, out + err
        for fmt in formats:
            path = folder / f"{name}.{fmt}"
            code, out, err = run_cli(
                "export",
                "--db",
                str(db),
                "--format",
                fmt,
                "--include",
                "all",
                "--no-card",
                "--out",
                str(path),
            )
            assert code == 0, out + err
            data = _parquet_rows(path) if fmt == "parquet" else path.read_bytes()
            produced[f"{name}.{fmt}.jsonl"] = _normalised(data)
    return produced


def test_exports_match_the_committed_files(exports):
    if os.environ.get("TUTORFORGE_REGEN_GOLDEN") == "1":
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for name, data in exports.items():
            (GOLDEN / f"{name}.gz").write_bytes(gzip.compress(data, mtime=0))
    differing = []
    for name, data in exports.items():
        expected = gzip.decompress((GOLDEN / f"{name}.gz").read_bytes())
        if data != expected:
            lines = zip(data.splitlines(), expected.splitlines(), strict=False)
            first = next((i for i, (a, b) in enumerate(lines) if a != b), None)
            differing.append(f"{name} (first differing record: {first})")
    assert not differing, "exports changed: " + ", ".join(differing)


def test_every_format_exported_something(exports):
    # a golden file of nothing would compare equal to an export that silently broke
    empty = [name for name, data in exports.items() if not data.strip()]
    assert not empty, empty
