"""verify_turn: every claim of one turn checked, with a verdict and flags that point at the text."""

from __future__ import annotations

import dataclasses

from tutorforge.problems.limits import MAX_ANSWER_CHARS, MAX_PROBLEM_CHARS
from tutorforge.textnorm import NUL, NormText, normalize, plain
from tutorforge.verifiers.algebra import step_outcomes
from tutorforge.verifiers.answers import EXPLICIT, RESULT, on_the_way, stated_answers, sub_question
from tutorforge.verifiers.checks import CheckContext, Finding, check_answer, check_chain
from tutorforge.verifiers.claims import Answer, Extraction, extract
from tutorforge.verifiers.exprscan import Side
from tutorforge.verifiers.extra import with_subject_checks
from tutorforge.verifiers.inequalities import check_comparisons
from tutorforge.verifiers.latex import TooDeep
from tutorforge.verifiers.lexer import NumberTooLong
from tutorforge.verifiers.limits import (
    DEFAULT_TIMEOUT,
    MAX_CLAIMS,
    MAX_LINKS,
    MAX_SYMBOLIC_CLAIMS,
    MAX_TURN_CHARS,
)
from tutorforge.verifiers.numeric import tree_from_json
from tutorforge.verifiers.pool import get_pool
from tutorforge.verifiers.reference import (
    parse_reference,
    problem_info,
    step_results,
    unknowns_for,
)
from tutorforge.verifiers.restated import restated_values
from tutorforge.verifiers.roles import affirmation, student_error, student_has_stated
from tutorforge.verifiers.types import Flag, TurnVerdict, VerifyContext, status_for

_MAX_CLAIM_TEXT = 200


class _Budget:
    """Calls into the worker pool for one turn: each bounded by `timeout`, at most `limit` of them."""

    def __init__(self, timeout: float, limit: int = MAX_SYMBOLIC_CLAIMS):
        self.timeout = timeout
        self.left = limit
        self.missed = 0  # calls that timed out, or were not made because the turn's calls ran out

    def call(self, op: str, payload: dict) -> dict | None:
        if self.left <= 0 or self.timeout <= 0:
            self.missed += 1
            return None
        self.left -= 1
        reply = get_pool().call(op, payload, self.timeout)
        self.missed += reply is None
        return reply

    def detail(self, missed_before: int, detail: str) -> str:
        """An unverifiable claim's detail: "claim timed out" when a pool call missed while checking it."""
        return "claim timed out in the symbolic check" if self.missed > missed_before else detail


def _latex_parser(ex: Extraction, text: str, budget: _Budget):
    def parse(side: Side) -> tuple | None:
        start = ex.tokens[side.start].start
        end = ex.tokens[side.end - 1].end
        a, b = ex.norm.original_span(start, end)
        reply = budget.call("latex", {"latex": text[a:b]})
        if reply is None or "tree" not in reply:
            return None
        try:
            return tree_from_json(reply["tree"])
        except (ValueError, KeyError, TypeError, IndexError):
            return None

    return parse


def _counts(asserted: bool, question: bool, role: str) -> bool:
    """A teacher's question or quotation is not a claim of the teacher's; a student's question still is."""
    if not asserted:
        return False
    return not (question and role == "teacher")


def _answers(ex: Extraction, ctx: VerifyContext, role: str) -> list[Answer]:
    history = list(ctx.history or [])
    prior = history[-1].text if history and history[-1].role == "teacher" else None
    return stated_answers(ex, problem_info(ctx.problem or ""), role, prior)


def _judged(ans: Answer, role: str, ctx: VerifyContext) -> bool:
    """Whether a wrong value in this statement is a wrong final answer: always when the turn calls it the
    answer; otherwise not when the reference solution reaches it on the way or the problem gives it, not
    when the student replies to a teacher's question about something else, and never for a teacher's
    closing clause, which is a summary or a hint far more often than an answer."""
    if ans.how in EXPLICIT:
        return True
    if role == "teacher" and ans.how != "conclusion":
        return False
    history = list(ctx.history or [])
    if role == "student" and history and history[-1].role == "teacher" and sub_question(history[-1].text):
        return False
    return not on_the_way(ans, tuple(ctx.steps or ()), problem_info(ctx.problem or ""))


def _with_steps(found: list[Finding], steps: dict, chain, ex: Extraction) -> tuple[int, list[Finding]]:
    """The chain's findings with its algebra steps judged: a step that keeps a solution of the equation
    before it is no longer unverifiable; one that keeps none is an invalid step. (claims added, findings)"""
    added = 0
    out = list(found)
    for span, (outcome, detail) in steps.items():
        if not chain.span[0] <= span[0] < chain.span[1]:
            continue
        here = [f for f in out if (f.start, f.end) == span]
        if any(f.kind != "unverifiable" for f in here):
            continue  # already judged against the reference solution
        out = [f for f in out if (f.start, f.end) != span]
        if not here:
            added += 1  # a link the chain check left alone (`x = 25/3` read as a definition)
        if outcome == "invalid":
            out.append(Finding("invalid_step", *span, detail))
    return added, out


def _flag(text: str, ex: Extraction, f: Finding) -> Flag:
    a, b = ex.norm.original_span(f.start, f.end)
    a, b = max(0, min(a, len(text))), max(0, min(b, len(text)))
    return Flag(
        kind=f.kind, claim=text[a:b][:_MAX_CLAIM_TEXT], span=(a, b), detail=f.detail, severity=f.severity
    )


def _answer_checker(ctx: VerifyContext, cx: CheckContext):
    """Whether a turn states the reference answer: an answer statement that checks, or a computation
    reaching the reference value ("15 - 5 = 10")."""

    def states(text: str) -> bool:
        ex = extract(text, cx.unknowns)
        return any(_states_reference(a, cx) for a in _answers(ex, ctx, "student"))

    return states


def _states_reference(ans: Answer, cx: CheckContext) -> bool:
    if ans.how == RESULT and (cx.ref is None or cx.ref.kind != "value"):
        return False
    return check_answer(ans, cx)[0] == "ok"


def verify_turn(text: str, role: str, ctx: VerifyContext, *, timeout: float = DEFAULT_TIMEOUT) -> TurnVerdict:
    """Check every math claim in one turn; never raises, never runs longer than the claim timeouts allow.

    The turn is read after Unicode normalisation (`tutorforge.textnorm`); flags point at the text as
    written. A turn holding NUL, or longer than `MAX_TURN_CHARS`, is not read: `unverifiable`.
    """
    text = text or ""
    if NUL in text:
        return _not_read("contains a NUL character")
    norm = normalize(text) if len(text) <= MAX_TURN_CHARS else None
    if norm is None or len(norm.text) > MAX_TURN_CHARS:  # NFKC can lengthen a text up to 18 times
        return _not_read(f"turn too long: over {MAX_TURN_CHARS} characters")
    ctx = _read_context(ctx)
    try:
        verdict = with_subject_checks(norm.text, role, ctx, lambda: _verify(norm.text, role, ctx, timeout))
    except NumberTooLong as exc:
        return _not_read(str(exc))
    except (RecursionError, TooDeep):
        return _not_read("nested too deeply to check")
    except Exception as exc:  # a verifier bug must not stop a batch: report it on the turn
        return _not_read(f"verifier failed: {type(exc).__name__}")
    if norm.pos is not None:
        verdict.flags = [_written(f, norm, text) for f in verdict.flags]
    return verdict


def _not_read(detail: str) -> TurnVerdict:
    return TurnVerdict("unverifiable", [Flag("unparseable", "", (0, 0), detail, "info")], claims=1)


def _read_context(ctx: VerifyContext) -> VerifyContext:
    """The problem and answer as the verifier reads them: normalised, a problem over its cap read by its
    head and tail, an answer over its cap or holding NUL dropped (answers then compare as `unverifiable`)."""
    problem = ctx.problem or ""
    if len(problem) > MAX_PROBLEM_CHARS:  # its numbers come first, its question last
        half = MAX_PROBLEM_CHARS // 2
        problem = f"{problem[:half]}\n{problem[-half:]}"
    problem = plain(problem.replace(NUL, " "))
    answer = ctx.answer
    if answer is not None:
        answer = None if len(answer) > MAX_ANSWER_CHARS or NUL in answer else plain(answer)
    if problem == ctx.problem and answer == ctx.answer:
        return ctx
    return dataclasses.replace(ctx, problem=problem, answer=answer)


def _written(flag: Flag, norm: NormText, text: str) -> Flag:
    """A flag on the normalised text moved onto the text as written."""
    a, b = norm.original_span(*flag.span, len(text))
    return dataclasses.replace(flag, span=(a, b), claim=text[a:b][:_MAX_CLAIM_TEXT] if flag.claim else "")


def _verify(text: str, role: str, ctx: VerifyContext, timeout: float) -> TurnVerdict:
    unknowns = unknowns_for(list(ctx.unknowns or []), ctx.answer)
    answer = (ctx.answer or "").strip()
    ref = parse_reference(answer, unknowns) if answer else None
    ex = extract(text, frozenset(unknowns))
    budget = _Budget(timeout)
    steps = step_results(tuple(ctx.steps)) if getattr(ctx, "steps", None) else None
    cx = CheckContext(frozenset(unknowns), ref, budget.call, _latex_parser(ex, text, budget), steps)
    findings: list[Finding] = []
    claims = 0
    unverifiable = 0
    for start, end in ex.too_complex:
        findings.append(Finding("unparseable", start, end, "past the size or nesting limits", "info"))
        unverifiable += 1
    counted = [c for c in ex.chains[:MAX_CLAIMS] if _counts(c.asserted, c.question, role)]
    links = 0
    for k, chain in enumerate(counted):
        links += len(chain.sides) - 1
        if links > MAX_LINKS:  # `a = b = c = …` checks every link: a chain of thousands is bounded too
            unverifiable += 1
            findings.append(Finding("unparseable", *chain.span, f"more than {MAX_LINKS} links", "info"))
            counted = counted[:k]
            break
    steps_checked = step_outcomes(ex.norm.text, ex, counted, cx, ctx.problem or "")
    for chain in counted:
        missed = budget.missed
        n, found = check_chain(chain, ex, cx)
        claims += n
        n, found = _with_steps(found, steps_checked, chain, ex)
        claims += n
        for f in found:
            if f.kind == "unverifiable":
                unverifiable += 1
                findings.append(
                    Finding("unparseable", f.start, f.end, budget.detail(missed, f.detail), "info")
                )
            else:
                findings.append(f)
    n, found = check_comparisons(ex, cx)
    claims += n
    findings += found + restated_values(ex, counted, cx)
    if len(ex.chains) > MAX_CLAIMS:
        unverifiable += 1
        findings.append(Finding("unparseable", 0, 0, f"more than {MAX_CLAIMS} claims", "info"))
    correct_answers: list[Answer] = []
    answers = _answers(ex, ctx, role)
    if len(answers) > MAX_CLAIMS:
        unverifiable += 1
        findings.append(Finding("unparseable", 0, 0, f"more than {MAX_CLAIMS} answers", "info"))
    for ans in answers[:MAX_CLAIMS]:
        if not _counts(ans.asserted, ans.question, role):
            continue
        if ans.how == RESULT:  # its arithmetic is checked as a claim; it only counts as stating the answer
            if _states_reference(ans, cx):
                correct_answers.append(ans)
            continue
        missed = budget.missed
        outcome, detail = check_answer(ans, cx)
        if outcome == "skip":
            continue
        claims += 1
        if outcome == "ok":
            correct_answers.append(ans)
        elif outcome == "wrong":
            if _judged(ans, role, ctx):
                findings.append(Finding("wrong_final_answer", *ans.span, detail))
        else:
            unverifiable += 1
            findings.append(Finding("unparseable", *ans.span, budget.detail(missed, detail), "info"))
    flags = [_flag(text, ex, f) for f in findings]
    if role == "teacher":
        flags += _teacher_flags(text, ctx, ref, cx, ex, correct_answers, timeout)
    flags = _dedupe(flags)
    return TurnVerdict(status_for(flags, claims, unverifiable > 0), flags, claims)


def _teacher_flags(
    text: str,
    ctx: VerifyContext,
    ref,
    cx: CheckContext,
    ex: Extraction,
    correct: list[Answer],
    timeout: float,
) -> list[Flag]:
    flags = []
    history = list(ctx.history or [])
    if history and history[-1].role == "student":
        span = affirmation(text)
        if span is not None:
            prior = history[-1]
            verdict = prior.verdict
            if verdict is None:
                earlier = dataclasses.replace(ctx, history=history[:-1])
                verdict = verify_turn(prior.text, "student", earlier, timeout=timeout)
            error = student_error(verdict)
            # confirming a turn that reaches the reference answer is not confirming a wrong answer
            if error is not None and not _answer_checker(ctx, cx)(prior.text):
                detail = f"confirms a student turn with {error}"
                flags.append(Flag("affirms_wrong_answer", text[span[0] : span[1]], span, detail))
    if correct and ref is not None and not student_has_stated(history, _answer_checker(ctx, cx)):
        a, b = ex.norm.original_span(*correct[0].span)
        detail = "states the reference answer before the student has"
        flags.append(Flag("reveals_answer", text[a:b][:_MAX_CLAIM_TEXT], (a, b), detail, "info"))
    return flags


def _dedupe(flags: list[Flag]) -> list[Flag]:
    seen = set()
    out = []
    for f in flags:
        key = (f.kind, f.span)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
