"""A response cache in SQLite, so a resumed or repeated run does not pay twice for the same call.

The key is the sha256 of a canonical JSON of everything that decides a reply: backend, endpoint, model,
messages and parameters (including a per-dialogue sample key, so two dialogues that happen to send the
same prompt still get their own samples). The table `llm_cache` lives in the corpus database by default
(it is created on demand beside the store's tables) or in any SQLite file given.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS llm_cache (
    key TEXT PRIMARY KEY,
    backend TEXT NOT NULL,
    model TEXT NOT NULL,
    reply TEXT NOT NULL,
    created_at REAL NOT NULL
)
"""


def cache_key(parts: dict) -> str:
    """sha256 of the canonical JSON of `parts` (sorted keys, no whitespace, UTF-8)."""
    blob = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


class ResponseCache:
    """Cached replies by key. `enabled=False` (the `--no-cache` switch) neither reads nor writes.

    Writes are kept in memory and committed `FLUSH_EVERY` at a time (and on `close`), so a busy run does
    not pay one SQLite commit per call; a crash loses at most that many entries, never a dialogue.
    """

    FLUSH_EVERY = 64

    def __init__(self, path: str | Path, *, enabled: bool = True) -> None:
        self.path = str(path)
        self.enabled = enabled
        self._lock = threading.Lock()
        self._pending: dict[str, tuple] = {}
        self._conn: sqlite3.Connection | None = None
        if enabled:
            self._conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute(_SCHEMA)

    def get(self, key: str) -> dict | None:
        """The cached reply for `key`, or None."""
        if self._conn is None:
            return None
        with self._lock:
            pending = self._pending.get(key)
            if pending is not None:
                return json.loads(pending[3])
            row = self._conn.execute("SELECT reply FROM llm_cache WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, key: str, backend: str, model: str, reply: dict) -> None:
        """Store a reply (a JSON-able dict) under `key`."""
        if self._conn is None:
            return
        with self._lock:
            self._pending[key] = (key, backend, model, json.dumps(reply), time.time())
            if len(self._pending) >= self.FLUSH_EVERY:
                self._flush()

    def _flush(self) -> None:
        assert self._conn is not None
        with self._conn:
            self._conn.execute("BEGIN")
            self._conn.executemany(
                "INSERT OR REPLACE INTO llm_cache (key, backend, model, reply, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                list(self._pending.values()),
            )
        self._pending.clear()

    def close(self) -> None:
        """Write what is pending and close the connection (the cache is disabled afterwards)."""
        if self._conn is None:
            return
        with self._lock:
            if self._pending:
                self._flush()
            self._conn.close()
            self._conn = None
