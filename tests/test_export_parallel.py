"""A large export written by two processes is the file one process writes: same records, same order,
the same records moved to the front, the same exclusions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from factories import make_record

from tutorforge.export import writer as export_module
from tutorforge.export.writer import FORMATS, PARQUET, export
from tutorforge.storage.store import Store


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Two runs, 150 dialogues each, of several shapes; some pending or rejected; late-filled fields."""
    path = tmp_path_factory.mktemp("parallel") / "corpus.db"
    with Store.open(path) as store:
        for run in ("run-a", "run-b"):
            store.ensure_run(run, {"n": 150}, 3, {"tutorforge": "0.1.0", "verifier": "v"})
            store.save_dialogues(
                [
                    make_record(
                        i,
                        run_id=run,
                        flagged=i % 7 == 3,
                        revised=i % 11 == 5 or i == 140,
                        labelled=run == "run-b" and i > 120,  # labels first appear late in the file
                        calls=2 if i % 13 == 0 else 0,
                        review_status="rejected" if i % 17 == 4 else "approved",
                    )
                    for i in range(150)
                ]
            )
    return path


def _export(db: Path, out: Path, fmt: str, workers: int, **kw) -> tuple[int, bytes]:
    with Store.open(db, create=False) as store:
        n = export(store, fmt, out, workers=workers, **kw)
    return n, out.read_bytes()


@pytest.mark.parametrize("fmt", sorted(set(FORMATS) - PARQUET))
def test_two_processes_write_the_file_one_writes(corpus, tmp_path, monkeypatch, fmt):
    monkeypatch.setattr(export_module, "PARALLEL_MIN", 50)
    one = _export(corpus, tmp_path / "one.jsonl", fmt, 1, include="all", head_bytes=4000)
    two = _export(corpus, tmp_path / "two.jsonl", fmt, 2, include="all", head_bytes=4000)
    assert one == two
    assert one[0] > 0 and not list(tmp_path.glob(".*.tmp"))  # the part file is gone


def test_the_second_half_reports_its_late_fields_and_honours_exclusions(corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(export_module, "PARALLEL_MIN", 50)
    drop = {f"run-b-{i:07d}" for i in range(130, 150)}
    n, data = _export(corpus, tmp_path / "two.jsonl", "openai", 2, head_bytes=4000, exclude=drop)
    rows = [json.loads(line) for line in data.splitlines()]
    ids = [r["metadata"]["dialogue_id"] for r in rows]
    assert n == len(rows) and not drop & set(ids) and len(ids) == len(set(ids))
    # generator labels are first filled in the second half, by the other process: that record is moved
    # to the front, among the few that first fill a field
    _, unmoved = _export(corpus, tmp_path / "plain.jsonl", "openai", 2, head_bytes=1 << 30, exclude=drop)

    def first_labelled(blob: bytes) -> int:
        return next(
            k for k, line in enumerate(blob.splitlines()) if json.loads(line)["metadata"]["generator_labels"]
        )

    assert first_labelled(unmoved) > 200 and first_labelled(data) < 10
    one = _export(corpus, tmp_path / "one.jsonl", "openai", 1, head_bytes=4000, exclude=drop)
    assert one == (n, data)


def test_split_keys_cut_the_selection_into_runs_that_cover_it_once(corpus):
    with Store.open(corpus, create=False) as store:
        keys = store.split_keys("approved", None, 3)
        assert len(keys) == 2 and keys == sorted(keys)
        bounds = [None, *keys, None]
        parts = [
            [r.dialogue_id for page in store.iter_pages("approved", lower=lo, upper=hi) for r in page]
            for lo, hi in zip(bounds, bounds[1:], strict=False)
        ]
        whole = [r.dialogue_id for page in store.iter_pages("approved") for r in page]
        assert [i for part in parts for i in part] == whole
        assert max(len(p) for p in parts) - min(len(p) for p in parts) <= 1
        one_run = store.split_keys("all", "run-b", 2)
        assert one_run == [("run-b", 75)]
        assert store.split_keys("all", "no-such-run", 2) == []
