"""LLM-backed batches: many dialogues in flight on an event loop, in this process and, when the run is
large enough to be bound by CPU, in helper processes beside it.

One event loop spends about 3 ms of CPU per LLM call (the SDK's HTTP stack, the graph, the verifier), so
it tops out near 330 calls/s, while 100 dialogues waiting 200 ms per call could make 500. With more than
one worker (`workers`, one per core by default) and at least `PROCESS_CONCURRENCY` dialogues in flight
per process, the run adds helper processes. Every process takes the next index from one shared counter,
so the load stays balanced however late a helper starts, and runs its share of the concurrency, of each
rate limit and of the cost budget, so the totals hold. Helpers send each finished dialogue here; this
process is the only writer and saves them `SAVE_EVERY` at a time or every `SAVE_SECONDS`, so a crash or
Ctrl-C loses at most the dialogues in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing as mp
import os
import pickle
import queue as queues
import signal
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from tutorforge.dialogues.config import GenerateConfig
from tutorforge.dialogues.outcome import refused_credentials
from tutorforge.dialogues.processes import forkserver_context, llm_modules, process_count, settle_gc
from tutorforge.dialogues.runner import DialogueFactory
from tutorforge.errors import RuntimeFailure
from tutorforge.personas.loader import OverrideWarning, load_registry
from tutorforge.storage.record import DialogueRecord
from tutorforge.storage.store import Store
from tutorforge.subjects.discovery import PATH_ENV

OnSaved = Callable[[Sequence[DialogueRecord]], None]

SAVE_EVERY = 32
SAVE_SECONDS = 1.0
_MAX_VERIFY_THREADS = 64


def share_of(config: GenerateConfig, parts: int, k: int) -> GenerateConfig:
    """Process `k`'s part of `config`: its slice of the concurrency, of each rate limit and of the budget."""
    if parts == 1:
        return config
    concurrency = config.concurrency // parts + (1 if k < config.concurrency % parts else 0)
    return config.divided(parts).model_copy(update={"concurrency": concurrency})


class _Count:
    """A counter for one process (the shared kind is a `multiprocessing.Value`)."""

    def __init__(self) -> None:
        self.value = 0

    def get_lock(self) -> contextlib.nullcontext:
        return contextlib.nullcontext()


class Cursor:
    """The indices to generate, handed out in order; shared by every process of the run when made with a
    multiprocessing context."""

    def __init__(self, todo: Sequence[int], ctx=None) -> None:
        self.todo = todo
        self._position = _Count() if ctx is None else ctx.Value("q", 0)
        self._stopped = _Count() if ctx is None else ctx.Value("b", 0)

    def take(self) -> int | None:
        """The next index, or None when every one is taken or the run was stopped."""
        with self._position.get_lock():
            position = self._position.value
            if position >= len(self.todo) or self._stopped.value:
                return None
            self._position.value = position + 1
        return self.todo[position]

    def stop(self) -> None:
        """Hand out no more indices, in any process (the server refused our credentials)."""
        with self._position.get_lock():
            self._stopped.value = 1

    def untaken(self) -> int:
        """How many indices no process has started."""
        return max(0, len(self.todo) - self._position.value)


def new_loop() -> asyncio.AbstractEventLoop:
    """uvloop's event loop where it is installed (Linux and macOS), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def run_llm_batch(config: GenerateConfig, store: Store, todo: list[int], on_saved: OnSaved) -> int:
    """Generate every index in `todo` with the configured LLM backend, saving as they finish. Returns how
    many were not started because the cost budget was spent."""
    with asyncio.Runner(loop_factory=new_loop) as runner:
        return runner.run(_run(config, store, todo, on_saved))


async def generate(
    config: GenerateConfig, cache_path: str, cursor: Cursor, emit: Callable[[DialogueRecord], None]
) -> None:
    """Keep up to `config.concurrency` dialogues in flight, taking indices from `cursor` until none is
    left, the budget is spent or the server refused the credentials, and hand each finished dialogue to
    `emit`."""
    from tutorforge.dialogues.batch import make_agents

    agents = make_agents(config, cache_path)
    factory = DialogueFactory(config, load_registry(config.personas_dirs), agents, verify_in_thread=True)
    # The verifier runs in the loop's default executor: give it room for the dialogues in flight.
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(min(config.concurrency, _MAX_VERIFY_THREADS), thread_name_prefix="verify")
    )
    settle_gc()
    in_flight: set[asyncio.Task] = set()
    finished: asyncio.Queue[asyncio.Task] = asyncio.Queue()
    try:
        while True:
            # At most `concurrency` dialogues exist at once, so memory does not grow with the run.
            while len(in_flight) < config.concurrency and not agents.over_budget:
                i = cursor.take()
                if i is None:
                    break
                task = asyncio.create_task(factory.run(i))
                task.add_done_callback(finished.put_nowait)
                in_flight.add(task)
            if not in_flight:
                return
            task = await finished.get()
            in_flight.discard(task)
            record = task.result()
            if refused_credentials(record):
                cursor.stop()
            emit(record)
    finally:
        for t in in_flight:
            t.cancel()
        await agents.aclose()


class _Saver:
    """Saves finished dialogues in batches: the store's only writer."""

    def __init__(self, store: Store, on_saved: OnSaved) -> None:
        self.store, self.on_saved = store, on_saved
        self.buffer: list[DialogueRecord] = []
        self.last = time.monotonic()

    def add(self, record: DialogueRecord) -> None:
        self.buffer.append(record)
        if len(self.buffer) >= SAVE_EVERY or time.monotonic() - self.last > SAVE_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            records, self.buffer = self.buffer, []
            self.store.save_dialogues(records)
            self.on_saved(records)
        self.last = time.monotonic()


async def _run(config: GenerateConfig, store: Store, todo: list[int], on_saved: OnSaved) -> int:
    saver = _Saver(store, on_saved)
    parts = process_count(config, len(todo))
    if parts == 1:
        cursor = Cursor(todo)
        try:
            await generate(config, str(store.path), cursor, saver.add)
        finally:
            saver.flush()
        return cursor.untaken()
    ctx = forkserver_context(*llm_modules(config.backend))
    cursor = Cursor(todo, ctx)
    helpers = _Helpers(ctx, config, str(store.path), cursor, parts)
    loop = asyncio.get_running_loop()
    helpers_done = loop.create_future()

    def deliver(message: tuple) -> None:
        kind, value = message
        if kind == "record":
            saver.add(value)
        elif not helpers_done.done():
            if kind == "error":
                helpers_done.set_exception(value)
            else:
                helpers_done.set_result(None)

    reader = threading.Thread(target=helpers.run, args=(loop, deliver), name="helpers", daemon=True)
    reader.start()
    own = asyncio.create_task(generate(share_of(config, parts, 0), str(store.path), cursor, saver.add))
    try:
        await asyncio.wait({own, helpers_done}, return_when=asyncio.FIRST_EXCEPTION)
        if helpers_done.done() and helpers_done.exception() is not None:
            raise helpers_done.exception()
        await own
        await helpers_done
    finally:
        if not own.done():
            own.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await own
        helpers.stop()
        reader.join(10)
        await asyncio.sleep(0)  # run the deliveries the reader scheduled before it stopped
        for message in helpers.drain():
            if message[0] == "record":
                saver.add(message[1])
        saver.flush()
    return cursor.untaken()


class _Helpers:
    """The helper processes of one run and the thread that reads what they send."""

    def __init__(self, ctx, config: GenerateConfig, cache_path: str, cursor: Cursor, parts: int) -> None:
        self.queue = ctx.Queue()
        self.stopping = threading.Event()
        plugin_path = os.environ.get(PATH_ENV, "")
        self.processes = []
        for k in range(1, parts):
            share = share_of(config, parts, k).model_dump_json()
            args = (share, plugin_path, cache_path, cursor, self.queue, k)
            name = f"tutorforge-generate-{k}"
            self.processes.append(ctx.Process(target=_helper, args=args, name=name, daemon=True))

    def run(self, loop: asyncio.AbstractEventLoop, deliver: Callable[[tuple], None]) -> None:
        """Start the helpers, then pass on what they send until each has finished (in a thread)."""

        def post(message: tuple) -> None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: the run is over
                loop.call_soon_threadsafe(deliver, message)

        try:
            for process in self.processes:
                if not self.stopping.is_set():
                    process.start()
        except Exception as exc:
            post(("error", RuntimeFailure(f"could not start a generation process: {exc}")))
            return
        running = {k + 1 for k in range(len(self.processes))}
        silent: set[int] = set()  # exited, and nothing came after: gone without finishing
        while running and not self.stopping.is_set():
            try:
                message = self.queue.get(timeout=0.2)
            except queues.Empty:
                # a process's last words reach the queue before it exits: a quiet wait after the exit is proof
                gone = silent & running
                if gone:
                    code = self.processes[min(gone) - 1].exitcode
                    why = f"a generation process exited with code {code}; rerun the same command to resume"
                    post(("error", RuntimeFailure(why)))
                    return
                silent = {k for k in running if self.processes[k - 1].exitcode is not None}
                continue
            silent = set()
            if message[0] == "finished":
                running.discard(message[1])
                continue
            post(message)
            if message[0] == "error":
                return
        if not running:
            post(("finished", None))

    def stop(self) -> None:
        """End the helpers still running (a failure or Ctrl-C here: their dialogues in flight are lost)."""
        self.stopping.set()
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        for process in self.processes:
            if process.pid is not None:
                process.join(10)

    def drain(self) -> list[tuple]:
        """What the helpers sent that nobody has read yet."""
        left = []
        with contextlib.suppress(queues.Empty, OSError, EOFError):
            while True:
                left.append(self.queue.get_nowait())
        return left


def _helper(config_json: str, plugin_path: str, cache_path: str, cursor: Cursor, queue, k: int) -> None:
    """A helper process: generate from the shared cursor and send each finished dialogue to the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    warnings.simplefilter("ignore", OverrideWarning)  # the parent reported the clashes once
    parent = mp.parent_process()
    if parent is not None:  # the parent killed (kill -9): do not live on
        threading.Thread(target=lambda: (parent.join(), os._exit(1)), daemon=True).start()
    if plugin_path:  # the parent's plug-ins, not the forkserver's view of the environment
        os.environ[PATH_ENV] = plugin_path
    else:
        os.environ.pop(PATH_ENV, None)
    try:
        config = GenerateConfig.model_validate_json(config_json)
        with asyncio.Runner(loop_factory=new_loop) as runner:
            runner.run(generate(config, cache_path, cursor, lambda record: queue.put(("record", record))))
        queue.put(("finished", k))
    except BaseException as exc:  # noqa: BLE001  (sent to the parent, which raises it)
        queue.put(("error", _sendable(exc)))


def _sendable(exc: BaseException) -> BaseException:
    """`exc` if it survives pickling, else a RuntimeFailure that names it."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001
        return RuntimeFailure(f"in a generation process: {type(exc).__name__}: {exc}")
    return exc
