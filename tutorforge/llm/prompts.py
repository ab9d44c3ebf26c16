"""Messages for each role, built from the personas and the transcript, from the speaker's point of view.

- The persona's `prompt` (with `{problem}` and `{display_name}` filled in) opens the system message; the
  role's rules follow, and the system message ends with "Your role: ROLE." (the fake server reads it).
  The problem is stated once: a persona prompt without `{problem}` gets it after the prompt.
- Each role has one name per dialogue: the student is `view.student_display` (the dialogue's drawn name)
  or, with MathDial students, the name its MathDial profile gives; the teacher is its persona's name.
- The agent's own turns are `assistant` messages and the other side's are `user` messages; the list
  always starts with a user message and alternates.
- The teacher sees the problem, the reference answer and the reference solution steps, and answers with
  a hidden plan and its message (see `plan`). Asked to revise, it sees its rejected draft as its own
  last message and the reason in plain words.
- The student sees only the problem (and, for MathDial personas, its own earlier wrong solution; with a
  misconception to play, how someone holding it reasons): never the reference answer or steps. With the
  "attempt" opening it first writes its own worked attempt.
- The critic sees the reference answer and steps, the tutor's reveal policy, the dialogue so far with the
  verifier's flags on the student's last turn, the teacher's draft and the verifier's verdict on it, and
  must answer with one JSON object (see `critique`).
- The teacher closes a conversation by ending its closing message with `[END]`; the agents strip it.
"""

from __future__ import annotations

import re

from tutorforge.dialogues.agents import DialogueView
from tutorforge.llm.base import Message
from tutorforge.llm.critique import DIMENSIONS
from tutorforge.llm.hygiene import END_MARKER
from tutorforge.llm.plan import MOVES
from tutorforge.personas.misconceptions import KNOWN_MISCONCEPTIONS
from tutorforge.verifiers.types import TurnVerdict

_PEDAGOGY = {
    "socratic": "Teach by asking one guiding question at a time; let the student do the work.",
    "explain": "Explain the idea behind each step clearly, then let the student apply it.",
    "coach": "Encourage the student and give short, concrete hints when they are stuck.",
}
_REVEAL = {
    "never": "Never state the final answer yourself; guide the student until they find it.",
    "after_attempts": "Do not state the final answer unless the student has tried and failed {n} times.",
    "early": "You may state the final answer when it helps, but make sure the student understands why.",
}
_MOVES = {
    "focus": "point the student at one step, quantity or rule to look at next",
    "probing": "ask the student to explain or check their own reasoning",
    "telling": "state a step's result, a correction or the answer",
    "generic": "anything else: a greeting, encouragement, closing the session",
}
# MathDial profiles open with the student's name: "Mariana is a 7th grade student. ..."
_PROFILE_NAME = re.compile(r"([A-Z][a-z]{1,20})(?: is|'s)\b")


def fill(template: str, problem: str, display_name: str) -> str:
    """A persona prompt with `{problem}` and `{display_name}` filled in; other braces are left alone."""
    return template.replace("{problem}", problem).replace("{display_name}", display_name)


def _persona(template: str, problem: str, display_name: str, heading: str) -> str:
    """The filled persona prompt, followed by the problem only when the prompt does not already hold it."""
    filled = fill(template, problem, display_name)
    return filled if "{problem}" in template else f"{filled}\n\n{heading}\n{problem}"


def student_name(view: DialogueView, mathdial: bool = False) -> str:
    """The student's one name: its MathDial profile's name with MathDial students, else the dialogue's."""
    if mathdial:
        match = _PROFILE_NAME.match(str(view.problem.meta.get("student_profile") or "").strip()[:40])
        if match:
            return match.group(1)
    return view.student_display


def _alternating(turns: list[tuple[str, str]], opening: str) -> list[Message]:
    """user/assistant messages starting with a user message, consecutive same-role turns merged."""
    if not turns or turns[0][0] != "user":
        turns = [("user", opening), *turns]
    merged: list[list[str]] = []
    for role, text in turns:
        if merged and merged[-1][0] == role:
            merged[-1][1] += "\n\n" + text
        else:
            merged.append([role, text])
    return [Message(role, text) for role, text in merged]  # type: ignore[arg-type]


def _steps(view: DialogueView) -> str:
    steps = view.problem.steps
    return "\n".join(f"{i}. {step.text}" for i, step in enumerate(steps, 1)) or "(no worked steps given)"


def _known_errors(view: DialogueView) -> list[str]:
    """Misconception ids the problem's steps carry: names the teacher may use for the error it targets."""
    return sorted({m for step in view.problem.steps for m in step.variants})


def teacher_messages(
    view: DialogueView, feedback: str | None = None, *, mathdial: bool = False
) -> list[Message]:
    """The teacher's request: persona, problem with reference solution, rules, reply format, and the
    dialogue so far; when revising, its rejected draft and the reason."""
    t, p = view.teacher, view.problem
    name = student_name(view, mathdial)
    known = ", ".join(_known_errors(view))
    names = f" (for example {known})" if known else ""
    moves = "\n".join(f'  - "{move}": {_MOVES[move]}' for move in MOVES)
    opening = (
        f"- The session opens with {name}'s own attempt at the problem. Find the first step that goes"
        " wrong and address that step before anything else.\n"
        if view.opening == "attempt"
        else ""
    )
    system = "\n\n".join(
        [
            _persona(t.prompt, p.statement, t.display_name, "The problem:"),
            f"Reference answer: {p.answer}\n\nReference solution:\n{_steps(view)}",
            "How to speak:\n"
            f"- You are {t.display_name}, tutoring {name}. Write only your own next turn: one short message"
            " of a few sentences. Never write the student's lines.\n"
            f"{opening}"
            f"- {_PEDAGOGY[t.teacher.pedagogy]}\n"
            f"- {_REVEAL[t.teacher.reveal_policy].format(n=t.teacher.reveal_after)}\n"
            "- Check every calculation you write; never confirm a wrong answer.\n"
            f"- When the student has found the correct final answer and you close the session, end that"
            f" closing message with {END_MARKER}. Write {END_MARKER} nowhere else.",
            "Reply with one JSON object and nothing else, with these keys:\n"
            f'- "move": the kind of turn you are making, one of:\n{moves}\n'
            f'- "target": the student\'s error this turn addresses, as a short name{names}, or "" when it'
            " addresses none\n"
            f'- "message": your turn exactly as {name} will read it. The move and target are your private'
            " plan: never mention them in the message.",
            "Your role: teacher.",
        ]
    )
    turns = [("assistant" if turn.role == "teacher" else "user", turn.text) for turn in view.turns]
    if view.drafts:
        turns.append(("assistant", view.drafts[-1].text))
        reason = (feedback or "It needs another try.").strip()
        turns.append(
            ("user", f"[Your last message was not sent to {name}. Why: {reason} Write the turn again.]")
        )
    elif feedback:
        note = f"[Reviewer's note on your draft of this turn: {feedback.strip()} Write the turn again.]"
        turns.append(("user", note))
    return [Message("system", system), *_alternating(turns, f"[{name} has joined the session. Start.]")]


ATTEMPT_REQUEST = (
    "[Before the session starts, write your own worked solution to the problem, the way you really would"
    ' work it: each step with its calculation, then "My final answer is ...". Nobody has helped you yet.]'
)


def student_messages(view: DialogueView, *, mathdial: bool = False) -> list[Message]:
    """The student's request: persona and problem only (no reference answer or steps), and the dialogue.

    With `mathdial`, the persona comes from the problem's MathDial `student_profile` and the student starts
    from its `student_incorrect_solution`, which it believes until the teacher shows otherwise. With
    `view.misconception`, the student is told how someone holding it reasons.
    """
    t, s, p = view.teacher, view.student, view.problem
    name = student_name(view, mathdial)
    persona = _persona(s.prompt, p.statement, name, "The problem you are working on:")
    extra = ""
    if mathdial:
        profile = str(p.meta.get("student_profile") or "").strip()
        wrong = str(p.meta.get("student_incorrect_solution") or "").strip()
        if profile:
            persona = f"{profile}\n\nThe problem you are working on:\n{p.statement}"
        if wrong:
            extra = (
                "Before the session you solved the problem like this, and you believe it is right:\n"
                f"{wrong}\n\nDefend this solution until the tutor helps you see where it goes wrong."
            )
    elif view.misconception in KNOWN_MISCONCEPTIONS:
        extra = (
            f"What you believe: {KNOWN_MISCONCEPTIONS[view.misconception].hint} Keep working this way"
            " until the tutor shows you a case where it cannot be right; then say in your own words what"
            " you now see."
        )
    system = "\n\n".join(
        part
        for part in [
            persona,
            extra,
            "How to speak:\n"
            f"- You are {name}, a student talking with {t.display_name}, your tutor. Write only your own"
            " next turn: one short message, with no speaker label. Never write the tutor's lines.\n"
            "- Work the problem as this student would; you do not know the answer in advance.\n"
            '- When you commit to an answer, say it as "My final answer is ...".',
            "Your role: student.",
        ]
        if part
    )
    turns = [("assistant" if turn.role == "student" else "user", turn.text) for turn in view.turns]
    opening = ATTEMPT_REQUEST if view.opening == "attempt" else "[The tutor is waiting for you.]"
    return [Message("system", system), *_alternating(turns, opening)]


def _verdict_text(verdict: TurnVerdict) -> str:
    lines = [f"status: {verdict.status}"]
    lines += [f"- {f.kind} ({f.severity}): {f.claim!r}: {f.detail}" for f in verdict.flags]
    return "\n".join(lines)


def student_errors(view: DialogueView) -> list[str]:
    """The verifier's error findings on the student's last turn, one line each."""
    last = next((turn for turn in reversed(view.turns) if turn.role == "student"), None)
    if last is None:
        return []
    return [f"- {f.kind}: {f.claim!r}: {f.detail}" for f in last.verdict.flags if f.severity == "error"]


def critic_messages(view: DialogueView, draft: str, verdict: TurnVerdict) -> list[Message]:
    """The critic's request: rubric and JSON schema as system; the case to judge as one user message."""
    c, t, p = view.critic, view.teacher, view.problem
    rubric = "\n".join(f"- {item}" for item in c.critic.rubric)
    keys = "\n".join(f'- "{name}": one of {" | ".join(labels)}' for name, labels in DIMENSIONS.items())
    system = "\n\n".join(
        part
        for part in [
            _persona(c.prompt, p.statement, c.display_name, "The problem being tutored:"),
            f"Your rubric:\n{rubric}" if rubric else "",
            "Judge the teacher's draft of the next turn. Reply with one JSON object and nothing else, with"
            f' these keys:\n{keys}\n- "verdict": "accept" or "revise"\n'
            '- "feedback": what the teacher should change (empty when you accept)\n'
            'Use "Not applicable" for mistake_identification and mistake_location when the student\'s last'
            " turn has no mistake (or there is no student turn yet).\n"
            "Ask for a revision when the draft contains a mathematical error, confirms a wrong answer,"
            " gives away the answer against the tutor's reveal policy, leaves the student's mistake"
            " unaddressed, or speaks for the student.",
            "Your role: critic.",
        ]
        if part
    )
    transcript = "\n".join(f"{turn.role.title()}: {turn.text}" for turn in view.turns) or "(nothing yet)"
    policy = _REVEAL[t.teacher.reveal_policy].format(n=t.teacher.reveal_after)
    errors = "\n".join(student_errors(view)) or "(none found)"
    case = (
        f"Reference answer: {p.answer}\n\nReference solution:\n{_steps(view)}\n\n"
        f"The tutor's reveal policy ({t.teacher.reveal_policy}): {policy}\n\n"
        f"Dialogue so far:\n{transcript}\n\n"
        f"The automatic verifier's findings on the student's last turn:\n{errors}\n\n"
        f"The teacher's draft of the next turn:\n{draft}\n\n"
        f"The automatic verifier's verdict on the draft:\n{_verdict_text(verdict)}"
    )
    return [Message("system", system), Message("user", case)]
