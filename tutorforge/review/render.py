"""Rich text for the review app: turns with their flagged spans highlighted and numbered, the verifier's
details, generator labels, the problem card and the trail."""

from __future__ import annotations

import time

from rich.text import Text

from tutorforge.review.trail import TurnEdit
from tutorforge.storage.record import DialogueRecord, GeneratorLabel, Turn
from tutorforge.verifiers.types import Flag

ROLE_STYLE = {"teacher": "bold cyan", "student": "bold green"}
SPAN_STYLE = {"error": "bold white on red", "info": "black on yellow"}
NOTE_STYLE = {"error": "red", "info": "yellow"}
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def marker(n: int) -> str:
    """The superscript number that ties a highlighted span to its detail: 1 -> ¹."""
    return str(n).translate(_SUPERSCRIPT)


def highlighted(text: str, flags: list[Flag], *, base: str = "") -> Text:
    """`text` with each flag's span styled by severity and followed by the flag's number."""
    out = Text(text, style=base)
    ends: dict[int, list[int]] = {}
    for n, flag in enumerate(flags, 1):
        start = max(0, min(flag.span[0], len(text)))
        end = max(start, min(flag.span[1], len(text)))
        if end > start:
            out.stylize(SPAN_STYLE.get(flag.severity, SPAN_STYLE["error"]), start, end)
        ends.setdefault(end, []).append(n)
    result = Text()
    position = 0
    for piece in out.divide(sorted(ends)):
        if position in ends:
            result.append(marker_list(ends.pop(position)), style="bold magenta")
        result.append_text(piece)
        position += len(piece)
    if position in ends:
        result.append(marker_list(ends.pop(position)), style="bold magenta")
    return result


def marker_list(numbers: list[int]) -> str:
    """Markers for several flags ending at one place."""
    return "".join(marker(n) for n in numbers)


def turn_body(turn: Turn, edit: TurnEdit | None) -> Text:
    """The role (coloured) and act, then the text with its flags; an edited turn shows its new text and,
    dimmed, the original the flags point into."""
    head = Text(f"{turn.index:>2} ", style="dim")
    head.append(turn.role, style=ROLE_STYLE.get(turn.role, "bold"))
    head.append(f" · {turn.act}", style="dim")
    if edit is not None:
        head.append(f"  edited by {edit.reviewer}", style="bold magenta")
        body = Text(edit.text)
        body.append("\noriginal: ", style="dim italic")
        body.append_text(highlighted(turn.text, turn.verdict.flags, base="dim"))
    else:
        body = highlighted(turn.text, turn.verdict.flags)
    return Text("\n").join([head, body])


def turn_notes(turn: Turn, labels: list[GeneratorLabel] | None) -> Text:
    """The verifier's findings on the turn, numbered like its spans; with `labels`, the generator's too."""
    lines = []
    for n, flag in enumerate(turn.verdict.flags, 1):
        line = Text(f"{marker(n)} ", style="bold magenta")
        line.append(flag.kind, style=f"bold {NOTE_STYLE.get(flag.severity, 'red')}")
        if flag.detail:
            line.append(f": {flag.detail}")
        lines.append(line)
    critic = turn.critic.get("verdict")
    if critic == "revise" or turn.critic.get("unparseable"):
        feedback = turn.critic.get("feedback", "")
        lines.append(Text(f"critic: {critic or 'unreadable'} {feedback}".rstrip(), style="yellow"))
    if turn.drafts:
        lines.append(Text(f"{len(turn.drafts)} draft(s) sent back by the critic", style="dim"))
    for label in labels or ():
        lines.append(
            Text(f"label: {label.kind} {label.misconception} {label.detail}".rstrip(), style="magenta")
        )
    return Text("\n").join(lines)


def problem_card(record: DialogueRecord) -> Text:
    """The problem, its reference answer and the reference steps."""
    p = record.problem
    out = Text("Problem ", style="bold")
    out.append(p.statement)
    out.append("\nAnswer ", style="bold")
    out.append(f"{p.answer} {p.answer_unit}".strip(), style="bold green")
    if p.steps:
        out.append("\nSteps ", style="bold")
        out.append("; ".join(s.claim or s.text for s in p.steps), style="dim")
    return out


def dialogue_head(record: DialogueRecord, trail: list[dict], *, held: bool) -> Text:
    """The dialogue's id, reasons, personas and its review trail so far."""
    out = Text(record.dialogue_id, style="bold")
    out.append("  " + ", ".join(record.review_reasons), style="bold red")
    out.append(f"  {record.teacher} / {record.student} / {record.critic}", style="dim")
    out.append("  held by you" if held else "  not held", style="green" if held else "yellow")
    for row in trail:
        when = time.strftime("%m-%d %H:%M", time.localtime(row["decided_at"]))
        what = row["decision"]
        if row["decision"] == "edited":
            what = f"edited turn {', '.join(str(e['turn']) for e in row['edits'])}"
        detail = row["reason"] or row["note"]
        out.append(f"\n  {when} {row['reviewer']}: {what}{': ' + detail if detail else ''}", style="dim")
    return out
