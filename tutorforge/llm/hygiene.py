"""Reply hygiene: what a model's reply must look like before it becomes a turn.

- A reply that speaks for the other role ("Student: ..." inside a teacher turn) is cut at the leak.
- A reply that opens with its own speaker label ("Teacher: Let's ...") loses the label.
- A reply cut off at the token limit is trimmed back to its last full sentence.
- An empty reply (after cleaning) and a refusal are not usable: the caller retries them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

END_MARKER = "[END]"

_LABELS = {"teacher": ("Teacher", "Tutor"), "student": ("Student",), "critic": ("Critic",)}
# A short reply that opens with an apology and declines: "I'm sorry, but I can't help with that."
# (A teacher's "I can't just give you the answer" is pedagogy, not a refusal.)
_REFUSAL = re.compile(
    r"^\W*(?:I'm sorry|I am sorry|Sorry|I apologi[sz]e)\b[^.!?\n]{0,40}?"
    r"\b(?:can't|cannot|can not|won't|will not|unable to|not able to)\s+"
    r"(?:help|assist|comply|continue|fulfil|fulfill|engage|participate)\b",
    re.I,
)
_REFUSAL_MAX_CHARS = 300
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


@dataclass
class Cleaned:
    """A reply after hygiene: its text, what was done to it, and whether it can be used."""

    text: str
    issues: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return not ({"empty", "refusal"} & set(self.issues))


def _label_pattern(names: Iterable[str]) -> str:
    alternatives = "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True) if n)
    return rf"(?:\*\*|__)?(?:{alternatives})(?:\*\*|__)?\s*:(?:\*\*|__)?"


def speaker_labels(role: str, display_name: str = "") -> list[str]:
    """The labels a turn of `role` could be introduced with."""
    return [*_LABELS.get(role, ()), display_name] if display_name else list(_LABELS.get(role, ()))


def clean_reply(
    text: str, finish_reason: str, own: list[str], others: list[str], *, prose: bool = True
) -> Cleaned:
    """Apply the hygiene rules to one reply. `own`/`others` are the speaker labels of each side;
    `prose=False` (structured replies) keeps a truncated reply as it is instead of trimming it."""
    issues: list[str] = []
    text = text.strip()
    if own:
        stripped = re.sub(rf"^{_label_pattern(own)}\s*", "", text, flags=re.I)
        if stripped != text:
            issues.append("own_label")
            text = stripped
    if others:
        leak = re.search(rf"(?:^|\n)\s*{_label_pattern(others)}", text, flags=re.I)
        if leak:
            issues.append("role_leak")
            text = text[: leak.start()].rstrip()
    if finish_reason == "length":
        issues.append("truncated")
        ends = list(_SENTENCE_END.finditer(text)) if prose else []
        if ends:
            text = text[: ends[-1].end()]
    if finish_reason in ("refusal", "content_filter") or (
        len(text) < _REFUSAL_MAX_CHARS and _REFUSAL.match(text)
    ):
        issues.append("refusal")
    if not text.replace(END_MARKER, "").strip():
        issues.append("empty")
    return Cleaned(text, issues)
