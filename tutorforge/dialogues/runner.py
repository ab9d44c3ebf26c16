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
from tutorforge.dialogues.mixture import SLIP, Mixture
from tutorforge.errors import BadInput
from tutorforge.llm.base import CALL_LOG
from tutorforge.llm.failures import CallFailed
from tutorforge.personas.loader import PersonaRegistry
from tutorforge.personas.names import student_name
from tutorforge.problems.model import Problem
from tutorforge.review.policy import apply_policy
from tutorforge.storage.record import DialogueRecord
from tutorforge.verifiers.types import TurnVerdict, VerifyContext


class Plan(NamedTuple):
    """What dialogue `index` is about, drawn from its own random stream: the problem and personas, the
    misconception that can show ("" when none), how it opens (tutor | attempt), the student's name."""

    rng: random.Random
    subject: str
    problem: Problem
    teacher: str
    student: str
    critic: str
    misconception: str
    opening: str
    student_name: str


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
        self.graphs = {"tutor": build_graph("teacher"), "attempt": build_graph("student")}
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
        self.writes_attempts = getattr(agents, "writes_attempts", False)
        if config.opening == "attempt" and not self.writes_attempts:
            raise BadInput(
                f"opening = attempt: the {config.backend} backend does not write student attempts yet"
            )

    def plan(self, index: int) -> Plan:
        """The dialogue's random stream, subject, problem and personas."""
        rng = random.Random(f"{self.config.seed}:{index}")
        given = self.problems[index % len(self.problems)] if self.problems else None
        subject, problem, teacher, student, critic = self.mixture.draw(rng, given)
        misconception = self.mixture.misconception(rng, student, problem)
        opening = self.config.opening
        if opening == "auto":
            opening = "attempt" if misconception and self.writes_attempts else "tutor"
        return Plan(
            rng, subject, problem, teacher, student, critic, misconception, opening, student_name(rng)
        )

    async def _verify(self, text: str, role: str, ctx: VerifyContext) -> TurnVerdict:
        timeout = self.config.verify_timeout
        if self.verify_in_thread:
            return await asyncio.to_thread(verifiers.verify_turn, text, role, ctx, timeout=timeout)
        return verifiers.verify_turn(text, role, ctx, timeout=timeout)

    async def run(self, index: int) -> DialogueRecord:
        """Run dialogue `index` to its end and return the finished record (status failed on an error)."""
        plan = self.plan(index)
        rng, subject, problem, t_name, s_name, c_name = plan[:6]
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
            meta={
                "student_name": plan.student_name,
                "misconception": plan.misconception,
                "held": sorted(set(student.student.misconceptions) - {SLIP}),
                "opening": plan.opening,
            },
        )
        view = DialogueView(
            problem,
            teacher,
            student,
            critic,
            record.turns,
            rng,
            cfg.max_turns,
            opening=plan.opening,
            misconception=plan.misconception,
            student_name=plan.student_name,
        )
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
            await self.graphs[plan.opening].ainvoke(
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
            reveal_policy=teacher.teacher.reveal_policy,
            exclude=cfg.pedagogy_review == "exclude",
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
