"""Smoke test: the real app in a real terminal (tmux) approves one dialogue and quits."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import review_corpus

from tutorforge.storage.store import Store

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def wait_for(check: Callable[[], bool], seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def test_approve_one_dialogue_in_a_real_terminal(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    ids = review_corpus.build(db)
    first = ids["queue"][0]
    socket = f"tutorforge-test-{tmp_path.name}"
    tmux = ["tmux", "-L", socket]
    command = f"cd {REPO} && exec {sys.executable} -m tutorforge.cli review --db {db} --reviewer smoke"
    subprocess.run([*tmux, "new-session", "-d", "-s", "review", "-x", "140", "-y", "45", command], check=True)

    def screen() -> str:
        out = subprocess.run([*tmux, "capture-pane", "-p", "-t", "review"], capture_output=True, text=True)
        return out.stdout

    def decided() -> list[tuple]:
        with Store.open(db, create=False) as store:
            return store.conn.execute("SELECT dialogue_id, reviewer, decision FROM reviews").fetchall()

    def leases() -> list[tuple]:
        with Store.open(db, create=False) as store:
            return store.conn.execute("SELECT dialogue_id FROM review_leases").fetchall()

    def running() -> bool:
        return subprocess.run([*tmux, "has-session", "-t", "review"], capture_output=True).returncode == 0

    try:
        assert wait_for(lambda: first in screen() and "held by you" in screen()), screen()
        subprocess.run([*tmux, "send-keys", "-t", "review", "a"], check=True)
        assert wait_for(lambda: bool(decided())), screen()
        assert wait_for(lambda: leases() == [(ids["queue"][1],)])  # the next dialogue is on screen
        subprocess.run([*tmux, "send-keys", "-t", "review", "q"], check=True)
        assert wait_for(lambda: not running()), screen()
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
    assert decided() == [(first, "smoke", "approved")]
    assert leases() == []  # quitting gave the lease back


def test_a_crash_of_the_app_exits_non_zero(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    ids = review_corpus.build(db)
    status = tmp_path / "status"
    socket = f"tutorforge-crash-{tmp_path.name}"
    tmux = ["tmux", "-L", socket]
    command = (
        f"cd {REPO} && {sys.executable} -m tutorforge.cli review --db {db} --reviewer smoke;"
        f" echo $? > {status}; sleep 60"
    )
    subprocess.run([*tmux, "new-session", "-d", "-s", "review", "-x", "140", "-y", "45", command], check=True)

    def screen() -> str:
        out = subprocess.run([*tmux, "capture-pane", "-p", "-t", "review"], capture_output=True, text=True)
        return out.stdout

    try:
        assert wait_for(lambda: ids["queue"][0] in screen() and "held by you" in screen()), screen()
        with Store.open(db, create=False) as store:  # the database changes under the app: it fails
            store.conn.execute("DROP TABLE reviews")
        subprocess.run([*tmux, "send-keys", "-t", "review", "a"], check=True)
        assert wait_for(lambda: status.exists() and status.read_text().strip() != ""), screen()
        assert wait_for(lambda: "stopped on an error" in screen()), screen()
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
    assert status.read_text().strip() == "1"
