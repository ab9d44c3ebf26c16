"""The persona listing shown by `tutorforge personas list`: a table, or JSON for scripts."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table

from tutorforge.personas.schema import CriticPersona, StudentPersona, TeacherPersona

AnyPersona = StudentPersona | TeacherPersona | CriticPersona


def persona_table(personas: Iterable[AnyPersona]) -> Table:
    """A table of name, role, subjects, version, description and, for students, misconceptions with
    their chances."""
    table = Table(show_lines=False)
    table.add_column("name", no_wrap=True, style="bold")
    table.add_column("role", no_wrap=True)
    table.add_column("subjects", no_wrap=True)
    table.add_column("version", no_wrap=True)
    table.add_column("description")
    table.add_column("misconceptions")
    for p in personas:
        misconceptions = ""
        if isinstance(p, StudentPersona):
            chances = p.student.misconceptions.items()
            misconceptions = ", ".join(f"{mid} {chance:g}" for mid, chance in chances) or "none"
        table.add_row(p.name, p.role, ", ".join(p.subjects), p.version, p.description, misconceptions)
    return table


def persona_records(personas: Iterable[AnyPersona]) -> list[dict]:
    """The same listing as plain JSON values: name, role, subjects, version, description and, for
    students, misconceptions (id -> chance)."""
    return [
        {
            "name": p.name,
            "role": p.role,
            "subjects": list(p.subjects),
            "version": p.version,
            "description": p.description,
            "misconceptions": dict(p.student.misconceptions) if isinstance(p, StudentPersona) else {},
        }
        for p in personas
    ]
