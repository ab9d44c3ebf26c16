"""The errors a faulty teacher persona may make on purpose (keys of `teacher.error_kinds`)."""

from __future__ import annotations

from types import MappingProxyType

TEACHER_ERROR_KINDS: MappingProxyType[str, str] = MappingProxyType(
    {
        "false_arithmetic": "states an arithmetic result that is false, e.g. '7 * 8 = 54'",
        "affirms_wrong_answer": "confirms a student's wrong step or answer as correct",
    }
)
"""Teacher error kind -> what it looks like. The ids are also the verifier flag kinds that catch them."""
