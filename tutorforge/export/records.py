"""One stored dialogue as export records: chat formats, the raw record, preference pairs, metadata.

Every record of a format has the same shape (same keys, same types; empty lists rather than nulls,
free-form dicts as JSON strings) so a file loads with `datasets.load_dataset("json", ...)` whatever
mix of dialogues it holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import get_args

from tutorforge import __version__
from tutorforge.personas.schema import TeacherPersona
from tutorforge.problems.model import Problem
from tutorforge.review.trail import TurnEdit, verify_context
from tutorforge.storage.record import DialogueRecord, Turn
from tutorforge.storage.store import CALL_SPEC
from tutorforge.verifiers.types import PriorTurn, Status

ROLES = ("teacher", "student", "critic")
CHAT_ROLE = {"teacher": "assistant", "student": "user"}
SHAREGPT_FROM = {"system": "system", "user": "human", "assistant": "gpt"}
STATUSES: tuple[str, ...] = get_args(Status)
REVIEW_FIELDS = {"reviewer": "", "decided_at": 0.0, "decision": "", "reason": "", "note": ""}
_GUIDANCE = {
    "socratic": "Ask one focused question at a time and let the student find each step and the answer.",
    "explain": "Explain the idea behind each step, then let the student carry it out.",
    "coach": "Encourage the student and coach them through each step until they reach the answer.",
}
_DEFAULT_GUIDANCE = "Help the student work through it step by step without giving the answer away."


@dataclass(frozen=True)
class Context:
    """What a record needs besides the dialogue: its latest review, its run's versions, the personas,
    the reviewers' edits (turn index -> edit; the record's turns already carry the edited text), and its
    run's effective config as JSON text."""

    review: dict
    versions: dict
    teachers: dict[str, TeacherPersona]
    verifier_version: str
    edits: dict[int, TurnEdit] = field(default_factory=dict)
    run_config: str = "{}"


def system_message(record: DialogueRecord, teachers: dict[str, TeacherPersona]) -> str:
    """The tutor's system message: who it is (from the teacher persona), how it teaches, the problem.

    The persona's own generation prompt is not used: a faulty-teacher prompt must not become training data.
    """
    persona = teachers.get(record.teacher)
    tutor = f"a {record.problem.subject} tutor"
    who = f"You are {persona.display_name}, {tutor}" if persona else f"You are {tutor}"
    guidance = _GUIDANCE.get(persona.teacher.pedagogy, _DEFAULT_GUIDANCE) if persona else _DEFAULT_GUIDANCE
    return f"{who} working with one student on this problem:\n\n{record.problem.statement}\n\n{guidance}"


def chat_messages(record: DialogueRecord, ctx: Context, upto: int | None = None) -> list[dict]:
    """System message, then teacher turns as assistant and student turns as user (turns before `upto`)."""
    messages = [{"role": "system", "content": system_message(record, ctx.teachers)}]
    for turn in record.turns[:upto]:
        if turn.role in CHAT_ROLE:
            messages.append({"role": CHAT_ROLE[turn.role], "content": turn.text})
    return messages


def openai_records(record: DialogueRecord, ctx: Context) -> Iterator[dict]:
    """`{"messages": [...], "metadata": {...}}`: OpenAI chat fine-tuning, also TRL's conversational SFT."""
    yield {"messages": chat_messages(record, ctx), "metadata": metadata(record, ctx)}


def sharegpt_records(record: DialogueRecord, ctx: Context) -> Iterator[dict]:
    """`{"conversations": [{"from": system|human|gpt, "value"}], "metadata": {...}}`."""
    conversations = [
        {"from": SHAREGPT_FROM[m["role"]], "value": m["content"]} for m in chat_messages(record, ctx)
    ]
    yield {"conversations": conversations, "metadata": metadata(record, ctx)}


def dpo_records(record: DialogueRecord, ctx: Context) -> Iterator[dict]:
    """Preference pairs from revisions, in TRL's conversational preference format.

    For each teacher draft sent back: prompt = the conversation before that turn, chosen = the turn as
    finally spoken, rejected = the draft; `metadata.pair.rejected_by` says who rejected it ("critic",
    "verifier" or both). A draft only the verifier sent back makes a pair only when the verifier, run
    again now on the draft and on the turns before it, still finds an error: a false flag that the
    revision then "fixed" must not teach that the correct draft was worse. Turns whose final text still
    has an error are skipped.
    """
    meta = None
    history: list[PriorTurn] | None = None
    for position, turn in enumerate(record.turns):
        if not turn.drafts or turn.role != "teacher" or turn.verdict.has_error:
            continue
        meta = meta or metadata(record, ctx)
        prompt = chat_messages(record, ctx, upto=position)
        for n, draft in enumerate(turn.drafts):
            rejected_by = draft.rejected_by
            if rejected_by == ["verifier"]:
                history = history if history is not None else _reverified(record)
                if not _still_flagged(record, history[:position], draft.text):
                    continue
            if not rejected_by:
                continue
            yield {
                "prompt": prompt,
                "chosen": [{"role": "assistant", "content": turn.text}],
                "rejected": [{"role": "assistant", "content": draft.text}],
                "metadata": {
                    **meta,
                    "pair": {
                        "turn_index": turn.index,
                        "draft_index": n,
                        "rejected_by": rejected_by,
                        "rejected_verdict": draft.verdict.to_dict(),
                        "critic": _critic(draft.critic),
                    },
                },
            }


def _reverified(record: DialogueRecord) -> list[PriorTurn]:
    """Every turn of the record with the verifier's verdict on it today, each seeing the turns before."""
    from tutorforge.verifiers import verify_turn

    vctx = verify_context(record.problem)
    for turn in record.turns:
        vctx.history.append(PriorTurn(turn.role, turn.text, verify_turn(turn.text, turn.role, vctx)))
    return vctx.history


def _still_flagged(record: DialogueRecord, before: list[PriorTurn], text: str) -> bool:
    """Whether the verifier today finds an error in a teacher draft spoken after the turns `before`."""
    from tutorforge.verifiers import verify_turn

    vctx = verify_context(record.problem)
    vctx.history.extend(before)
    return verify_turn(text, "teacher", vctx).has_error


def raw_records(record: DialogueRecord, ctx: Context) -> Iterator[dict]:
    """Everything stored about the dialogue: problem with answer and steps, turns with verdicts,
    drafts and critic notes, LLM calls, the latest review; `metadata.edits` holds each edited turn's
    editor and original text (the turn's verdict is the verifier's on its edited text)."""
    yield {
        "dialogue_id": record.dialogue_id,
        "problem": _problem(record.problem),
        "turns": [_turn(t) for t in record.turns],
        "llm_calls": [
            {k: c.get(k, default) for k, _, default in CALL_SPEC} for c in record.usage.get("calls", [])
        ],
        "started_at": float(record.started_at),
        "finished_at": float(record.finished_at),
        "error": record.error,
        "review": {k: ctx.review.get(k, default) for k, default in REVIEW_FIELDS.items()},
        "metadata": {**metadata(record, ctx), "edits": [e.to_dict() for e in ctx.edits.values()]},
    }


def metadata(record: DialogueRecord, ctx: Context) -> dict:
    """Provenance carried by every exported record."""
    summary = record.verdict_summary()
    versions = record.persona_versions
    names = {"teacher": record.teacher, "student": record.student, "critic": record.critic}
    return {
        "dialogue_id": record.dialogue_id,
        "run_id": record.run_id,
        "index": record.index,
        "problem_id": record.problem.problem_id,
        "problem_source": record.problem.source,
        "family": record.problem.family,
        "subject": record.problem.subject,
        "difficulty": record.problem.difficulty,
        "personas": {
            role: {"name": name, "version": str(versions.get(name) or versions.get(role) or "")}
            for role, name in names.items()
        },
        "backend": record.backend,
        "models": {role: str(record.models.get(role, "")) for role in ROLES},
        "seed": record.seed,
        "verifier_version": str(ctx.versions.get("verifier") or ctx.verifier_version),
        "verdict_summary": {
            "turns": {s: summary["turns"].get(s, 0) for s in STATUSES},
            "flags": [{"kind": k, "count": n} for k, n in sorted(summary["flags"].items())],
        },
        "status": record.status,
        "end_reason": record.end_reason,
        "n_turns": len(record.turns),
        "review_status": record.review_status,
        "review_reasons": [str(r) for r in record.review_reasons],
        "reviewer": str(ctx.review.get("reviewer", "")),
        "edited": bool(ctx.edits),
        "generator_labels": [label.to_dict() for label in record.labels],
        "moves": [
            {"turn_index": t.index, "move": t.move, "target": t.target}
            for t in record.turns
            if t.role == "teacher"
        ],
        "student_name": str(record.meta.get("student_name", "")),
        "misconception": str(record.meta.get("misconception", "")),
        "opening": str(record.meta.get("opening", "")),
        "tutorforge_version": str(ctx.versions.get("tutorforge") or __version__),
        "run_config": ctx.run_config,
    }


def _critic(critic: dict) -> dict:
    """The critic's note with a fixed shape; scores as name/value pairs (values as text)."""
    scores = critic.get("scores") or {}
    return {
        "verdict": str(critic.get("verdict", "")),
        "feedback": str(critic.get("feedback", "")),
        "unparseable": bool(critic.get("unparseable", False)),
        "scores": [
            {"name": str(k), "value": v if isinstance(v, str) else json.dumps(v)} for k, v in scores.items()
        ],
    }


def _text(value: object) -> str:
    return (
        value
        if isinstance(value, str)
        else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    )


def _turn(turn: Turn) -> dict:
    return {
        "index": turn.index,
        "role": turn.role,
        "text": turn.text,
        "act": turn.act,
        "move": turn.move,
        "target": turn.target,
        "verdict": turn.verdict.to_dict(),
        "drafts": [
            {
                "text": d.text,
                "verdict": d.verdict.to_dict(),
                "critic": _critic(d.critic),
                "rejected_by": d.rejected_by,
            }
            for d in turn.drafts
        ],
        "critic": _critic(turn.critic),
        "work_json": _text(turn.work),
    }


def _problem(problem: Problem) -> dict:
    return {
        "problem_id": problem.problem_id,
        "statement": problem.statement,
        "answer": problem.answer,
        "answer_unit": problem.answer_unit,
        "unknowns": list(problem.unknowns),
        "family": problem.family,
        "subject": problem.subject,
        "difficulty": problem.difficulty,
        "source": problem.source,
        "seed": problem.seed,
        "steps": [
            {
                "ask": s.ask,
                "text": s.text,
                "claim": s.claim,
                "result": s.result,
                "variants": [{"misconception": m, **v.model_dump()} for m, v in s.variants.items()],
            }
            for s in problem.steps
        ],
        "meta_json": _text(problem.meta),
    }
