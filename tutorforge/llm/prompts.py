"""Messages for each role, built from the personas and the transcript, from the speaker's point of view.

- The persona's `prompt` (with `{problem}` and `{display_name}` filled in) opens the system message; the
  role's rules follow, and the system message ends with "Your role: ROLE." (the fake server reads it).
- The agent's own turns are `assistant` messages and the other side's are `user` messages; the list
  always starts with a user message and alternates.
- The teacher sees the problem, the reference answer and the reference solution steps.
- The student sees only the problem (and, for MathDial personas, its own earlier wrong solution): never
  the reference answer or steps.
- The critic sees the problem and reference answer, the dialogue so far, the teacher's draft and the
  verifier's verdict, and must answer with one JSON object (see `critique`).
- The teacher closes a conversation by ending its closing message with `[END]`; the agents strip it.
"""

from __future__ import annotations

from tutorforge.dialogues.agents import DialogueView
from tutorforge.llm.base import Message
from tutorforge.llm.critique import DIMENSIONS
from tutorforge.llm.hygiene import END_MARKER
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


def fill(template: str, problem: str, display_name: str) -> str:
    """A persona prompt with `{problem}` and `{display_name}` filled in; other braces are left alone."""
    return template.replace("{problem}", problem).replace("{display_name}", display_name)


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


def teacher_messages(view: DialogueView, feedback: str | None = None) -> list[Message]:
    """The teacher's request: persona, problem with reference solution, rules, and the dialogue so far."""
    t, s, p = view.teacher, view.student, view.problem
    steps = "\n".join(f"{i}. {step.text}" for i, step in enumerate(p.steps, 1)) or "(no worked steps given)"
    system = "\n\n".join(
        [
            fill(t.prompt, p.statement, t.display_name),
            f"The problem:\n{p.statement}\n\nReference answer: {p.answer}\n\nReference solution:\n{steps}",
            "How to speak:\n"
            f"- You are {t.display_name}, tutoring {s.display_name}. Write only your own next turn: one short"
            " message of a few sentences, with no speaker label. Never write the student's lines.\n"
            f"- {_PEDAGOGY[t.teacher.pedagogy]}\n"
            f"- {_REVEAL[t.teacher.reveal_policy].format(n=t.teacher.reveal_after)}\n"
            "- Check every calculation you write; never confirm a wrong answer.\n"
            f"- When the student has found the correct final answer and you close the session, end that"
            f" closing message with {END_MARKER}. Write {END_MARKER} nowhere else.",
            "Your role: teacher.",
        ]
    )
    turns = [("assistant" if turn.role == "teacher" else "user", turn.text) for turn in view.turns]
    if feedback:
        note = f"[Reviewer's note on your draft of this turn: {feedback.strip()} Write the turn again.]"
        turns.append(("user", note))
    opening = f"[{s.display_name} has joined the session to work on the problem. Start the conversation.]"
    return [Message("system", system), *_alternating(turns, opening)]


def student_messages(view: DialogueView, *, mathdial: bool = False) -> list[Message]:
    """The student's request: persona and problem only (no reference answer or steps), and the dialogue.

    With `mathdial`, the persona comes from the problem's MathDial `student_profile` and the student starts
    from its `student_incorrect_solution`, which it believes until the teacher shows otherwise.
    """
    t, s, p = view.teacher, view.student, view.problem
    persona = fill(s.prompt, p.statement, s.display_name)
    extra = ""
    if mathdial:
        profile = str(p.meta.get("student_profile") or "").strip()
        wrong = str(p.meta.get("student_incorrect_solution") or "").strip()
        persona = profile or persona
        if wrong:
            extra = (
                "Before the session you solved the problem like this, and you believe it is right:\n"
                f"{wrong}\n\nDefend this solution until the tutor helps you see where it goes wrong."
            )
    system = "\n\n".join(
        part
        for part in [
            persona,
            f"The problem you are working on:\n{p.statement}",
            extra,
            "How to speak:\n"
            f"- You are {s.display_name}, a student talking with {t.display_name}, your tutor. Write only"
            " your own next turn: one short message, with no speaker label. Never write the tutor's lines.\n"
            "- Work the problem as this student would, mistakes included; you do not know the answer.\n"
            '- When you commit to an answer, say it as "My final answer is ...".',
            "Your role: student.",
        ]
        if part
    )
    turns = [("assistant" if turn.role == "student" else "user", turn.text) for turn in view.turns]
    return [Message("system", system), *_alternating(turns, "[The tutor is waiting for you.]")]


def _verdict_text(verdict: TurnVerdict) -> str:
    lines = [f"status: {verdict.status}"]
    lines += [f"- {f.kind} ({f.severity}): {f.claim!r}: {f.detail}" for f in verdict.flags]
    return "\n".join(lines)


def critic_messages(view: DialogueView, draft: str, verdict: TurnVerdict) -> list[Message]:
    """The critic's request: rubric and JSON schema as system; the case to judge as one user message."""
    c, p = view.critic, view.problem
    rubric = "\n".join(f"- {item}" for item in c.critic.rubric)
    keys = "\n".join(f'- "{name}": one of {" | ".join(labels)}' for name, labels in DIMENSIONS.items())
    system = "\n\n".join(
        part
        for part in [
            fill(c.prompt, p.statement, c.display_name),
            f"Your rubric:\n{rubric}" if rubric else "",
            "Judge the teacher's draft of the next turn. Reply with one JSON object and nothing else, with"
            f' these keys:\n{keys}\n- "verdict": "accept" or "revise"\n'
            '- "feedback": what the teacher should change (empty when you accept)\n'
            "Ask for a revision when the draft contains a mathematical error, confirms a wrong answer,"
            " gives away the answer against the tutor's policy, or speaks for the student.",
            "Your role: critic.",
        ]
        if part
    )
    transcript = "\n".join(f"{turn.role.title()}: {turn.text}" for turn in view.turns) or "(nothing yet)"
    case = (
        f"Problem:\n{p.statement}\n\nReference answer: {p.answer}\n\nDialogue so far:\n{transcript}\n\n"
        f"The teacher's draft of the next turn:\n{draft}\n\n"
        f"The automatic verifier's verdict on the draft:\n{_verdict_text(verdict)}"
    )
    return [Message("system", system), Message("user", case)]
