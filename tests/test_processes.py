"""The forkserver of a `generate` run starts as soon as the run's settings say it will fork processes, with
the modules those processes need, and not for a run that stays in one process."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_scale_crash import descendants

from tutorforge.dialogues.config import GenerateConfig
from tutorforge.dialogues.processes import generation_preload, process_count
from tutorforge.llm.ratelimit import RateLimit

MODELS = {"teacher": "m", "student": "m", "critic": "m"}


def _llm(**kw) -> GenerateConfig:
    return GenerateConfig(**{"backend": "openai", "models": MODELS, "n": 1000, "concurrency": 100, **kw})


@pytest.mark.parametrize(
    "config",
    [
        _llm(workers=2),
        _llm(workers=2, backend="anthropic"),
        _llm(workers=1),
        _llm(workers=2, concurrency=40),
        _llm(workers=2, n=50),
        _llm(workers=2, rate_limits={"m": RateLimit(requests_per_minute=100)}),
    ],
    ids=["two-processes", "anthropic", "one-worker", "low-concurrency", "short-run", "tight-limit"],
)
def test_llm_runs_preload_exactly_when_they_will_fork(config):
    preload = generation_preload(config)
    assert bool(preload) == (process_count(config, config.n) > 1)
    if preload:
        assert preload == ["tutorforge.dialogues.llm_batch", f"tutorforge.llm.{config.backend}_backend"]


def test_offline_runs_preload_the_worker_module_when_large_enough():
    assert generation_preload(GenerateConfig(n=200, workers=2)) == ["tutorforge.dialogues.batch"]
    assert generation_preload(GenerateConfig(n=20, workers=2)) == []
    assert generation_preload(GenerateConfig(n=200, workers=1)) == []


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
@pytest.mark.parametrize(("workers", "started"), [(2, True), (1, False)])
def test_start_early_starts_the_forkserver_with_the_preload(workers: int, started: bool):
    script = (
        "import sys, time\n"
        "from tutorforge.dialogues.config import GenerateConfig\n"
        "from tutorforge.dialogues.processes import start_early\n"
        f"start_early(GenerateConfig(backend='openai', n=1000, concurrency=100, workers={workers}))\n"
        "print('started', flush=True)\n"
        "sys.stdin.read()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "started"
        deadline = time.monotonic() + 10
        commands: list[str] = []
        while time.monotonic() < deadline:
            commands = []
            for pid in descendants(proc.pid):
                try:
                    commands.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode())
                except OSError:
                    continue
            if not started or any("forkserver" in c for c in commands):
                break
            time.sleep(0.05)
        servers = [c for c in commands if "forkserver" in c]
        if started:
            assert len(servers) == 1
            assert "tutorforge.dialogues.llm_batch" in servers[0]
            assert "tutorforge.llm.openai_backend" in servers[0]
        else:
            assert servers == []
    finally:
        proc.stdin.close()
        proc.wait(10)


def test_settle_gc_freezes_start_up_and_collects_the_young_less_often():
    script = (
        "import gc\n"
        "from tutorforge.dialogues.processes import GC_YOUNG_THRESHOLD, settle_gc\n"
        "before = (gc.get_threshold(), gc.get_freeze_count())\n"
        "settle_gc()\n"
        "print(before[0][0], before[1], gc.get_threshold()[0], gc.get_freeze_count(), GC_YOUNG_THRESHOLD)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    young_before, frozen_before, young_after, frozen_after, goal = map(int, out.split())
    assert (young_before, frozen_before) == (700, 0)  # Python's defaults
    assert young_after == goal > young_before
    assert frozen_after > 10_000  # the modules' objects, out of every full collection
