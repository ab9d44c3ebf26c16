"""A lazy pool of killable worker processes for symbolic checks.

Workers are plain subprocesses speaking JSON lines over pipes, so the pool also works inside a
daemonic multiprocessing worker (which may not start multiprocessing children) and after a fork
(a process that finds a pool started by its parent starts its own). A request that overruns its
timeout gets its worker killed; the next request starts a fresh one."""

from __future__ import annotations

import atexit
import json
import os
import queue
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

from tutorforge.verifiers.limits import WORKER_STARTUP_TIMEOUT

_MAX_REPLY = 1 << 20


class WorkerUnavailable(Exception):
    """A worker could not be started or died."""


class _Worker:
    def __init__(self) -> None:
        root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tutorforge.verifiers.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=root,
        )
        self._buf = b""
        try:
            ready = self._read_line(time.monotonic() + WORKER_STARTUP_TIMEOUT)
            started = ready is not None and json.loads(ready).get("ready") is True
        except (WorkerUnavailable, ValueError, AttributeError):
            started = False
        if not started:
            self.kill()
            raise WorkerUnavailable("worker did not start")

    def _read_line(self, deadline: float) -> bytes | None:
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            readable, _, _ = select.select([fd], [], [], remaining)
            if not readable:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                raise WorkerUnavailable("worker exited")
            self._buf += chunk
            if len(self._buf) > _MAX_REPLY:
                raise WorkerUnavailable("reply too large")
        line, _, self._buf = self._buf.partition(b"\n")
        return line

    def request(self, message: dict, timeout: float) -> dict | None:
        """The worker's reply, or None on timeout (the caller then kills this worker)."""
        try:
            self.proc.stdin.write(json.dumps(message).encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise WorkerUnavailable("worker pipe closed") from exc
        line = self._read_line(time.monotonic() + timeout)
        return None if line is None else json.loads(line)

    def kill(self) -> None:
        try:
            self.proc.kill()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass


class WorkerPool:
    """Up to `size` workers, started on first use, each serving one request at a time."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.pid = os.getpid()
        self._slots = threading.BoundedSemaphore(size)
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._live: set[_Worker] = set()
        self.timeouts = 0
        self.started = 0

    def call(self, op: str, payload: dict, timeout: float) -> dict | None:
        """Run `op` in a worker; None when it overran `timeout` (its worker is killed) or no worker ran."""
        # waiting for a slot is bounded too: by other claims' timeouts and a worker start-up
        if not self._slots.acquire(timeout=WORKER_STARTUP_TIMEOUT + 4 * timeout):
            return None
        try:
            worker = self._take()
            try:
                reply = worker.request({"op": op, **payload}, timeout)
            except (WorkerUnavailable, ValueError):
                self._discard(worker)
                return None
            if reply is None:
                self.timeouts += 1
                self._discard(worker)
                return None
            self._idle.put(worker)
            return reply
        except WorkerUnavailable:
            return None
        finally:
            self._slots.release()

    def _take(self) -> _Worker:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        try:
            worker = _Worker()
        except OSError as exc:
            raise WorkerUnavailable("cannot start a worker") from exc
        with self._lock:
            self._live.add(worker)
            self.started += 1
        return worker

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._live.discard(worker)

    def close(self) -> None:
        with self._lock:
            workers, self._live = list(self._live), set()
        for w in workers:
            w.kill()


_pool: WorkerPool | None = None
_pool_lock = threading.Lock()


def get_pool() -> WorkerPool:
    """This process's pool (a forked child gets its own, never its parent's workers)."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool.pid != os.getpid():
            size = int(os.environ.get("TUTORFORGE_VERIFY_WORKERS", "2"))
            _pool = WorkerPool(max(1, size))
        return _pool


def close_pool() -> None:
    """Kill this process's workers, if any were started. Safe to call twice."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None and pool.pid == os.getpid():
        pool.close()


atexit.register(close_pool)
