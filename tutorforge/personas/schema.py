"""The persona schema (version 1): one model per role, loaded from TOML."""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from tutorforge.personas.misconceptions import KNOWN_MISCONCEPTIONS
from tutorforge.personas.teacher_errors import TEACHER_ERROR_KINDS

SCHEMA_VERSION = 1

Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]


def _one_of(catalog: Mapping[str, object], kind: str) -> AfterValidator:
    """A validator accepting only the ids in `catalog`."""

    def check(key: str) -> str:
        if key not in catalog:
            raise PydanticCustomError(
                "unknown_id",
                "unknown {kind} '{key}' (known: {known})",
                {"kind": kind, "key": key, "known": ", ".join(catalog)},
            )
        return key

    return AfterValidator(check)


MisconceptionId = Annotated[str, _one_of(KNOWN_MISCONCEPTIONS, "misconception")]
TeacherErrorKind = Annotated[str, _one_of(TEACHER_ERROR_KINDS, "teacher error kind")]

PHRASE_FIELDS = (
    "name",
    "teacher",
    "problem",
    "ask",
    "claim",
    "text",
    "answer",
    "explanation",
    "hint",
    "wrong",
    "got",
    "left",
    "prev",
)
"""The {fields} a `style.phrases` template may use (the scripted backend fills those its act has)."""

# The acts a student persona may add phrasings to, and the fields the scripted backend fills in each. (A
# teacher's acts are many and follow its moves; its phrases are checked for known fields and form only.)
STUDENT_PHRASE_ACTS: dict[str, frozenset[str]] = {
    "attempt": frozenset({"claim"}),
    "fixed": frozenset({"claim"}),
    "final": frozenset({"answer"}),
}
MAX_PHRASE_CHARS = 2000


def phrase_fields(text: str) -> list[str]:
    """The fields a phrase template uses; PydanticCustomError for a format spec or conversion
    (`{claim:>3000000}` would write a 3 MB turn, `{claim:d}` fail every dialogue using it)."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise PydanticCustomError(
            "bad_phrase", "not a valid phrase template: {error}", {"error": str(exc)}
        ) from None
    fields = []
    for _, field, spec, conversion in parts:
        if field is None:
            continue
        if spec or conversion:
            written = (
                "{" + field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            )
            raise PydanticCustomError(
                "bad_phrase",
                "placeholder {placeholder}: only a bare field name is allowed, as in {example} (no format "
                "spec or conversion)",
                {"placeholder": written[:60], "example": "{claim}"},
            )
        fields.append(field)
    return fields


def _check_phrase(text: str) -> str:
    """Accept a phrase template only if it parses and uses bare field names from PHRASE_FIELDS."""
    if len(text) > MAX_PHRASE_CHARS:
        raise PydanticCustomError(
            "bad_phrase", "a phrase template is at most {limit} characters", {"limit": MAX_PHRASE_CHARS}
        )
    unknown = [field for field in phrase_fields(text) if field not in PHRASE_FIELDS]
    if unknown:
        raise PydanticCustomError(
            "bad_phrase",
            "unknown placeholder {placeholder} (known: {known}; double a brace to write it literally)",
            {"placeholder": f"{{{unknown[0]}}}", "known": ", ".join(PHRASE_FIELDS)},
        )
    return text


PhraseTemplate = Annotated[str, AfterValidator(_check_phrase)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Style(_Strict):
    """How a persona sounds. `voice` picks the scripted backend's phrase bank; `phrases` adds its own."""

    voice: str = "plain"
    phrases: dict[str, list[PhraseTemplate]] = Field(
        default_factory=dict, description="dialogue act -> extra phrasings (scripted backend)"
    )


class StudentProfile(_Strict):
    proficiency: Probability = Field(description="chance a step free of misconception is done right")
    misconceptions: dict[MisconceptionId, Probability] = Field(
        default_factory=dict, description="misconception id -> chance it strikes on a step it applies to"
    )
    self_correction: Probability = Field(
        default=0.8,
        description="chance the student fixes a slip once the teacher points at it, or drops a misconception "
        "once the teacher shows a contradiction",
    )
    slip_rate: Probability | None = Field(
        default=None,
        description="chance of a random arithmetic slip on a step; unset: 0 for a student with "
        "misconceptions, else 1 - proficiency",
    )
    question_rate: Probability = Field(default=0.06, description="chance the student asks a question first")
    confusion_rate: Probability = Field(default=0.05, description="chance the student says it is lost")
    guess_rate: Probability = Field(default=0.03, description="chance the student guesses the answer")

    def slips(self) -> float:
        """The chance of an arithmetic slip on a step."""
        if self.slip_rate is not None:
            return self.slip_rate
        return 0.0 if set(self.misconceptions) - {"arithmetic-slip"} else 1.0 - self.proficiency


MOVES = ("focus", "probing", "telling", "generic")
"""MathDial's teacher moves: focus (point at what to do next), probing (ask for an explanation or a
check), telling (state the rule or the step), generic (acknowledge, greet, ask in general)."""
Move = Literal["focus", "probing", "telling", "generic"]
DEFAULT_MOVES: dict[str, dict[str, float]] = {
    "socratic": {"focus": 0.3, "probing": 0.45, "telling": 0.1, "generic": 0.15},
    "explain": {"focus": 0.35, "probing": 0.2, "telling": 0.3, "generic": 0.15},
    "coach": {"focus": 0.35, "probing": 0.3, "telling": 0.15, "generic": 0.2},
}


class TeacherProfile(_Strict):
    pedagogy: Literal["socratic", "explain", "coach"]
    moves: dict[Move, Probability] = Field(
        default_factory=dict,
        description="target mix of teacher moves (weights); the scripted teacher picks by it where several "
        "moves fit; unset: the pedagogy's default",
    )
    reveal_policy: Literal["never", "after_attempts", "early"] = "never"
    reveal_after: int = Field(default=3, ge=1, description="attempts before revealing, for after_attempts")
    error_rate: Probability = Field(default=0.0, description="chance a turn carries a teacher error")
    error_kinds: dict[TeacherErrorKind, Probability] = Field(
        default_factory=dict,
        validate_default=True,
        description="teacher error kind -> weight (false_arithmetic, affirms_wrong_answer)",
    )

    def move_mix(self) -> dict[str, float]:
        """The target move mix, normalised to shares."""
        mix = self.moves or DEFAULT_MOVES[self.pedagogy]
        total = sum(mix.values()) or 1.0
        return {m: mix.get(m, 0.0) / total for m in MOVES}

    @field_validator("error_kinds")
    @classmethod
    def _kinds_for_errors(cls, kinds: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        if info.data.get("error_rate", 0.0) > 0 and not any(w > 0 for w in kinds.values()):
            raise PydanticCustomError(
                "no_error_kinds", "error_rate is above 0, so at least one error kind needs a weight above 0"
            )
        return kinds


class CriticProfile(_Strict):
    rubric: list[str] = Field(default_factory=list)
    vigilance: Probability = Field(
        default=0.5, description="chance the scripted critic sends a flagged teacher draft back"
    )


class _PersonaBase(_Strict):
    schema_version: Literal[1] = SCHEMA_VERSION
    name: Name
    version: str = "1"
    description: str
    display_name: str = Field(description="how the persona is addressed in a dialogue")
    prompt: str = Field(description="system prompt for LLM backends; may use {problem} and {display_name}")
    subjects: list[str] = Field(default_factory=lambda: ["math"])
    style: Style = Field(default_factory=Style)

    @model_validator(mode="after")
    def _phrases_fit_their_acts(self) -> _PersonaBase:
        """A student's `style.phrases` acts are ones it has, each template using only the fields its act
        fills (any other would fail every dialogue that draws it)."""
        if self.role != "student":
            return self
        for act, templates in self.style.phrases.items():
            if act not in STUDENT_PHRASE_ACTS:
                raise PydanticCustomError(
                    "bad_phrase",
                    "a student has no act '{act}' (acts: {known})",
                    {"act": act, "known": ", ".join(STUDENT_PHRASE_ACTS)},
                )
            fills = STUDENT_PHRASE_ACTS[act]
            for text in templates:
                missing = [f for f in phrase_fields(text) if f not in fills]
                if missing:
                    raise PydanticCustomError(
                        "bad_phrase",
                        "{field} is not filled in for this act (it has: {known})",
                        {"act": act, "field": "{" + missing[0] + "}", "known": ", ".join(sorted(fills))},
                    )
        return self


class StudentPersona(_PersonaBase):
    role: Literal["student"]
    student: StudentProfile


class TeacherPersona(_PersonaBase):
    role: Literal["teacher"]
    teacher: TeacherProfile


class CriticPersona(_PersonaBase):
    role: Literal["critic"]
    critic: CriticProfile


Persona = Annotated[StudentPersona | TeacherPersona | CriticPersona, Field(discriminator="role")]
