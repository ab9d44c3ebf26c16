"""A whole `generate` batch: resume from the store, run what is missing, save as dialogues finish.

Offline (scripted) runs use one process per core; LLM runs keep many dialogues in flight on an event loop
per process (`llm_batch`). Each save is one transaction, so a crash or Ctrl-C loses at most the
dialogues in flight, and rerunning the same command generates exactly the missing ones.
"""

from __future__ import annotations

import asyncio
import os
import signal
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tutorforge import __version__
from tutorforge.dialogues.agents import Agents
from tutorforge.dialogues.config import GenerateConfig
from tutorforge.dialogues.processes import MIN_FOR_PROCESSES, forkserver_context, worker_count
from tutorforge.dialogues.runner import DialogueFactory
from tutorforge.dialogues.shard import shard_of
from tutorforge.personas.loader import OverrideWarning, load_registry
from tutorforge.storage.record import DialogueRecord
from tutorforge.storage.store import Store
from tutorforge.subjects.discovery import PATH_ENV

OnSaved = Callable[[Sequence[DialogueRecord]], None]

_CHUNK = 16


@dataclass
class BatchPlan:
    run_id: str
    total: int
    already_done: int
    todo: list[int]


def plan_batch(config: GenerateConfig, store: Store) -> BatchPlan:
    """Record the run and list the indices still to generate (of the config's shard, if it names one)."""
    from tutorforge.verifiers import VERIFIER_VERSION

    run_id = config.run_id()
    store.ensure_run(
        run_id, config.identity(), config.seed, {"tutorforge": __version__, "verifier": VERIFIER_VERSION}
    )
    done = store.done_indices(run_id)
    mine = shard_of(config.shard).indices(config.n)
    todo = [i for i in mine if i not in done]
    return BatchPlan(run_id, len(mine), len(mine) - len(todo), todo)


def make_agents(config: GenerateConfig, cache_path: str | None = None) -> Agents:
    """The agents of the configured backend; LLM agents keep their response cache in `cache_path`."""
    if config.backend == "scripted":
        from tutorforge.llm.scripted import ScriptedAgents

        return ScriptedAgents()
    from tutorforge.llm.agents import build_llm_agents

    return build_llm_agents(config, cache_path)


def run_batch(config: GenerateConfig, store: Store, plan: BatchPlan, on_saved: OnSaved) -> int:
    """Generate every index in `plan.todo`, saving as they finish. Returns how many were not started
    because the cost budget (`max_cost`) was spent."""
    if not plan.todo:
        return 0
    if config.backend != "scripted":
        from tutorforge.dialogues.llm_batch import run_llm_batch

        return run_llm_batch(config, store, plan.todo, on_saved)
    workers = worker_count(config)
    if workers > 1 and len(plan.todo) >= MIN_FOR_PROCESSES:
        _run_processes(config, store, plan.todo, on_saved, workers)
    else:
        asyncio.run(_run_scripted(config, store, plan.todo, on_saved))
    return 0


async def _run_scripted(config: GenerateConfig, store: Store, todo: list[int], on_saved: OnSaved) -> None:
    factory = DialogueFactory(config, load_registry(config.personas_dirs), make_agents(config))
    for start in range(0, len(todo), _CHUNK):
        records = await factory.run_many(todo[start : start + _CHUNK])
        store.save_dialogues(records)
        on_saved(records)


# --- worker processes (scripted backend) ---

_factory: DialogueFactory | None = None
_loop: asyncio.AbstractEventLoop | None = None


def _init_worker(config_json: str, plugin_path: str) -> None:
    global _factory, _loop
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    warnings.simplefilter("ignore", OverrideWarning)  # the parent reported the clashes once
    config = GenerateConfig.model_validate_json(config_json)
    registry = load_registry(config.personas_dirs, path_env=plugin_path)  # the parent's plug-ins
    _factory = DialogueFactory(config, registry, make_agents(config))
    _loop = asyncio.new_event_loop()


def _run_chunk(indices: list[int]) -> list[DialogueRecord]:
    return _loop.run_until_complete(_factory.run_many(indices))


def _run_processes(
    config: GenerateConfig, store: Store, todo: list[int], on_saved: OnSaved, workers: int
) -> None:
    # Fail on bad input (a persona file, a name, a family) here, not in every worker.
    DialogueFactory(config, load_registry(config.personas_dirs), make_agents(config))
    ctx = forkserver_context("tutorforge.dialogues.batch")
    chunks = [todo[i : i + _CHUNK] for i in range(0, len(todo), _CHUNK)]
    initargs = (config.model_dump_json(), os.environ.get(PATH_ENV, ""))
    pool = ctx.Pool(workers, initializer=_init_worker, initargs=initargs)
    try:
        # Chunks come back as they finish; only the parent writes, one transaction per chunk.
        for records in pool.imap_unordered(_run_chunk, chunks):
            store.save_dialogues(records)
            on_saved(records)
        pool.close()
    except BaseException:
        pool.terminate()  # Ctrl-C or a failure: drop the chunks in flight, keep what is saved
        raise
    finally:
        pool.join()
