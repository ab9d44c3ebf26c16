"""Running dialogues: plan one dialogue per index, run it through the graph, apply the review policy."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from tutorforge import verifiers
from tutorforge.dialogues.agents import Agents, DialogueView
from tutorforge.dialogues.config import GenerateConfig, dialogue_id
from tutorforge.dialogues.graph import DialogueRun, build_graph, recursion_limit
from tutorforge.dialogues.mixture import Mixture
from tutorforge.dialogues.record import DialogueRecord
from tutorforge.errors import BadInput
from tutorforge.llm.base import CALL_LOG
from tutorforge.llm.failures import CallFailed
from tutorforge.personas.loader import PersonaRegistry
from tutorforge.problems.model import Problem
from tutorforge.review.policy import apply_policy
from tutorforge.verifiers.types import TurnVerdict, VerifyContext


class Plan(NamedTuple):
    """What dialogue `index` is about, drawn from its own random stream."""

    rng: random.Random
    subject: str
    problem: Problem
    teacher: str
    student: str
    critic: str


class DialogueFactory:
    """Builds and runs the dialogues of one run. Index i always gets the same problem, personas and
    random stream, whatever order or process runs it."""

    def __init__(
        self,
        config: GenerateConfig,
        registry: PersonaRegistry,
        agents: Agents,
        *,
        verify_in_thread: bool = False,
        problems: Sequence[Problem] | None = None,
    ) -> None:
        self.config = config
        self.run_id = config.run_id()
        self.registry = registry
        self.agents = agents
        self.graph = build_graph()
        self.problems = list(problems) if problems is not None else load_problem_file(config)
        chosen = {"teacher": config.teacher, "student": config.student, "critic": config.critic}
        self.mixture = Mixture(
            config.mix,
            registry,
            subject=config.subject,
            families=config.families,
            chosen=chosen,
            generate_problems=not self.problems,
        )
        self.verify_in_thread = verify_in_thread

    def plan(self, index: int) -> Plan:
        """The dialogue's random stream, subject, problem and personas."""
        rng = random.Random(f"{self.config.seed}:{index}")
        subject, problem, teacher, student, critic = self.mixture.draw(rng)
        if problem is None:
            problem = self.problems[index % len(self.problems)]
        return Plan(rng, subject, problem, teacher, student, critic)

    async def _verify(self, text: str, role: str, ctx: VerifyContext) -> TurnVerdict:
        timeout = self.config.verify_timeout
        if self.verify_in_thread:
            return await asyncio.to_thread(verifiers.verify_turn, text, role, ctx, timeout=timeout)
        return verifiers.verify_turn(text, role, ctx, timeout=timeout)

    async def run(self, index: int) -> DialogueRecord:
        """Run dialogue `index` to its end and return the finished record (status failed on an error)."""
        rng, subject, problem, t_name, s_name, c_name = self.plan(index)
        teacher, student, critic = (self.registry.get(n) for n in (t_name, s_name, c_name))
        cfg = self.config
        record = DialogueRecord(
            dialogue_id=dialogue_id(self.run_id, index),
            run_id=self.run_id,
            index=index,
            problem=problem,
            teacher=t_name,
            student=s_name,
            critic=c_name,
            persona_versions={p.name: p.version for p in (teacher, student, critic)},
            backend=cfg.backend,
            models={role: cfg.models.get(role, "") for role in ("teacher", "student", "critic")},
            seed=cfg.seed,
            started_at=time.time(),
        )
        view = DialogueView(problem, teacher, student, critic, record.turns, rng, cfg.max_turns)
        vctx = VerifyContext(
            problem.statement,
            problem.answer,
            list(problem.unknowns),
            subject=subject,
            steps=[s.claim for s in problem.steps],
        )
        run = DialogueRun(view, self.agents, self._verify, vctx, cfg.max_revisions)
        made: list[dict] = []
        log = CALL_LOG.set(made)
        try:
            await self.graph.ainvoke(
                {"run": run}, config={"recursion_limit": recursion_limit(cfg.max_turns, cfg.max_revisions)}
            )
        except (asyncio.CancelledError, KeyboardInterrupt):
            raise
        except Exception as exc:  # one dialogue's failure never stops the batch
            record.status, record.end_reason = "failed", "error"
            record.error = f"{type(exc).__name__}: {exc}"[:500]
            if isinstance(exc, CallFailed):  # keep the record of the call that gave up
                run.calls.extend(exc.calls)
            if len(made) > len(run.calls):  # calls of an unfinished turn: paid for all the same
                run.calls = made
        finally:
            CALL_LOG.reset(log)
        record.labels = run.labels
        record.usage = {"calls": run.calls}
        record.end_reason = record.end_reason or run.end_reason or "max_turns"
        record.finished_at = time.time()
        apply_policy(
            record,
            critic_unparseable=run.critic_unparseable,
            audit_rate=cfg.audit_rate,
            review_unverifiable=cfg.review_unverifiable,
        )
        return record

    async def run_many(self, indices: Sequence[int], concurrency: int = 1) -> list[DialogueRecord]:
        """Run several dialogues with at most `concurrency` in flight."""
        if concurrency <= 1:
            return [await self.run(i) for i in indices]
        sem = asyncio.Semaphore(concurrency)

        async def one(i: int) -> DialogueRecord:
            async with sem:
                return await self.run(i)

        return list(await asyncio.gather(*(one(i) for i in indices)))


def load_problem_file(config: GenerateConfig) -> list[Problem]:
    """Problems from --problems, or an empty list when problems are generated."""
    if not config.problems_file:
        return []
    from tutorforge.problems.importers import load_problems

    problems = load_problems(Path(config.problems_file))
    if not problems:
        raise BadInput(f"{config.problems_file}: no problems in the file")
    return problems


AgentsFactory = Callable[[GenerateConfig], Agents]
