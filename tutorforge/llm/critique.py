"""The critic's structured reply: MRBench's eight pedagogical dimensions, a verdict and feedback.

Label sets follow MRBench (Maurya et al., 2025): most dimensions take Yes / To some extent / No;
mistake_identification and mistake_location also take "Not applicable" (the student made no mistake);
revealing_of_the_answer takes "Yes (and the revealed answer is correct)", "Yes (but the revealed answer
is incorrect)" or No; tutor_tone takes Encouraging / Neutral / Offensive.

`CRITIC_SCHEMA` is the same contract as a JSON schema, for the APIs' structured outputs. `rule_reasons`
applies the rules that hold whatever the critic's own verdict: a draft that reveals the answer under a
"never" policy, or that leaves a student error the verifier found unaddressed, is revised.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from tutorforge.llm.base import Schema

YES_PARTLY_NO = ("Yes", "To some extent", "No")
MISTAKE = (*YES_PARTLY_NO, "Not applicable")
REVEALING = ("Yes (and the revealed answer is correct)", "Yes (but the revealed answer is incorrect)", "No")
TONE = ("Encouraging", "Neutral", "Offensive")

DIMENSIONS: dict[str, tuple[str, ...]] = {
    "mistake_identification": MISTAKE,
    "mistake_location": MISTAKE,
    "revealing_of_the_answer": REVEALING,
    "providing_guidance": YES_PARTLY_NO,
    "actionability": YES_PARTLY_NO,
    "coherence": YES_PARTLY_NO,
    "tutor_tone": TONE,
    "humanlikeness": YES_PARTLY_NO,
}


def _label(allowed: tuple[str, ...]):
    """Match a label case- and space-insensitively; "Yes (correct)"-style shorthands map to the full label."""

    def normalise(value: object) -> object:
        if not isinstance(value, str):
            return value
        text = " ".join(value.split()).lower()
        for label in allowed:
            if text == label.lower():
                return label
        if allowed is REVEALING and text.startswith("yes"):
            return REVEALING[1] if "incorrect" in text else REVEALING[0]
        if allowed is MISTAKE and text in ("n/a", "na", "none", "not applicable"):
            return MISTAKE[-1]
        return value

    return BeforeValidator(normalise)


Label = Literal[YES_PARTLY_NO]  # type: ignore[valid-type]
Mistake = Literal[MISTAKE]  # type: ignore[valid-type]
Revealing = Literal[REVEALING]  # type: ignore[valid-type]
Tone = Literal[TONE]  # type: ignore[valid-type]


class CriticReply(BaseModel):
    """What the critic must return."""

    model_config = ConfigDict(extra="ignore")

    mistake_identification: Annotated[Mistake, _label(MISTAKE)]
    mistake_location: Annotated[Mistake, _label(MISTAKE)]
    revealing_of_the_answer: Annotated[Revealing, _label(REVEALING)]
    providing_guidance: Annotated[Label, _label(YES_PARTLY_NO)]
    actionability: Annotated[Label, _label(YES_PARTLY_NO)]
    coherence: Annotated[Label, _label(YES_PARTLY_NO)]
    tutor_tone: Annotated[Tone, _label(TONE)]
    humanlikeness: Annotated[Label, _label(YES_PARTLY_NO)]
    verdict: Annotated[Literal["accept", "revise"], _label(("accept", "revise"))]
    feedback: str = ""

    def scores(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in DIMENSIONS}


def _enum(labels: tuple[str, ...]) -> dict:
    return {"type": "string", "enum": list(labels)}


CRITIC_SCHEMA = Schema(
    "critic_verdict",
    {
        "type": "object",
        "properties": {
            **{name: _enum(labels) for name, labels in DIMENSIONS.items()},
            "verdict": _enum(("accept", "revise")),
            "feedback": {"type": "string"},
        },
        "required": [*DIMENSIONS, "verdict", "feedback"],
        "additionalProperties": False,
    },
    "The critic's judgement of the tutor's draft on each dimension, its verdict and its feedback.",
)


def rule_reasons(reply: CriticReply, reveal_policy: str, student_errors: bool) -> list[str]:
    """Why the draft must be revised whatever the critic's verdict, in words the teacher can act on."""
    reasons = []
    revealing = reply.revealing_of_the_answer
    if revealing == REVEALING[1]:
        reasons.append("It reveals an answer, and the answer it reveals is wrong.")
    elif revealing == REVEALING[0] and reveal_policy == "never":
        reasons.append("It gives the answer away, and you never state the answer: lead the student to it.")
    if student_errors and reply.mistake_identification in ("No", "Not applicable"):
        reasons.append("The student's last message has a mistake, and the draft does not address it.")
    return reasons


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


def extract_json(text: str) -> dict | None:
    """The JSON object in a reply: the whole text, a fenced block, or the outermost {...}; else None."""
    candidates = [text.strip(), *(m.group(1).strip() for m in _FENCE.finditer(text))]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def parse_critic(text: str) -> CriticReply | None:
    """The critic's reply parsed and validated, or None when it does not fit the schema."""
    data = extract_json(text)
    if data is None:
        return None
    try:
        return CriticReply.model_validate(data)
    except ValidationError:
        return None
