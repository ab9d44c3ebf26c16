"""The scripted backend: offline, deterministic agents that write from the structured state.

The teacher reads the problem's reference steps and the student's structured work (the claim it made),
diagnoses a wrong step by matching it against the known misconception variants, and reacts in its
persona's voice. The student works through the reference steps and makes the errors its misconception
profile draws. A faulty teacher makes teacher errors at its set rate. Every injected error becomes a
generator label; the critic sees only the draft and the verifier's verdict.
"""

from __future__ import annotations

import random
import re

from tutorforge.dialogues.agents import CriticDecision, DialogueView, Utterance
from tutorforge.dialogues.record import GeneratorLabel, Turn
from tutorforge.llm.scripted_phrases import AFFIRM_WRONG, STUDENT, TEACHER
from tutorforge.problems.model import Problem, Step
from tutorforge.verifiers.types import TurnVerdict

_LAST_INT = re.compile(r"(?<![\w^.\-])(-?\d+)(\s*)$")
_ARITHMETIC = re.compile(r"-?[\d.]+(\s*[-+×÷*/]\s*-?[\d.]+)+")
# A question placed after a lead-in ("Now, what ...") continues the sentence in lower case.
_AFTER_COMMA = re.compile(r", (What|How|Which|Where|Why|When|Can|Could|Does|Do|Is|If|Using|After|Now|Then)\b")

# Socratic probes per misconception: questions that point at the error without telling.
PROBES: dict[str, list[str]] = {
    "sign-slip": [
        "When a term moves to the other side of the equals sign, what happens to its sign?",
        "If you subtract that term from both sides, what is left on the right?",
    ],
    "order-of-operations": [
        "Which operation should come first here, and why?",
        "Do we always work from left to right, or do some operations go first?",
    ],
    "fraction-add-across": [
        "Can we add fractions by adding the tops and the bottoms separately?",
        "What do the two fractions need to have in common before we add them?",
    ],
    "percent-of-confusion": [
        "What does 'percent' mean as a fraction of 100?",
        "Should taking a percent of a number make it bigger or smaller here?",
    ],
    "distribute-one-term": [
        "When you multiply out the bracket, which terms does the number outside multiply?",
        "Did the factor outside the bracket reach every term inside it?",
    ],
    "drop-chain-rule": [
        "What is the derivative of the inside expression, and where does it go?",
        "When the function is inside another function, what extra factor do we need?",
    ],
    "power-rule-exponent": [
        "After differentiating x^n, what happens to the exponent?",
        "Does the power stay the same when you take the derivative?",
    ],
    "factor-sign": [
        "If x - a = 0, what value of x makes it true?",
        "Plug your values back into the factors: do they give zero?",
    ],
    "subtract-instead-of-add": [
        "Does the story make the amount go up or down at this point?",
        "Should we be combining these amounts or taking one away?",
    ],
}


def corrupt_claim(claim: str, rng: random.Random, *, arithmetic: bool = False) -> tuple[str, str] | None:
    """The claim with its final integer nudged by 1 to 3, and the new value; None if it ends in no integer.

    With `arithmetic`, only claims whose last link is plain arithmetic (`... = 20 - 5 = 15`), so the
    result is false arithmetic rather than a wrong statement about the unknown.
    """
    m = _LAST_INT.search(claim)
    if not m:
        return None
    if arithmetic:
        links = claim.split("=")
        if len(links) < 2 or not _ARITHMETIC.fullmatch(links[-2].strip()):
            return None
    value = int(m.group(1))
    delta = rng.choice((-3, -2, -1, 1, 2, 3))
    if value + delta < 0 <= value:
        delta = -delta
    wrong = str(value + delta)
    return claim[: m.start(1)] + wrong + m.group(2), wrong


def _pick(rng: random.Random, bank: list[str], extra: list[str] | None = None) -> str:
    options = bank + extra if extra else bank
    return options[rng.randrange(len(options))]


def _last(turns: list[Turn], role: str) -> Turn | None:
    for t in reversed(turns):
        if t.role == role:
            return t
    return None


def _answer_text(problem: Problem, value: str) -> str:
    unit = problem.answer_unit
    if unit and re.fullmatch(r"-?[\d.,/]+", value):
        return f"{value} {unit}"
    return value


class ScriptedAgents:
    """The offline backend: implements the `Agents` protocol with no model and no network."""

    name = "scripted"

    def _teacher_bank(self, view: DialogueView, act: str) -> tuple[list[str], list[str]]:
        voice = view.teacher.style.voice
        banks = TEACHER.get(voice) or TEACHER[view.teacher.teacher.pedagogy]
        return banks[act], view.teacher.style.phrases.get(act, [])

    def _say(self, view: DialogueView, act: str, **fields: str) -> str:
        bank, extra = self._teacher_bank(view, act)
        text = _pick(view.rng, bank, extra).format(
            name=view.student.display_name, teacher=view.teacher.display_name, **fields
        )
        return _AFTER_COMMA.sub(lambda m: ", " + m[1].lower(), text)

    async def teacher(self, view: DialogueView, feedback: str | None) -> Utterance:
        rng, problem = view.rng, view.problem
        steps = problem.steps
        fields = {"problem": problem.statement}
        if not view.turns:
            ask = steps[0].ask if steps else self._say(view, "ask_final")
            work = {"ask": "step" if steps else "final", "step": 0, "attempts": 0}
            return Utterance(self._say(view, "open", ask=ask, **fields), act="open", work=work)

        student = _last(view.turns, "student")
        prev = _last(view.turns, "teacher")
        sw, tw = student.work, prev.work
        error = self._teacher_error(view, sw)

        if sw.get("kind") == "final":
            right = sw.get("answer") == problem.answer
            if right or error == "affirms_wrong_answer":
                text = self._say(view, "close") if right else _pick(rng, AFFIRM_WRONG)
                u = Utterance(text, act="close", work={"ask": "none"}, ends=True)
                if not right:
                    u.labels.append(self._label("affirms_wrong_answer", "confirmed a wrong final answer"))
                return u
            return self._hint(view, None, sw, tw, final=True)

        i = sw.get("step", 0)
        step = steps[i]
        if sw.get("claim") == step.claim or error == "affirms_wrong_answer":
            affirmed_wrong = sw.get("claim") != step.claim
            parts = [_pick(rng, AFFIRM_WRONG) if affirmed_wrong else self._say(view, "praise")]
            labels = []
            if affirmed_wrong:
                labels.append(self._label("affirms_wrong_answer", f"confirmed a wrong step {i}"))
            elif error == "false_arithmetic" and (bad := corrupt_claim(step.claim, rng, arithmetic=True)):
                parts.append(self._say(view, "restate", claim=bad[0]) or f"So {bad[0]}.")
                labels.append(self._label("false_arithmetic", f"restated step {i} as {bad[0]!r}"))
            else:
                parts.append(self._say(view, "restate", claim=step.claim))
            if i + 1 < len(steps):
                parts.append(self._say(view, "next", ask=steps[i + 1].ask))
                work = {"ask": "step", "step": i + 1, "attempts": 0}
            else:
                parts.append(self._say(view, "ask_final"))
                work = {"ask": "final", "step": i, "attempts": 0}
            return Utterance(_join(parts), act="praise_next", work=work, labels=labels)
        return self._hint(view, step, sw, tw, final=False)

    def _hint(self, view: DialogueView, step: Step | None, sw: dict, tw: dict, *, final: bool) -> Utterance:
        rng, t = view.rng, view.teacher.teacher
        attempts = tw.get("attempts", 0) + 1
        limit = {"never": 10**9, "after_attempts": t.reveal_after, "early": 1}[t.reveal_policy]
        i = sw.get("step", 0)
        if step is not None and attempts >= limit:
            text = _join([self._say(view, "reveal", text=step.text), self._next_ask(view, i)])
            return Utterance(text, act="reveal", work=self._next_work(view, i))
        misconception = ""
        if step is not None:
            misconception = next((m for m, v in step.variants.items() if v.claim == sw.get("claim")), "")
        parts = [self._say(view, "hint_lead")]
        if misconception and t.pedagogy == "socratic" and misconception in PROBES:
            parts.append(_pick(rng, PROBES[misconception]))
        elif misconception:
            parts.append(step.variants[misconception].explanation or self._say(view, "hint_generic"))
        else:
            parts.append(self._say(view, "hint_generic"))
        ask = step.ask if step is not None else self._say(view, "ask_final")
        parts.append(self._say(view, "hint_close", ask=ask))
        work = {"ask": "final" if final else "step", "step": i, "attempts": attempts, "hinted": True}
        return Utterance(_join(parts), act="hint", work=work)

    def _next_ask(self, view: DialogueView, i: int) -> str:
        steps = view.problem.steps
        if i + 1 < len(steps):
            return self._say(view, "next", ask=steps[i + 1].ask)
        return self._say(view, "ask_final")

    @staticmethod
    def _next_work(view: DialogueView, i: int) -> dict:
        if i + 1 < len(view.problem.steps):
            return {"ask": "step", "step": i + 1, "attempts": 0}
        return {"ask": "final", "step": i, "attempts": 0}

    def _teacher_error(self, view: DialogueView, sw: dict) -> str:
        """Which teacher error this turn carries, if any (faulty teacher personas only)."""
        t = view.teacher.teacher
        if t.error_rate <= 0 or view.rng.random() >= t.error_rate or not t.error_kinds:
            return ""
        kinds = sorted(t.error_kinds)
        kind = view.rng.choices(kinds, weights=[t.error_kinds[k] for k in kinds])[0]
        step_wrong = sw.get("kind") == "step" and sw.get("claim") != view.problem.steps[sw["step"]].claim
        final_wrong = sw.get("kind") == "final" and sw.get("answer") != view.problem.answer
        if kind == "affirms_wrong_answer" and not (step_wrong or final_wrong):
            kind = "false_arithmetic" if "false_arithmetic" in kinds else ""
        if kind == "false_arithmetic" and (step_wrong or sw.get("kind") != "step"):
            kind = ""
        return kind

    @staticmethod
    def _label(kind: str, detail: str) -> GeneratorLabel:
        return GeneratorLabel(
            turn=-1, role="teacher", kind="teacher_error", misconception=kind, detail=detail
        )

    async def student(self, view: DialogueView) -> Utterance:
        rng, problem = view.rng, view.problem
        voice = view.student.style.voice
        bank = STUDENT.get(voice, STUDENT["terse"])
        extra = view.student.style.phrases
        tw = _last(view.turns, "teacher").work
        prev = _last(view.turns, "student")
        if tw.get("ask") == "final":
            return self._final(view, bank, extra, prev)
        i = tw.get("step", 0)
        step = problem.steps[i]
        labels: list[GeneratorLabel] = []
        if tw.get("hinted") and prev is not None and prev.work.get("kind") == "step":
            if rng.random() < view.student.student.self_correction:
                text = _pick(rng, bank["fixed"], extra.get("fixed")).format(claim=step.claim)
                return Utterance(
                    text, act="correction", work={"kind": "step", "step": i, "claim": step.claim}
                )
            claim, labels = self._attempt(view, step, i)
        else:
            claim, labels = self._attempt(view, step, i)
        text = _pick(rng, bank["attempt"], extra.get("attempt")).format(claim=claim)
        return Utterance(text, act="attempt", work={"kind": "step", "step": i, "claim": claim}, labels=labels)

    def _attempt(self, view: DialogueView, step: Step, i: int) -> tuple[str, list[GeneratorLabel]]:
        rng, profile = view.rng, view.student.student
        for m in sorted(profile.misconceptions):
            if m in step.variants and rng.random() < profile.misconceptions[m]:
                label = GeneratorLabel(-1, "student", "student_misconception", m, f"step {i}")
                return step.variants[m].claim, [label]
        slip_rate = max(1.0 - profile.proficiency, profile.misconceptions.get("arithmetic-slip", 0.0) / 2)
        if rng.random() < slip_rate and (bad := corrupt_claim(step.claim, rng)):
            return bad[0], [GeneratorLabel(-1, "student", "student_slip", "arithmetic-slip", f"step {i}")]
        return step.claim, []

    def _final(self, view: DialogueView, bank: dict, extra: dict, prev: Turn | None) -> Utterance:
        rng, problem = view.rng, view.problem
        answer, labels = problem.answer, []
        if prev is not None and prev.work.get("kind") == "step" and problem.steps:
            i = prev.work["step"]
            step = problem.steps[i]
            claim = prev.work.get("claim")
            if i == len(problem.steps) - 1 and claim != step.claim:
                wrong = next((v.result for v in step.variants.values() if v.claim == claim), None)
                if wrong is None and (m := _LAST_INT.search(claim or "")):
                    wrong = m.group(1)
                if wrong is not None and wrong != step.result:
                    answer = _carry(problem, wrong)
                    if answer != problem.answer:
                        labels.append(
                            GeneratorLabel(-1, "student", "student_misconception", "carried-error", "")
                        )
        elif (
            prev is not None
            and prev.work.get("kind") == "final"
            and prev.work.get("answer") != problem.answer
        ):
            if rng.random() >= view.student.student.self_correction:
                answer = prev.work["answer"]
                labels.append(GeneratorLabel(-1, "student", "student_slip", "repeated-answer", ""))
        elif not problem.steps and rng.random() >= view.student.student.proficiency:
            if bad := corrupt_claim(problem.answer, rng):
                answer = bad[0]
                labels.append(GeneratorLabel(-1, "student", "student_slip", "arithmetic-slip", "final"))
        text = _pick(rng, bank["final"], extra.get("final")).format(answer=_answer_text(problem, answer))
        return Utterance(text, act="final_answer", work={"kind": "final", "answer": answer}, labels=labels)

    async def critic(self, view: DialogueView, draft: Utterance, verdict: TurnVerdict) -> CriticDecision:
        errors = [f for f in verdict.flags if f.severity == "error"]
        if errors and view.rng.random() < view.critic.critic.vigilance:
            f = errors[0]
            return CriticDecision(
                "revise", feedback=f"Fix the {f.kind.replace('_', ' ')} in '{f.claim}': {f.detail}"
            )
        return CriticDecision("accept")


def _carry(problem: Problem, wrong: str) -> str:
    """The final answer a student states when its last step arrived at `wrong`."""
    if "=" in problem.answer and "=" not in wrong:
        if len(problem.unknowns) == 1:
            return f"{problem.unknowns[0]} = {wrong}"
        return problem.answer
    return wrong


def _join(parts: list[str]) -> str:
    return " ".join(p for p in parts if p)
