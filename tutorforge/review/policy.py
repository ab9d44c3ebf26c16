"""The review policy: which finished dialogues are auto-approved and which wait for a person."""

from __future__ import annotations

import hashlib

from tutorforge.storage.record import DialogueRecord
from tutorforge.verifiers.limits import unverifiable_cause

# Reasons in priority order: a teacher error matters most.
REASON_PRIORITY = (
    "teacher_error",
    "affirms_wrong_answer",
    "wrong_final_answer",
    "critic_rejected",
    "critic_unparseable",
    "unverifiable",  # see `unverifiable_reasons`
    # pedagogy (see `pedagogy_reasons`)
    "reveal_against_policy",
    "repeated_wrong_answer",
    "unsolved",
)
# A clean dialogue drawn into the audit sample: queued after every flagged one.
AUDIT = "audit"
# The queue's order. The store indexes `priority_sql()`: a change here is a schema change.
QUEUE_ORDER = (*REASON_PRIORITY, AUDIT)


def review_reasons(record: DialogueRecord, *, critic_unparseable: bool = False) -> list[str]:
    """Why the dialogue needs a person: teacher errors, affirmed wrong answers, a wrong final answer,
    a critic that still rejected the accepted draft, or a critic whose reply could not be read."""
    reasons: set[str] = set()
    for turn in record.turns:
        kinds = {f.kind for f in turn.verdict.flags if f.severity == "error"}
        if turn.role == "teacher":
            if "affirms_wrong_answer" in kinds:
                reasons.add("affirms_wrong_answer")
            if kinds - {"affirms_wrong_answer"}:
                reasons.add("teacher_error")
            if turn.critic.get("verdict") == "revise":
                reasons.add("critic_rejected")
    last_final = next(
        (t for t in reversed(record.turns) if t.role == "student" and t.act == "final_answer"), None
    )
    if last_final and any(f.kind == "wrong_final_answer" for f in last_final.verdict.flags):
        reasons.add("wrong_final_answer")
    if critic_unparseable:
        reasons.add("critic_unparseable")
    return [r for r in REASON_PRIORITY if r in reasons]


# -- Rule: a teacher turn the verifier could not check (a limit, a timeout) -------------------------
# An `unverifiable` teacher turn may hide an error, so its dialogue waits for a person; the reason names
# the cause: "unverifiable: claim timed out", "unverifiable: number too long". A reason is a code,
# optionally followed by ": " and a detail; the code alone orders the queue.


def unverifiable_reasons(record: DialogueRecord) -> list[str]:
    """One `unverifiable: <cause>` reason per cause found on the dialogue's unverifiable teacher turns."""
    causes: dict[str, None] = {}
    for turn in record.turns:
        if turn.role == "teacher" and turn.verdict.status == "unverifiable":
            found = [unverifiable_cause(f.detail) for f in turn.verdict.flags if f.kind == "unparseable"]
            causes.update(dict.fromkeys(found or ["claim not read"]))
    return [f"unverifiable: {cause}" for cause in causes]


def reason_code(reason: str) -> str:
    """A reason's code: the text before its ": " detail, if any."""
    return reason.partition(":")[0]


# -- pedagogy rule: dialogues not worth training a tutor on as they stand ------------------------------
PEDAGOGY_REASONS = ("reveal_against_policy", "repeated_wrong_answer", "unsolved")
REPEATS = 3  # the same wrong answer this many times


def pedagogy_reasons(record: DialogueRecord, reveal_policy: str = "") -> list[str]:
    """A complete dialogue that ends unsolved (turn limit, or the teacher closing on a wrong answer), in
    which the student gives the same wrong answer `REPEATS` times (the verifier's error flags on student
    turns, by kind and claim), or in which the teacher reveals although its policy is "never" (a
    `reveals_answer` flag or a reveal act)."""
    if record.status != "complete":
        return []
    reasons = set()
    if record.end_reason != "solved":
        reasons.add("unsolved")
    wrong: dict[tuple[str, str], int] = {}
    for turn in record.turns:
        if turn.role == "student":
            for key in {
                (f.kind, " ".join(f.claim.split())) for f in turn.verdict.flags if f.severity == "error"
            }:
                wrong[key] = wrong.get(key, 0) + 1
        elif reveal_policy == "never" and (
            turn.act == "reveal" or any(f.kind == "reveals_answer" for f in turn.verdict.flags)
        ):
            reasons.add("reveal_against_policy")
    if any(n >= REPEATS for n in wrong.values()):
        reasons.add("repeated_wrong_answer")
    return [r for r in PEDAGOGY_REASONS if r in reasons]


# -- end of the pedagogy rule ----------------------------------------------------------------------------


def in_audit_sample(dialogue_id: str, rate: float) -> bool:
    """Whether a clean dialogue is audited: a hash of its id below `rate`, so every process, shard and
    rerun draws the same sample, and a larger rate keeps the smaller rate's sample."""
    if rate <= 0:
        return False
    digest = hashlib.sha256(dialogue_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") < rate * 2**64


def apply_policy(
    record: DialogueRecord,
    *,
    critic_unparseable: bool = False,
    audit_rate: float = 0.0,
    review_unverifiable: bool = True,
    reveal_policy: str = "",
    exclude: bool = False,
) -> None:
    """Set the record's review status: pending with reasons; or, when clean, auto-approved unless it is
    in the audit sample (`audit_rate` of clean complete dialogues), which is pending as `audit`. With
    `review_unverifiable`, unverifiable teacher turns are reasons too (after the error reasons). With
    `exclude`, a dialogue with a pedagogy reason is rejected instead of queued."""
    reasons = review_reasons(record, critic_unparseable=critic_unparseable)
    if review_unverifiable:
        reasons += unverifiable_reasons(record)
    taught = pedagogy_reasons(record, reveal_policy)
    reasons += taught
    if not reasons and record.status == "complete" and in_audit_sample(record.dialogue_id, audit_rate):
        reasons = [AUDIT]
    record.review_reasons = reasons
    record.review_status = "rejected" if exclude and taught else "pending" if reasons else "approved"


def priority(reasons: list[str]) -> int:
    """Queue priority from a dialogue's reasons (in policy order): 1 is reviewed first."""
    first = reason_code(reasons[0]) if reasons else ""
    return QUEUE_ORDER.index(first) + 1 if first in QUEUE_ORDER else len(QUEUE_ORDER) + 1


def priority_sql(column: str = "review_reasons_json") -> str:
    """`priority` as a SQL expression over the stored reasons (a JSON list), for ordering and indexing."""
    first = f"json_extract({column}, '$[0]')"
    code = f"substr({first}, 1, instr({first} || ':', ':') - 1)"
    cases = " ".join(f"WHEN '{reason}' THEN {n}" for n, reason in enumerate(QUEUE_ORDER, 1))
    return f"(CASE {code} {cases} ELSE {len(QUEUE_ORDER) + 1} END)"
