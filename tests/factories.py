"""Hand-built DialogueRecords for tests: deterministic, varied, optional parts filled in on demand."""

from __future__ import annotations

import io
import sys
from contextlib import redirect_stderr, redirect_stdout

from tutorforge.problems.model import Problem, Step, Variant
from tutorforge.storage.record import DialogueRecord, Draft, GeneratorLabel, Turn
from tutorforge.verifiers.types import Flag, TurnVerdict


def make_problem(n: int = 0, *, family: str = "two_step", source: str = "generated") -> Problem:
    """Problem n: 'Ann has a apples and buys b more, then gives c away' with two reference steps."""
    a, b, c = 3 + n, 4 + n % 5, 1 + n % 3
    statement = f"Ann has {a} apples and buys {b} more. She gives {c} away. How many apples does she have?"
    return Problem(
        problem_id=Problem.make_id(family, statement),
        statement=statement,
        answer=str(a + b - c),
        steps=[
            Step(
                ask="How many apples after buying?",
                text=f"She has {a} + {b} = {a + b} apples.",
                claim=f"{a} + {b} = {a + b}",
                result=str(a + b),
                variants={"add_as_subtract": Variant(claim=f"{a} - {b} = {a - b}", result=str(a - b))},
            ),
            Step(
                ask="And after giving some away?",
                text=f"{a + b} - {c} = {a + b - c} apples are left.",
                claim=f"{a + b} - {c} = {a + b - c}",
                result=str(a + b - c),
            ),
        ],
        family=family,
        difficulty=1 + n % 3,
        seed=n,
        source=source,
        unknowns=[],
        answer_unit="apples",
        meta={"template": "buy_give"} if n % 2 else {},
    )


def _flag(text: str, claim: str, kind: str = "false_arithmetic") -> Flag:
    start = text.index(claim)
    return Flag(kind=kind, claim=claim, span=(start, start + len(claim)), detail=f"{claim} is false")


def make_record(
    index: int = 0,
    *,
    run_id: str = "run-a",
    review_status: str = "approved",
    status: str = "complete",
    flagged: bool = False,
    revised: bool = False,
    labelled: bool = False,
    calls: int = 0,
    extra_turns: int = 0,
    teacher: str = "socratic",
    student: str = "careful",
    end_reason: str = "solved",
) -> DialogueRecord:
    """A finished dialogue on make_problem(index), about eight turns plus `extra_turns`.

    flagged: the student's first attempt carries a false_arithmetic flag; revised: the teacher's
    second turn has a draft the critic sent back; labelled: the flagged attempt has a generator
    label; calls: that many LLM call records in usage.
    """
    p = make_problem(index)
    first, second = p.steps
    wrong = f"{first.claim.split('=')[0].strip()} = {int(first.result) + 1}"
    ok = TurnVerdict("ok", [], 1)
    say = TurnVerdict("no_claims", [], 0)
    attempt = f"I think {wrong}." if flagged else f"I think {first.claim}."
    turns = [
        Turn(0, "teacher", f"Hi! Let's solve this. {first.ask}", "greet", say, critic={"verdict": "accept"}),
        Turn(
            1,
            "student",
            attempt,
            "attempt",
            TurnVerdict("error", [_flag(attempt, wrong)], 1) if flagged else ok,
            work={"step": 0, "value": first.result},
        ),  # fmt: skip
        Turn(
            2,
            "teacher",
            f"Check that again: {first.text}",
            "hint",
            ok,
            critic={"verdict": "accept", "feedback": "", "scores": {"helpful": "yes"}, "unparseable": False},
            move="probing",
            target="false_arithmetic" if flagged else "",
        ),  # fmt: skip
        Turn(3, "student", f"Oh, {first.claim}.", "attempt", ok, work={"step": 0}),
        Turn(4, "teacher", second.ask, "question", say),
        Turn(5, "student", f"{second.claim}.", "attempt", ok, work={"step": 1, "value": second.result}),
        Turn(6, "teacher", "Well done. What is your final answer?", "praise", say),
        Turn(7, "student", f"The answer is {p.answer}.", "final_answer", ok, work={"final": p.answer}),
    ]
    for k in range(extra_turns):
        turns.append(Turn(8 + k, "teacher" if k % 2 == 0 else "student", f"Extra remark {k}.", "chat", say))
    if revised:
        draft_text = f"Yes, {wrong}, good."
        draft_verdict = TurnVerdict("error", [_flag(draft_text, wrong, "affirms_wrong_answer")], 1)
        turns[2].drafts = [
            Draft(draft_text, draft_verdict, {"verdict": "revise", "feedback": "do not affirm"})
        ]
    labels = (
        [GeneratorLabel(1, "student", "student_misconception", "off_by_one", "first step")]
        if labelled
        else []
    )
    return DialogueRecord(
        dialogue_id=f"{run_id}-{index:07d}",
        run_id=run_id,
        index=index,
        problem=p,
        teacher=teacher,
        student=student,
        critic="strict",
        persona_versions={teacher: "1", student: "2", "strict": "1"},
        backend="scripted",
        models={"teacher": "", "student": "", "critic": ""},
        seed=7,
        turns=turns,
        labels=labels,
        status=status,  # type: ignore[arg-type]
        end_reason=end_reason if status == "complete" else "error",
        error="" if status == "complete" else "RuntimeError: backend went away",
        review_status=review_status,  # type: ignore[arg-type]
        review_reasons=["student_error"] if flagged else [],
        started_at=1_700_000_000.0 + index,
        finished_at=1_700_000_000.5 + index,
        usage={
            "calls": [
                {
                    "role": ("teacher", "student", "critic")[k % 3],
                    "backend": "openai",
                    "model": "gpt-test",
                    "input_tokens": 100 + k,
                    "output_tokens": 20,
                    "cached_tokens": 10 * k,
                    "latency_s": 0.25,
                    "cost_usd": 0.0001,
                    "priced": True,
                    "price_source": "override",
                    "status": "retried" if k else "ok",
                    "attempts": 1 + k,
                    "error": "",
                    "issues": ["http_429"] * k,
                    "finish_reason": "stop",
                    "cache_hit": False,
                    "response_id": f"resp-{index}-{k}",
                    "created_at": 1_700_000_000.1 + index,
                }
                for k in range(calls)
            ]
        },
    )


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run the `tutorforge` console entry point in this process: (exit code, stdout, stderr)."""
    from tutorforge.cli import main

    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["tutorforge", *args]
    try:
        with redirect_stdout(out), redirect_stderr(err):
            main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = argv
    return code, out.getvalue(), err.getvalue()
