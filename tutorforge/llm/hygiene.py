"""Reply hygiene: what a model's reply must look like before it becomes a turn.

- A reply over `MAX_REPLY_CHARS`, or holding NUL, is not usable (the caller retries it); no pattern
  runs on it.
- The reply is read as normalised Unicode (`tutorforge.textnorm`: NFKC, zero-width and bidi marks
  dropped), so invisible or look-alike characters cannot hide a label.
- A reply that speaks for the other role is cut at the leak: a line opening with the other speaker's
  label ("Student:", "> Student:", "- **Sam:**", "Student (Maya):", "user:"), the other role's label
  inside a line ("... Great. Student: I think ..."), or a chat-template token (`<|im_start|>`, `[INST]`).
- A reply that opens with its own speaker label ("Teacher: Let's ...") loses the label.
- A reply cut off at the token limit is trimmed back to its last full sentence.
- An empty reply (after cleaning) and a refusal are not usable: the caller retries them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from tutorforge.textnorm import NUL, plain

END_MARKER = "[END]"
MAX_REPLY_CHARS = 20_000  # a longer reply is a failed attempt, retried, never a turn

# Role words: the chat roles count as labels too ("user:" in a teacher reply is the student speaking).
_LABELS = {
    "teacher": ("Teacher", "Tutor", "Assistant"),
    "student": ("Student", "User", "Human"),
    "critic": ("Critic",),
}
_ROLE_WORDS = frozenset(w for words in _LABELS.values() for w in words) | {"System"}
_TEMPLATE_TOKEN = re.compile(r"<\|[A-Za-z_]{1,30}\|>|\[/?INST\]|<</?SYS>>|</?s>|<(?:start|end)_of_turn>")
# A short reply that opens with an apology and declines: "I'm sorry, but I can't help with that."
# (A teacher's "I can't just give you the answer" is pedagogy, not a refusal.)
_REFUSAL = re.compile(
    r"^\W*(?:I'm sorry|I am sorry|Sorry|I apologi[sz]e)\b[^.!?\n]{0,40}?"
    r"\b(?:can't|cannot|can not|won't|will not|unable to|not able to)\s+"
    r"(?:help|assist|comply|continue|fulfil|fulfill|engage|participate)\b",
    re.I,
)
_REFUSAL_MAX_CHARS = 300
# Issues that make a reply unusable, in the order a failed call names them.
UNUSABLE = ("too_long", "nul", "refusal", "empty")
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


@dataclass
class Cleaned:
    """A reply after hygiene: its text, what was done to it, and whether it can be used."""

    text: str
    issues: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return not any(k in self.issues for k in UNUSABLE)


def _label_pattern(names: Iterable[str]) -> str:
    """A speaker label: `Name:`, `**Name:**`, `Name (Maya):`."""
    alternatives = "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True) if n)
    return rf"(?:\*\*|__)?(?:{alternatives})(?:[ \t]*\([^()\n]{{0,40}}\))?(?:\*\*|__)?[ \t]*:(?:\*\*|__)?"


def _leak(text: str, others: list[str]) -> int | None:
    """Where the reply starts speaking for someone else, if it does."""
    line = rf"(?:^|\n)[ \t]*(?:>[ \t]*)*(?:[-*][ \t]+)?{_label_pattern([*others, 'System'])}"
    starts = [m.start() for m in (re.search(line, text, flags=re.I), _TEMPLATE_TOKEN.search(text)) if m]
    words = [w for w in others if w in _ROLE_WORDS] + ["System"]
    inline = re.search(rf"[ \t]{_label_pattern(words)}[ \t]", text)  # capitalised: "... Student: I ..."
    if inline:
        starts.append(inline.start())
    return min(starts) if starts else None


def speaker_labels(role: str, display_name: str = "") -> list[str]:
    """The labels a turn of `role` could be introduced with."""
    return [*_LABELS.get(role, ()), display_name] if display_name else list(_LABELS.get(role, ()))


def clean_reply(
    text: str, finish_reason: str, own: list[str], others: list[str], *, prose: bool = True
) -> Cleaned:
    """Apply the hygiene rules to one reply. `own`/`others` are the speaker labels of each side;
    `prose=False` (structured replies) keeps a truncated reply as it is instead of trimming it."""
    if len(text) > MAX_REPLY_CHARS:
        return Cleaned("", ["too_long"])
    if NUL in text:
        return Cleaned("", ["nul"])
    issues: list[str] = []
    text = plain(text).strip()
    if own:
        stripped = re.sub(rf"^{_label_pattern(own)}\s*", "", text, flags=re.I)
        if stripped != text:
            issues.append("own_label")
            text = stripped
    leak = _leak(text, others)
    if leak is not None:
        issues.append("role_leak")
        text = text[:leak].rstrip()
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
