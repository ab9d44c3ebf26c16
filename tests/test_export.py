"""Export from a real SQLite store: every format's shape, provenance, atomic writes, `datasets` loading."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import datasets
import pytest
from factories import make_record, run_cli

from tutorforge import __version__
from tutorforge.errors import BadInput, RuntimeFailure
from tutorforge.export.jsonl_file import AtomicJsonl
from tutorforge.export.writer import FORMATS, PARQUET, export
from tutorforge.storage.store import Store
from tutorforge.verifiers import VERIFIER_VERSION

datasets.disable_progress_bars()

METADATA_KEYS = {
    "moves",
    "student_name",
    "misconception",
    "opening",
    "dialogue_id",
    "run_id",
    "index",
    "problem_id",
    "problem_source",
    "family",
    "subject",
    "difficulty",
    "personas",
    "backend",
    "models",
    "seed",
    "verifier_version",
    "verdict_summary",
    "status",
    "end_reason",
    "n_turns",
    "review_status",
    "review_reasons",
    "reviewer",
    "edited",
    "generator_labels",
    "tutorforge_version",
    "run_config",
}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A corpus: approved dialogues of several shapes, one pending, one rejected, one failed, one review."""
    path = tmp_path / "corpus.db"
    with Store.open(path) as store:
        store.ensure_run("run-a", {"n": 6}, 7, {"tutorforge": "0.0.9", "verifier": "v-test"})
        store.save_dialogues(
            [
                make_record(0, teacher="socratic-teacher"),
                make_record(1, flagged=True, labelled=True, calls=2),
                make_record(2, revised=True, extra_turns=1),
                make_record(3, review_status="pending", flagged=True),
                make_record(4, review_status="rejected"),
                make_record(5, status="failed", review_status="pending"),
            ]
        )
        with store.transaction() as conn:
            conn.execute(
                "INSERT INTO reviews (dialogue_id, reviewer, decided_at, decision) VALUES (?,?,?,?)",
                ("run-a-0000001", "ana", 5.0, "approved"),
            )
    return path


def export_to(db: Path, fmt: str, out: Path, include: str = "approved") -> list[dict]:
    with Store.open(db, create=False) as store:
        n = export(store, fmt, out, include)
    rows = read_jsonl(out)
    assert n == len(rows)
    return rows


def test_openai_messages_map_roles_and_carry_the_problem(db: Path, tmp_path: Path) -> None:
    rows = export_to(db, "openai", tmp_path / "o.jsonl")
    originals = {
        r.dialogue_id: r for r in (make_record(0, teacher="socratic-teacher"), make_record(1, flagged=True))
    }
    assert [r["metadata"]["index"] for r in rows] == [0, 1, 2]
    for row in rows:
        assert set(row) == {"messages", "metadata"}
        system, *rest = row["messages"]
        assert system["role"] == "system" and "math tutor" in system["content"]
        original = originals.get(row["metadata"]["dialogue_id"])
        if original:
            assert original.problem.statement in system["content"]
            expected = [("assistant" if t.role == "teacher" else "user", t.text) for t in original.turns]
            assert [(m["role"], m["content"]) for m in rest] == expected
    assert rows[0]["messages"][0]["content"].startswith(
        "You are Ms. Rivera, a math tutor"
    )  # built-in persona
    assert "Ms. Rivera" not in rows[1]["messages"][0]["content"]  # unknown persona: generic tutor


def test_trl_is_conversational_messages(db: Path, tmp_path: Path) -> None:
    trl = export_to(db, "trl", tmp_path / "t.jsonl")
    openai = export_to(db, "openai", tmp_path / "o.jsonl")
    assert all("prompt" not in row and [m["role"] for m in row["messages"]][0] == "system" for row in trl)
    assert [row["messages"] for row in trl] == [row["messages"] for row in openai]


def test_sharegpt_uses_from_and_value(db: Path, tmp_path: Path) -> None:
    rows = export_to(db, "sharegpt", tmp_path / "s.jsonl")
    openai = export_to(db, "openai", tmp_path / "o.jsonl")
    names = {"system": "system", "user": "human", "assistant": "gpt"}
    for row, chat in zip(rows, openai, strict=True):
        assert [(c["from"], c["value"]) for c in row["conversations"]] == [
            (names[m["role"]], m["content"]) for m in chat["messages"]
        ]


def test_raw_has_everything(db: Path, tmp_path: Path) -> None:
    rows = {r["metadata"]["index"]: r for r in export_to(db, "raw", tmp_path / "r.jsonl")}
    revised, flagged = make_record(2, revised=True, extra_turns=1), make_record(1, flagged=True, calls=2)
    problem = rows[2]["problem"]
    assert problem["answer"] == revised.problem.answer and problem["statement"] == revised.problem.statement
    assert [s["claim"] for s in problem["steps"]] == [s.claim for s in revised.problem.steps]
    assert problem["steps"][0]["variants"][0]["misconception"] == "add_as_subtract"
    turn = rows[2]["turns"][2]
    assert set(turn) == {
        "index", "role", "text", "act", "move", "target", "verdict", "drafts", "critic", "work_json"
    }  # fmt: skip
    assert turn["move"] == "probing" and rows[2]["turns"][1]["move"] == ""  # teacher turns carry their move
    assert rows[1]["turns"][2]["target"] == "false_arithmetic"
    assert turn["drafts"][0]["text"] == revised.turns[2].drafts[0].text
    assert turn["drafts"][0]["verdict"]["flags"][0]["kind"] == "affirms_wrong_answer"
    assert turn["drafts"][0]["critic"]["verdict"] == "revise"
    assert turn["critic"]["scores"] == [{"name": "helpful", "value": "yes"}]
    flag = rows[1]["turns"][1]["verdict"]["flags"][0]
    assert flag == flagged.turns[1].verdict.flags[0].to_dict()
    assert [c["response_id"] for c in rows[1]["llm_calls"]] == ["resp-1-0", "resp-1-1"]
    assert rows[1]["review"]["reviewer"] == "ana" and rows[2]["review"]["reviewer"] == ""
    assert json.loads(rows[1]["turns"][1]["work_json"]) == flagged.turns[1].work


def test_metadata_carries_provenance(db: Path, tmp_path: Path) -> None:
    rows = {r["metadata"]["index"]: r["metadata"] for r in export_to(db, "openai", tmp_path / "o.jsonl")}
    for meta in rows.values():
        assert set(meta) == METADATA_KEYS
        assert set(meta["models"]) == {"teacher", "student", "critic"}
        assert meta["verifier_version"] == "v-test"  # what the run recorded, not today's verifier
        assert meta["tutorforge_version"] == "0.0.9"
    one = rows[1]
    assert one["personas"]["student"] == {"name": "careful", "version": "2"}
    assert [m["move"] for m in one["moves"]] == ["", "probing", "", ""]  # every teacher turn, in order
    assert one["moves"][1] == {"turn_index": 2, "move": "probing", "target": "false_arithmetic"}
    assert one["reviewer"] == "ana" and one["review_reasons"] == ["student_error"]
    assert one["generator_labels"] == [label.to_dict() for label in make_record(1, labelled=True).labels]
    assert one["verdict_summary"]["turns"]["error"] == 1
    assert one["verdict_summary"]["flags"] == [{"kind": "false_arithmetic", "count": 1}]
    assert rows[0]["reviewer"] == "" and rows[0]["generator_labels"] == []


def test_versions_fall_back_to_the_running_ones(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db") as store:
        store.ensure_run("run-a", {}, 1, {})
        store.save_dialogues([make_record(0)])
        export(store, "openai", tmp_path / "o.jsonl")
    (row,) = read_jsonl(tmp_path / "o.jsonl")
    assert row["metadata"]["verifier_version"] == VERIFIER_VERSION
    assert row["metadata"]["tutorforge_version"] == __version__


def test_approved_only_by_default_all_on_request(db: Path, tmp_path: Path) -> None:
    approved = export_to(db, "openai", tmp_path / "a.jsonl")
    everything = export_to(db, "openai", tmp_path / "b.jsonl", include="all")
    assert {r["metadata"]["review_status"] for r in approved} == {"approved"}
    assert [r["metadata"]["index"] for r in everything] == [0, 1, 2, 3, 4, 5]
    assert {r["metadata"]["status"] for r in everything} == {"complete", "failed"}


def test_dpo_pairs_come_from_critic_revisions(db: Path, tmp_path: Path) -> None:
    rows = export_to(db, "dpo", tmp_path / "d.jsonl")
    revised = make_record(2, revised=True)
    (pair,) = rows
    assert pair["chosen"] == [{"role": "assistant", "content": revised.turns[2].text}]
    assert pair["rejected"] == [{"role": "assistant", "content": revised.turns[2].drafts[0].text}]
    assert [m["content"] for m in pair["prompt"][1:]] == [t.text for t in revised.turns[:2]]
    assert pair["metadata"]["pair"]["turn_index"] == 2


def test_export_of_one_run(db: Path, tmp_path: Path) -> None:
    with Store.open(db) as store:
        store.ensure_run("run-b", {}, 1, {})
        store.save_dialogues([make_record(0, run_id="run-b")])
        assert export(store, "raw", tmp_path / "b.jsonl", run_id="run-b") == 1
        assert export(store, "raw", tmp_path / "all.jsonl") == 4
    assert read_jsonl(tmp_path / "b.jsonl")[0]["metadata"]["run_id"] == "run-b"


def test_a_failed_export_leaves_the_old_file(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "keep.jsonl"
    out.write_text("old contents\n")
    with Store.open(db) as store:
        store.ensure_run("run-c", {}, 1, {})
        store.save_dialogues([make_record(i, run_id="run-c") for i in range(600)])  # pages beyond the first
        store.conn.execute("UPDATE turns SET work_json = '{' WHERE dialogue_id = 'run-c-0000590'")
        with pytest.raises(RuntimeFailure, match="unreadable dialogue"):
            export(store, "openai", out)
        with pytest.raises(BadInput, match="--format"):
            export(store, "csv", out)
    assert out.read_text() == "old contents\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.db", "keep.jsonl"]  # no temp file left


@pytest.mark.parametrize("fmt", ["openai", "parquet"])
def test_unusable_out_paths_are_bad_input(db: Path, tmp_path: Path, fmt: str) -> None:
    with Store.open(db) as store:
        for out, message in [
            (tmp_path / "missing" / "o.jsonl", "does not exist"),
            (tmp_path, "is a directory"),
            (db, "the database itself"),
        ]:
            with pytest.raises(BadInput, match=message):
                export(store, fmt, out)
    assert Store.open(db).counts()["dialogues"] == 6


def test_late_fields_move_to_the_front(tmp_path: Path) -> None:
    out = tmp_path / "f.jsonl"
    records = [{"i": i, "tags": [], "seed": None} for i in range(50)]
    records[30]["tags"] = ["x"]
    records[40]["seed"] = 3
    records[45]["tags"] = ["y"]  # a field already seen: stays in place
    with AtomicJsonl(out, head_bytes=200) as sink:
        for r in records:
            sink.write(r)
    order = [r["i"] for r in read_jsonl(out)]
    assert order[:3] == [0, 30, 40]  # the first to fill i, tags and seed
    assert order[3:] == [i for i in range(1, 50) if i not in (30, 40)]


def test_nothing_moves_when_the_head_shows_every_field(tmp_path: Path) -> None:
    out = tmp_path / "f.jsonl"
    records = [{"i": i, "tags": ["x"] if i == 2 else []} for i in range(50)]
    with AtomicJsonl(out, head_bytes=200) as sink:
        for r in records:
            sink.write(r)
    assert read_jsonl(out) == records


CHUNK = 16384


@pytest.mark.parametrize("fmt", sorted(set(FORMATS) - PARQUET))
def test_every_format_loads_with_datasets(fmt: str, tmp_path: Path) -> None:
    """Fields empty in the first chunk and filled later, read in chunks of a few records (the three
    records moved to the front fit in one)."""
    db = tmp_path / "c.db"
    records = [make_record(i) for i in range(30)]
    late = make_record(30, flagged=True, labelled=True, revised=True, calls=2)
    late.problem = late.problem.model_copy(update={"unknowns": ["x"]})
    records[0].problem = records[0].problem.model_copy(update={"seed": None, "steps": []})
    with Store.open(db) as store:
        store.ensure_run("run-a", {}, 1, {})
        store.save_dialogues([*records, late])
        export(store, fmt, tmp_path / "front.jsonl", head_bytes=CHUNK)
        export(store, fmt, tmp_path / "plain.jsonl", head_bytes=1 << 40)
    rows = read_jsonl(tmp_path / "front.jsonl")
    ds = datasets.load_dataset(
        "json",
        data_files=str(tmp_path / "front.jsonl"),
        split="train",
        chunksize=CHUNK,
        cache_dir=str(tmp_path / "cache"),
    )
    assert len(ds) == len(rows) > 0
    assert ds[0]["metadata"]["dialogue_id"] == rows[0]["metadata"]["dialogue_id"]
    assert set(ds.features["metadata"]["models"]) == {"teacher", "student", "critic"}
    assert sorted(r["metadata"]["dialogue_id"] for r in ds) == sorted(
        r["metadata"]["dialogue_id"] for r in rows
    )
    if fmt != "dpo":  # a dpo file holds only the late dialogue's pair
        with pytest.raises(datasets.exceptions.DatasetGenerationError):
            datasets.load_dataset(
                "json",
                data_files=str(tmp_path / "plain.jsonl"),
                split="train",
                chunksize=CHUNK,
                cache_dir=str(tmp_path / "cache-plain"),
            )


def test_cli_export_and_exit_codes(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli.jsonl"
    code, _, err = run_cli("export", "--db", str(db), "--format", "sharegpt", "--out", str(out))
    assert code == 0 and "3 records" in err
    assert len(read_jsonl(out)) == 3
    code, _, _ = run_cli("export", "--db", str(db), "--format", "raw", "--out", str(out), "--include", "all")
    assert code == 0 and len(read_jsonl(out)) == 6
    missing = tmp_path / "nope.db"
    code, _, err = run_cli("export", "--db", str(missing), "--format", "raw", "--out", str(out))
    assert code == 2 and str(missing) in err and not missing.exists()
    code, _, err = run_cli("export", "--db", str(db), "--format", "csv", "--out", str(out))
    assert code == 2 and "--format" in err
    code, _, err = run_cli("export", "--db", str(db), "--format", "raw", "--out", str(out), "--include", "x")
    assert code == 2 and "--include" in err
    assert len(read_jsonl(out)) == 6


def test_console_script_exports(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    cmd = [sys.executable, "-c", "from tutorforge.cli import main; main()"]
    args = ["export", "--db", str(db), "--format", "openai", "--out", str(out)]
    done = subprocess.run([*cmd, *args], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(read_jsonl(out)) == 3
    done = subprocess.run(
        [*cmd, "export", *args[3:]], capture_output=True, text=True, cwd=tmp_path
    )  # default --db
    assert done.returncode == 2 and "tutorforge.db" in done.stderr
    assert not (tmp_path / "tutorforge.db").exists()


def test_system_message_names_the_subject_and_a_teacher_from_the_runs_persona_folder(tmp_path):
    folder = tmp_path / "personas"
    folder.mkdir()
    from tutorforge.personas.loader import dump_toml, load_registry

    mine = (
        load_registry()
        .get("socratic-teacher")
        .model_copy(update={"name": "lab-teacher", "display_name": "Dr. Lab"})
    )
    (folder / "lab-teacher.toml").write_text(dump_toml(mine))
    physics = make_record(0, teacher="lab-teacher")
    physics.problem = physics.problem.model_copy(update={"subject": "physics"})
    path = tmp_path / "c.db"
    with Store.open(path) as store:
        store.ensure_run("run-a", {"n": 1, "personas_dirs": [str(folder)]}, 7, {})
        store.save_dialogues([physics])
        export(store, "openai", tmp_path / "o.jsonl")
    system = json.loads((tmp_path / "o.jsonl").read_text())["messages"][0]["content"]
    assert system.startswith("You are Dr. Lab, a physics tutor")
