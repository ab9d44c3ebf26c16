"""Checks a subject adds to the verifier, and whether the built-in math checks apply to it.

A subject pack registers its checkers with `register_checker(subject, fn)` (the pack loader does it
from the pack's `[verifier]` table). `verify_turn` then runs, for a turn of that subject, the built-in
checks (unless the subject turned them off with `use_core_checks(subject, False)`) and every
registered checker, and merges their findings into one verdict. A teacher turn that confirms a student
turn holding an error a checker found is flagged `affirms_wrong_answer`, as the built-in checks do for
their own errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tutorforge.verifiers.limits import MAX_TURN_CHARS
from tutorforge.verifiers.roles import affirmation
from tutorforge.verifiers.types import Flag, TurnVerdict, VerifyContext, status_for


@dataclass
class Checked:
    """What one checker found in a turn: flags, how many claims it checked, how many it could not."""

    flags: list[Flag] = field(default_factory=list)
    claims: int = 0
    unverifiable: int = 0


Checker = Callable[[str, str, VerifyContext], Checked]
"""checker(text, role, ctx) -> Checked. It must be fast and bounded, never raise on any text, and never
evaluate the text as code."""


@dataclass
class _Subject:
    core: bool = True
    checkers: list[Checker] = field(default_factory=list)


_SUBJECTS: dict[str, _Subject] = {}
_DEFAULT_SUBJECT = VerifyContext.__dataclass_fields__["subject"].default  # checked by the built-ins alone
_discovered = False


def register_checker(subject: str, checker: Checker) -> None:
    """Run `checker` on every turn of `subject` (once, however often it is registered)."""
    entry = _SUBJECTS.setdefault(subject, _Subject())
    if checker not in entry.checkers:
        entry.checkers.append(checker)


def use_core_checks(subject: str, enabled: bool) -> None:
    """Whether the built-in math checks run on turns of `subject` (default: they do)."""
    _SUBJECTS.setdefault(subject, _Subject()).core = enabled


def reset_subject(subject: str) -> None:
    """Forget the checkers and setting of `subject` (a pack replacing another one of the same name)."""
    _SUBJECTS.pop(subject, None)


def checkers_for(subject: str) -> tuple[bool, list[Checker]]:
    """(whether the built-in checks run, the registered checkers) for a subject. A subject other than
    the default one that is not registered yet makes the installed subject packs load once, so a physics
    turn is checked as physics even when nothing loaded the packs before."""
    global _discovered
    if subject not in _SUBJECTS and subject != _DEFAULT_SUBJECT and not _discovered:
        _discovered = True
        from tutorforge.errors import BadInput
        from tutorforge.subjects import load_subjects

        try:
            load_subjects()
        except BadInput:  # a broken plug-in is reported where packs are loaded explicitly
            pass
    entry = _SUBJECTS.get(subject)
    return (True, []) if entry is None else (entry.core, list(entry.checkers))


def with_subject_checks(
    text: str, role: str, ctx: VerifyContext, core: Callable[[], TurnVerdict]
) -> TurnVerdict:
    """The verdict on a turn: `core()` (the built-in checks) and the subject's checkers, merged."""
    use_core, checkers = checkers_for(getattr(ctx, "subject", "math"))
    if not checkers:
        return core() if use_core else TurnVerdict("no_claims")
    if len(text) > MAX_TURN_CHARS:
        detail = f"turn is {len(text)} characters; the limit is {MAX_TURN_CHARS}"
        return TurnVerdict("unverifiable", [Flag("unparseable", "", (0, 0), detail, "info")], claims=1)
    base = core() if use_core else TurnVerdict("no_claims")
    flags, claims = list(base.flags), base.claims
    unverifiable = base.status == "unverifiable"
    for checker in checkers:
        try:
            found = checker(text, role, ctx)
        except Exception as exc:  # a plug-in bug is reported on the turn, never raised into a batch
            name = getattr(checker, "__qualname__", "checker")
            found = Checked([Flag("unparseable", "", (0, 0), f"{name} failed: {type(exc).__name__}", "info")])
            found.unverifiable = 1
        flags += found.flags
        claims += found.claims
        unverifiable = unverifiable or found.unverifiable > 0
    if role == "teacher":
        flags += _affirms(text, ctx)
    flags = _dedupe(flags)
    return TurnVerdict(status_for(flags, claims, unverifiable), flags, claims)


def _affirms(text: str, ctx: VerifyContext) -> list[Flag]:
    """A confirmation opening a teacher turn right after a student turn whose verdict holds an error."""
    history = list(ctx.history or [])
    if not history or history[-1].role != "student" or history[-1].verdict is None:
        return []
    errors = [f for f in history[-1].verdict.flags if f.severity == "error"]
    span = affirmation(text) if errors else None
    if span is None:
        return []
    detail = f"confirms a student turn with {errors[0].kind} in {errors[0].claim[:80]!r}"
    return [Flag("affirms_wrong_answer", text[span[0] : span[1]], span, detail)]


def _dedupe(flags: list[Flag]) -> list[Flag]:
    seen: set[tuple[str, tuple[int, int]]] = set()
    out = []
    for f in flags:
        if (f.kind, f.span) not in seen:
            seen.add((f.kind, f.span))
            out.append(f)
    return out
