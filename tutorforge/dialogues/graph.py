"""The LangGraph graph of one dialogue: teacher, student, verify and critic nodes.

teacher -> verify -> critic -> (revise -> teacher | accept -> student, or end)
student -> verify -> teacher (or end)

A dialogue starts at the teacher, or, when it opens from the student's own attempt, at the student.

The graph state carries one mutable `DialogueRun` per dialogue; nodes read and extend it. No
checkpointer: a dialogue is the unit of resumption, kept in our own store. `verify` and `critic` route
with a `Command` rather than a conditional edge: LangGraph runs an edge's path function as a traced run
of its own (two more tasks and a shielded callback per step), and in an event loop with a hundred
dialogues every such hop waits for the whole ready queue.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import Command

from tutorforge.dialogues.agents import Agents, DialogueView, Utterance
from tutorforge.storage.record import Draft, GeneratorLabel, Turn
from tutorforge.verifiers.types import PriorTurn, TurnVerdict, VerifyContext

VerifyFn = Callable[[str, str, VerifyContext], Awaitable[TurnVerdict]]


@dataclass
class DialogueRun:
    """Everything one dialogue accumulates while the graph runs it."""

    view: DialogueView
    agents: Agents
    verify: VerifyFn
    vctx: VerifyContext
    max_revisions: int = 2
    role: str = ""
    pending: Utterance | None = None
    verdict: TurnVerdict | None = None
    feedback: str | None = None
    drafts: list[Draft] = field(default_factory=list)
    labels: list[GeneratorLabel] = field(default_factory=list)
    calls: list[dict] = field(default_factory=list)
    critic_unparseable: bool = False
    end_reason: str = ""

    @property
    def turns(self) -> list[Turn]:
        return self.view.turns

    def commit(self, critic: dict | None = None) -> None:
        """Append the pending utterance as the next turn, with its verdict and revision history."""
        u, index = self.pending, len(self.turns)
        self.turns.append(
            Turn(
                index,
                self.role,
                u.text,
                u.act,
                self.verdict,
                self.drafts,
                critic or {},
                u.work,
                u.move,
                u.target,
            )
        )
        self.vctx.history.append(PriorTurn(self.role, u.text, self.verdict))
        for label in u.labels:
            label.turn = index
            self.labels.append(label)
        self.calls.extend(u.calls)
        self.pending, self.verdict, self.feedback, self.drafts = None, None, None, []
        if u.ends:
            self.end_reason = "solved" if self._solved() else "ended_by_agent"
        elif index + 1 >= self.view.max_turns:
            self.end_reason = "max_turns"

    def _solved(self) -> bool:
        last = next((t for t in reversed(self.turns) if t.role == "student"), None)
        if last is None or last.act != "final_answer":
            return False
        return not any(f.kind == "wrong_final_answer" for f in last.verdict.flags)


class GraphState(TypedDict):
    run: DialogueRun


async def _teacher(state: GraphState) -> dict:
    run = state["run"]
    run.role = "teacher"
    run.view.drafts = run.drafts  # a teacher asked to revise sees what it wrote
    run.pending = await run.agents.teacher(run.view, run.feedback)
    return {}


async def _student(state: GraphState) -> dict:
    run = state["run"]
    run.role = "student"
    run.pending = await run.agents.student(run.view)
    return {}


async def _verify(state: GraphState) -> Command[Literal["critic", "teacher", "__end__"]]:
    run = state["run"]
    run.verdict = await run.verify(run.pending.text, run.role, run.vctx)
    if run.role == "teacher":  # the draft waits for the critic
        return Command(goto="critic")
    run.commit()
    return Command(goto=END if run.end_reason else "teacher")


async def _critic(state: GraphState) -> Command[Literal["teacher", "student", "__end__"]]:
    run = state["run"]
    decision = await run.agents.critic(run.view, run.pending, run.verdict)
    run.calls.extend(decision.calls)
    run.critic_unparseable |= decision.unparseable
    if decision.revise and len(run.drafts) < run.max_revisions:
        draft = Draft(run.pending.text, run.verdict, decision.to_dict(), decision.forced_by_verifier)
        run.drafts.append(draft)
        run.calls.extend(run.pending.calls)
        run.feedback = decision.note or decision.feedback
        run.pending = None
        return Command(goto="teacher")
    run.commit(decision.to_dict())
    return Command(goto=END if run.end_reason else "student")


def build_graph(first: Literal["teacher", "student"] = "teacher"):
    """Compile the dialogue graph once; invoke it per dialogue with `{"run": DialogueRun(...)}`. With
    `first="student"` the dialogue opens with the student's own attempt."""
    g = StateGraph(GraphState)
    g.add_node("teacher", _teacher)
    g.add_node("student", _student)
    g.add_node("verify", _verify)
    g.add_node("critic", _critic)
    g.add_edge(START, first)
    g.add_edge("teacher", "verify")
    g.add_edge("student", "verify")
    return g.compile()


def recursion_limit(max_turns: int, max_revisions: int) -> int:
    """Enough super-steps for max_turns turns, each teacher turn revised max_revisions times."""
    return max_turns * 3 * (max_revisions + 1) + 10
