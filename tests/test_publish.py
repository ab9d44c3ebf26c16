"""`tutorforge publish`: the folder a dataset repository holds (data file and DatasetCard), uploaded with
the real huggingface_hub client to a stub of the Hub's HTTP API on 127.0.0.1 (through HF_ENDPOINT); the
token comes from the environment and is written nowhere; a missing or refused token is bad input."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import datasets
import pytest
import yaml
from factories import make_record, run_cli
from hub_stub import running_hub

from tutorforge.export.parquet_file import read_records
from tutorforge.quality.card import MARKER
from tutorforge.storage.store import Store

datasets.disable_progress_bars()
TOKEN = "hf_test_PUBLISHLEAK_7c1d9e2f4a"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.db"
    with Store.open(path) as store:
        store.ensure_run("run-a", {"n": 4, "seed": 1, "backend": "scripted"}, 1, {"tutorforge": "0.1.0"})
        store.save_dialogues(
            [make_record(0), make_record(1, flagged=True, labelled=True), make_record(2, revised=True)]
        )
    return path


@pytest.fixture
def hub(monkeypatch):
    with running_hub(TOKEN) as running:
        monkeypatch.setenv("HF_ENDPOINT", running.url)
        monkeypatch.setenv("HF_TOKEN", TOKEN)
        yield running


def _front_matter(text: str) -> dict:
    head, _ = text[4:].split("\n---\n", 1)
    return yaml.safe_load(head)


def _files_containing(folder: Path, secret: str) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def test_publish_to_a_folder_writes_data_and_card_without_uploading(db, tmp_path, monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    folder = tmp_path / "pub"
    code, _, err = run_cli("publish", "--db", str(db), "--format", "parquet", "--to", str(folder))
    assert code == 0, err
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "train.parquet"]
    card = (folder / "README.md").read_text(encoding="utf-8")
    meta = _front_matter(card)
    assert meta["configs"][0]["data_files"] == [{"split": "train", "path": "train.parquet"}]
    assert meta["license"] == "cc-by-4.0" and meta["size_categories"] == ["n<1K"]
    assert MARKER in card and 'datasets.load_dataset("parquet"' in card
    assert "| `messages` | list |" in card and "| `metadata` | struct |" in card
    loaded = datasets.load_dataset(str(folder), split="train", cache_dir=str(tmp_path / "cache"))
    assert loaded.to_list() == read_records(folder / "train.parquet") and loaded.num_rows == 3


def test_publish_creates_the_repo_and_uploads_data_and_card(db, tmp_path, hub):
    code, out, err = run_cli("publish", "--db", str(db), "--repo", "tutors/math-dialogues", "--private")
    assert code == 0, err
    assert f"published 3 records to {hub.url}/datasets/tutors/math-dialogues" in err
    assert hub.repos["tutors/math-dialogues"]["type"] == "dataset"
    assert hub.repos["tutors/math-dialogues"]["visibility"] == "private"
    uploaded = hub.files["tutors/math-dialogues"]
    assert sorted(uploaded) == ["README.md", "train.jsonl"]
    records = [json.loads(line) for line in uploaded["train.jsonl"].decode().splitlines()]
    assert [r["metadata"]["index"] for r in records] == [0, 1, 2]
    assert (
        _front_matter(uploaded["README.md"].decode())["configs"][0]["data_files"][0]["path"] == "train.jsonl"
    )
    # the same folder as --to writes
    code, _, err = run_cli("publish", "--db", str(db), "--to", str(tmp_path / "same"))
    assert code == 0, err
    assert (tmp_path / "same" / "train.jsonl").read_bytes() == uploaded["train.jsonl"]
    assert set(hub.authorizations) == {f"Bearer {TOKEN}"}
    assert TOKEN not in out + err and _files_containing(tmp_path, "PUBLISHLEAK") == []


def test_a_missing_token_is_bad_input_before_anything_is_sent(db, tmp_path, hub, monkeypatch):
    monkeypatch.delenv("HF_TOKEN")
    code, _, err = run_cli("publish", "--db", str(db), "--repo", "tutors/x")
    assert code == 2 and "HF_TOKEN" in err and "--to DIR" in err
    assert hub.requests == []


def test_a_refused_token_is_bad_input_and_never_printed(db, tmp_path, hub, monkeypatch):
    wrong = "hf_wrong_REFUSEDLEAK_0000"
    monkeypatch.setenv("HF_TOKEN", wrong)
    code, out, err = run_cli("publish", "--db", str(db), "--repo", "tutors/x")
    assert code == 2 and "refused the token in HF_TOKEN" in err, err
    assert "REFUSEDLEAK" not in out + err and hub.repos == {}
    assert _files_containing(tmp_path, "REFUSEDLEAK") == []


def test_an_unreachable_hub_is_a_runtime_failure_with_the_rerun(db, monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again when the block ends: nothing listens there
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    code, _, err = run_cli("publish", "--db", str(db), "--repo", "tutors/x")
    assert code == 1 and "cannot reach the Hub" in err and "rerun the same publish command" in err


@pytest.mark.parametrize("repo", ["no-slash", "a/b/c", "/name", "owner/", "own er/x", "a/..x"])
def test_a_bad_repo_id_is_bad_input(db, hub, repo):
    code, _, err = run_cli("publish", "--db", str(db), "--repo", repo)
    assert code == 2 and "--repo" in err and hub.requests == []
