"""The review policy: which finished dialogues are auto-approved and which wait for a person."""

from __future__ import annotations

from tutorforge.dialogues.record import DialogueRecord

# Reasons in priority order: a teacher error matters most.
REASON_PRIORITY = (
    "teacher_error",
    "affirms_wrong_answer",
    "wrong_final_answer",
    "critic_rejected",
    "critic_unparseable",
)


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


def apply_policy(record: DialogueRecord, *, critic_unparseable: bool = False) -> None:
    """Set the record's review status: pending with reasons, or auto-approved when clean."""
    reasons = review_reasons(record, critic_unparseable=critic_unparseable)
    record.review_reasons = reasons
    record.review_status = "pending" if reasons else "approved"
