"""Two reviewer processes on one database at once: no dialogue decided twice, none lost."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from factories import make_record
from review_corpus import queued, with_teacher_error

from tutorforge.storage.store import Store

REPO = Path(__file__).resolve().parents[1]
N = 240

# Once imported, a process says it is ready and waits for the `go` file (its last argument).
READY_THEN_WAIT = """
import os, sys, time
from pathlib import Path
Path(f"{sys.argv[-1]}-{os.getpid()}").touch()
while not Path(sys.argv[-1]).exists():
    time.sleep(0.002)
sys.argv.pop()
"""
# A reviewer that works through the queue until it is empty.
REVIEWER = (
    """
from tutorforge.storage.store import Store
from tutorforge.review.queue import ReviewSession
"""
    + READY_THEN_WAIT
    + """
db, name = sys.argv[1:]
with Store.open(db, create=False) as store:
    session = ReviewSession(store, name)
    n = 0
    while (dialogue_id := session.claim_next()) is not None:
        if n % 3 == 2:
            session.reject(dialogue_id, "unclear hint")
        else:
            session.approve(dialogue_id)
        print(dialogue_id, flush=True)
        n += 1
        time.sleep(0.005)  # a reviewer's pause between dialogues, so both take part on a loaded machine
"""
)


def corpus(path: Path) -> list[str]:
    records = [queued(with_teacher_error(make_record(i))) for i in range(N)]
    with Store.open(path) as store:
        store.ensure_run("run-a", {}, 7, {})
        store.save_dialogues(records)
    return [r.dialogue_id for r in records]


def start_together(commands: list[list[str]], go: Path) -> list[subprocess.CompletedProcess]:
    procs = [
        subprocess.Popen(c, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]
    deadline = time.monotonic() + 60
    while len(list(go.parent.glob(go.name + "-*"))) < len(procs) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    results = []
    for proc, command in zip(procs, commands, strict=True):
        out, err = proc.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(command, proc.returncode, out, err))
    return results


def decision_rows(path: Path) -> list[tuple[str, str, str]]:
    with Store.open(path, create=False) as store:
        return store.conn.execute(
            "SELECT dialogue_id, reviewer, decision FROM reviews ORDER BY id"
        ).fetchall()


def test_two_reviewers_drain_one_queue(tmp_path: Path) -> None:
    db, go = tmp_path / "c.db", tmp_path / "go"
    ids = corpus(db)
    a, b = start_together([[sys.executable, "-c", REVIEWER, str(db), name, str(go)] for name in "ab"], go)
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    by_a, by_b = a.stdout.split(), b.stdout.split()
    assert by_a and by_b  # both took part
    assert not set(by_a) & set(by_b) and sorted(by_a + by_b) == ids
    rows = decision_rows(db)
    assert sorted(d for d, _, _ in rows) == ids  # exactly one decision per dialogue
    assert {(d, r) for d, r, _ in rows} == {(d, "a") for d in by_a} | {(d, "b") for d in by_b}
    with Store.open(db, create=False) as store:
        left = store.conn.execute("SELECT count(*) FROM dialogues WHERE review_status = 'pending'").fetchone()
        leases = store.conn.execute("SELECT count(*) FROM review_leases").fetchone()
    assert left == (0,) and leases == (0,)


def test_two_scripts_deciding_the_same_dialogues(tmp_path: Path) -> None:
    db, go = tmp_path / "c.db", tmp_path / "go"
    ids = corpus(db)
    script = (
        "from tutorforge.cli import main\nimport tutorforge.review.command\n" + READY_THEN_WAIT + "main()"
    )
    commands = []
    for name, flag in (("a", "--approve"), ("b", "--reject")):
        order = ids if flag == "--approve" else ids[::-1]  # the two meet in the middle
        args = [a for did in order for a in (flag, did)]
        extra = ["--reason", "race"] if flag == "--reject" else []
        commands.append(
            [
                sys.executable,
                "-c",
                script,
                "review",
                "--db",
                str(db),
                "--reviewer",
                name,
                *args,
                *extra,
                str(go),
            ]
        )
    a, b = start_together(commands, go)
    approved = [line.split()[1] for line in a.stdout.splitlines()]
    rejected = [line.split()[1] for line in b.stdout.splitlines()]
    assert sorted(approved + rejected) == sorted(ids) and not set(approved) & set(rejected)
    for result, won in ((a, approved), (b, rejected)):  # the loser of each dialogue is told, exit 1
        assert result.returncode == (1 if len(won) < len(ids) else 0), result.stderr
        assert result.stderr.count("error: dialogue") == len(ids) - len(won)
    rows = decision_rows(db)
    assert sorted(d for d, _, _ in rows) == sorted(ids)
    assert {(d, x) for d, _, x in rows} == {(d, "approved") for d in approved} | {
        (d, "rejected") for d in rejected
    }
