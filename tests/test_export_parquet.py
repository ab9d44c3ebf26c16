"""`export --format parquet`: an explicit schema, the same records as the JSONL export through `datasets`
and pandas, an atomic write (the refused targets are tested with the JSONL writer's, in test_export)."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from factories import make_record, run_cli

from tutorforge.errors import RuntimeFailure
from tutorforge.export.parquet_file import SCHEMA, AtomicParquet, read_records
from tutorforge.export.writer import export
from tutorforge.storage.store import Store

datasets.disable_progress_bars()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Dialogues of every shape (flagged, labelled, revised, edited by a reviewer), of two runs."""
    path = tmp_path / "corpus.db"
    with Store.open(path) as store:
        store.ensure_run("run-a", {"n": 6, "seed": 7}, 7, {"tutorforge": "0.0.9", "verifier": "v-test"})
        store.ensure_run("run-b", {"n": 2}, 2, {})
        store.save_dialogues(
            [
                make_record(0, teacher="socratic-teacher"),
                make_record(1, flagged=True, labelled=True, calls=2),
                make_record(2, revised=True, extra_turns=1),
                make_record(3, review_status="pending", flagged=True),
                make_record(4, review_status="rejected"),
                make_record(0, run_id="run-b", labelled=True),
            ]
        )
    return path


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_parquet_has_the_explicit_schema_and_the_jsonl_records(db: Path, tmp_path: Path) -> None:
    with Store.open(db, create=False) as store:
        n_json = export(store, "openai", tmp_path / "c.jsonl", "all")
        n_parquet = export(store, "parquet", tmp_path / "c.parquet", "all")
    expected = _jsonl(tmp_path / "c.jsonl")
    assert n_parquet == n_json == len(expected) == 6
    schema = pq.read_schema(tmp_path / "c.parquet")
    assert schema.equals(SCHEMA)
    messages = schema.field("messages").type
    assert pa.types.is_list(messages) and pa.types.is_struct(messages.value_type)
    assert [f.name for f in messages.value_type] == ["role", "content"]
    assert pa.types.is_struct(schema.field("metadata").type)
    assert read_records(tmp_path / "c.parquet") == expected
    # the planted variety made it through: labels, flags, reviewers' reasons
    assert any(r["metadata"]["generator_labels"] for r in expected)
    assert any(m["move"] for r in expected for m in r["metadata"]["moves"])  # teacher moves too
    assert any(r["metadata"]["verdict_summary"]["flags"] for r in expected)

    ds = datasets.load_dataset(
        "parquet", data_files=str(tmp_path / "c.parquet"), split="train", cache_dir=str(tmp_path / "cache")
    )
    assert ds.to_list() == expected

    frame = pd.read_parquet(tmp_path / "c.parquet")
    assert list(frame.columns) == ["messages", "metadata"]
    first = frame.iloc[0]
    assert [dict(m) for m in first["messages"]] == expected[0]["messages"]
    assert first["metadata"]["dialogue_id"] == expected[0]["metadata"]["dialogue_id"]


def test_an_empty_export_is_a_file_with_the_schema(tmp_path: Path) -> None:
    with Store.open(tmp_path / "empty.db") as store:
        assert export(store, "parquet", tmp_path / "e.parquet") == 0
    table = pq.read_table(tmp_path / "e.parquet")
    assert table.num_rows == 0 and table.schema.equals(SCHEMA)


def test_a_failed_export_leaves_the_old_file_and_no_temp_file(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "keep.parquet"
    out.write_bytes(b"old contents")
    with Store.open(db, create=False) as store:
        store.conn.execute("UPDATE turns SET work_json = '{' WHERE dialogue_id = 'run-b-0000000'")
        with pytest.raises(RuntimeFailure, match="unreadable dialogue"):
            export(store, "parquet", out)
    assert out.read_bytes() == b"old contents"
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("corpus.db")) == [
        "keep.parquet"
    ]


def test_a_record_off_the_schema_is_refused_not_cut(tmp_path: Path) -> None:
    out = tmp_path / "x.parquet"
    with pytest.raises(ValueError, match="surprise"), AtomicParquet(out) as sink:
        sink.write({"messages": [], "metadata": {}, "surprise": 1})
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_cli_exports_parquet(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli.parquet"
    code, _, err = run_cli("export", "--db", str(db), "--format", "parquet", "--out", str(out), "--no-card")
    assert code == 0 and "4 records" in err, err
    assert [r["metadata"]["dialogue_id"] for r in read_records(out)] == [
        "run-a-0000000",
        "run-a-0000001",
        "run-a-0000002",
        "run-b-0000000",
    ]
