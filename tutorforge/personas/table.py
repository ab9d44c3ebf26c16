"""The persona listing shown by `tutorforge personas list`."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table

from tutorforge.personas.schema import CriticPersona, StudentPersona, TeacherPersona


def persona_table(personas: Iterable[StudentPersona | TeacherPersona | CriticPersona]) -> Table:
    """A table of name, role, version, description and, for students, misconceptions with their chances."""
    table = Table(show_lines=False)
    table.add_column("name", no_wrap=True, style="bold")
    table.add_column("role", no_wrap=True)
    table.add_column("version", no_wrap=True)
    table.add_column("description")
    table.add_column("misconceptions")
    for p in personas:
        misconceptions = ""
        if isinstance(p, StudentPersona):
            chances = p.student.misconceptions.items()
            misconceptions = ", ".join(f"{mid} {chance:g}" for mid, chance in chances) or "none"
        table.add_row(p.name, p.role, p.version, p.description, misconceptions)
    return table
