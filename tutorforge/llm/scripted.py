"""The scripted backend: offline, deterministic agents that write from the structured state.

The student works through the reference steps and makes the errors its profile draws: its misconception
where a step carries a variant for it (kept until the teacher shows a contradiction, then dropped in its
own words), random arithmetic slips at its slip rate, and questions, confusion and guesses at its rates.
A dialogue that opens from the student's attempt starts with its worked attempt, carrying the dialogue's
misconception. The teacher reads the problem's reference steps and the student's structured work,
diagnoses a wrong step by matching it against the step's misconception variants (an unmatched wrong
value is an arithmetic slip), and answers with a move (MathDial's focus, probing, telling, generic) drawn
by its persona's target mix among the moves that fit, never saying a sentence twice in one dialogue. A
faulty teacher makes teacher errors at its set rate. Every injected error becomes a generator label;
the critic sees only the draft and the verifier's verdict.
"""

from __future__ import annotations

import random
import re

from tutorforge.dialogues.agents import CriticDecision, DialogueView, Utterance
from tutorforge.llm.scripted_phrases import (
    AFFIRM_WRONG,
    CONTRADICT,
    EXPLAIN,
    MOVES,
    REALISE,
    REALISE_ANY,
    SAY_ALSO,
    SHARED,
    STUDENT,
    STUDENT_COMMON,
    TEACHER,
)
from tutorforge.problems.model import Problem, Step
from tutorforge.storage.record import GeneratorLabel, Turn
from tutorforge.verifiers.types import TurnVerdict

_LAST_INT = re.compile(r"(?<![\w^.\-])(-?\d+)(\s*)$")
_ARITHMETIC = re.compile(r"-?[\d.]+(\s*[-+×÷*/]\s*-?[\d.]+)+")
# A question placed after a lead-in ("Now, what ...") continues the sentence in lower case.
_AFTER_COMMA = re.compile(
    r", (What|How|Which|Where|Why|When|Can|Could|Does|Do|Is|If|Using|After|Now|Then|For|In|With|Once|Since"
    r"|By|Would|Are)\b"
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_CHOICE = re.compile(r"\[([^\[\]]*)\]")  # [a|b|c] in a phrase: one alternative is said
# A key of SAY_ALSO as whole words, never inside a {field}; the longest key first.
_SAY_ALSO = re.compile(
    r"(?<![\w{'])("
    + "|".join(re.escape(k) for k in sorted(SAY_ALSO, key=len, reverse=True))
    + r")(?![\w}'])",
    re.I,
)
_REPHRASE_MAX = 400  # longer text (a step question from an imported problem) is said as it is
SLIP = "arithmetic-slip"
_STALLS = ("question", "confused", "guess")  # student acts that put off the step

# Socratic probes per misconception: questions that point at the error without telling.
PROBES: dict[str, list[str]] = {
    "sign-slip": [
        "When a term moves to the other side of the equals sign, what happens to its sign?",
        "If you subtract that term from both sides, what is left on the [right|right-hand side]?",
        "What [operation|step] undoes the number on the left, and what does it do on the right?",
    ],
    "order-of-operations": [
        "Which operation should come first here, and why?",
        "Do we always work from left to right, or do some operations go first?",
        "In {left}, [which|what] [part|operation] [gets done|comes] first?",
    ],
    "fraction-add-across": [
        "Can we add fractions by adding the tops and the bottoms separately?",
        "What do the two fractions need to have in common before we [add|combine] them?",
        "What do the bottoms of the fractions [tell us|count], and are they the same here?",
    ],
    "percent-of-confusion": [
        "What does 'percent' mean as a fraction of 100?",
        "Should taking a percent of a number make it bigger or smaller here?",
        "How would you write that percent as a fraction [first|before anything else]?",
    ],
    "distribute-one-term": [
        "When you multiply out the bracket, which terms does the number outside multiply?",
        "Did the factor outside the bracket reach every term inside it?",
        "How many terms are inside the bracket, and how many did you multiply?",
    ],
    "drop-chain-rule": [
        "What is the derivative of the inside expression, and where does it go?",
        "When the function is inside another function, what extra factor do we need?",
        "What [rule|idea] do we use when one function sits inside another?",
    ],
    "power-rule-exponent": [
        "After differentiating x^n, what happens to the exponent?",
        "Does the power stay the same when you take the derivative?",
        "[Once|After] the exponent comes down in front, what is the new power?",
    ],
    "factor-sign": [
        "If x - a = 0, what value of x makes it true?",
        "Plug your values back into the factors: do they give zero?",
        "What number [makes|turns] each bracket [into zero|zero]?",
    ],
    "subtract-instead-of-add": [
        "Does the story make the amount go up or down at this point?",
        "Should we be combining these amounts or taking one away?",
        "What [word|part] of the story tells you whether to add or take away?",
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


def vary(template: str, rng: random.Random) -> str:
    """The phrase with one alternative drawn from each `[a|b|c]` in it."""
    if "[" not in template:
        return template
    return _CHOICE.sub(lambda m: (opts := m[1].split("|"))[rng.randrange(len(opts))], template)


def rephrase(text: str, rng: random.Random) -> str:
    """The text with each SAY_ALSO key said as one of its phrasings (keeping a capital first letter)."""
    if len(text) > _REPHRASE_MAX:
        return text

    def one(m: re.Match) -> str:
        options = SAY_ALSO[m[1].lower()]
        said = options[rng.randrange(len(options))]
        return said[0].upper() + said[1:] if m[1][0].isupper() else said

    return _SAY_ALSO.sub(one, text)


def _pick(rng: random.Random, bank: list[str], extra: list[str] | None = None) -> str:
    options = bank + extra if extra else bank
    return vary(options[rng.randrange(len(options))], rng)


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


def _parts_of(claim: str, value: str) -> dict[str, str]:
    """The fields a teacher quotes a wrong claim by: the claim in quotes, what it computed, its value."""
    links = claim.split("=")
    left = links[-2].strip() if len(links) >= 2 and " or " not in claim else f'"{claim}"'
    got = value or links[-1].strip()
    return {"wrong": f'"{claim}"', "left": left, "got": f'"{got}"' if "=" in got else got}


def _sentences(text: str) -> list[str]:
    return [s.strip().lower() for s in _SENTENCE.split(text) if s.strip()]


def _diagnose(step: Step, claim: str) -> str:
    """The misconception whose variant the wrong claim is, else an arithmetic slip: never a guess."""
    return next((m for m, v in step.variants.items() if v.claim == claim), SLIP)


def _wrong_value(step: Step, claim: str, target: str) -> str:
    if target != SLIP:
        return step.variants[target].result
    m = _LAST_INT.search(claim)
    return m.group(1) if m else claim.split("=")[-1].strip()


class _Say:
    """Composes one teacher turn from the banks, leaving out any sentence the teacher already said."""

    def __init__(self, view: DialogueView) -> None:
        self.view = view
        self.used = {s for t in view.turns if t.role == "teacher" for s in _sentences(t.text)}
        name = view.student_name or view.student.display_name
        self.fields = {"name": name, "teacher": view.teacher.display_name, "problem": view.problem.statement}
        self.parts: list[str] = []

    def bank(self, act: str) -> list[str]:
        view = self.view
        extra = view.teacher.style.phrases.get(act, [])
        voice = TEACHER.get(view.teacher.style.voice) or TEACHER[view.teacher.teacher.pedagogy]
        return (voice.get(act) or MOVES[act]) + SHARED.get(act, []) + extra

    def add(self, act: str | list[str], **fields: str) -> _Say:
        """One phrase of `act` (or from the list given), the first fresh one from a random start."""
        options = self.bank(act) if isinstance(act, str) else act
        start = self.view.rng.randrange(len(options))
        for k in range(len(options)):
            text = self._format(options[(start + k) % len(options)], fields)
            if not text:  # an empty phrasing: say nothing here
                return self
            if not any(s in self.used for s in _sentences(text)):
                return self._keep(text)
        return self

    def ask(self, ask: str, fallback: str, *, lead: bool = False) -> _Say:
        """The step's question (after a lead-in from the `next` bank), or, when the teacher asked it
        before, a fresh re-ask."""
        said = self.said_ask(ask)
        if any(s in self.used for s in _sentences(said)):
            return self.add(fallback)
        return self.add("next", ask=said) if lead else self._keep(said)

    def said_ask(self, ask: str) -> str:
        """The step question in the words this dialogue's teacher always asks it with (so a re-ask is
        recognised as one)."""
        view = self.view
        return rephrase(ask, random.Random(f"{view.problem.problem_id}|{self.fields['name']}|{ask}"))

    def _format(self, template: str, fields: dict[str, str]) -> str:
        text = rephrase(vary(template, self.view.rng), self.view.rng).format(**self.fields, **fields)
        return _AFTER_COMMA.sub(lambda m: ", " + m[1].lower(), text)

    def _keep(self, text: str) -> _Say:
        self.parts.append(text)
        self.used.update(_sentences(text))
        return self

    def text(self) -> str:
        return " ".join(p for p in self.parts if p)


class ScriptedAgents:
    """The offline backend: implements the `Agents` protocol with no model and no network."""

    name = "scripted"
    writes_attempts = True  # student() with no turns writes the student's own attempt

    # -- teacher ---------------------------------------------------------------------------------------

    async def teacher(self, view: DialogueView, feedback: str | None) -> Utterance:
        problem = view.problem
        if not view.turns:
            return self._open(view)
        student = _last(view.turns, "student")
        prev = _last(view.turns, "teacher")
        sw, tw = student.work, prev.work if prev else {}
        error = self._teacher_error(view, sw)
        kind = sw.get("kind")
        if kind == "attempt":
            return self._diagnose_attempt(view, sw)
        if kind == "final":
            right = sw.get("answer") == problem.answer
            if right or error == "affirms_wrong_answer":
                text = self._say(view).add("close").text() if right else _pick(view.rng, AFFIRM_WRONG)
                u = Utterance(text, act="close", work={"ask": "none"}, ends=True, move="generic")
                if not right:
                    u.labels.append(self._label("affirms_wrong_answer", "confirmed a wrong final answer"))
                return u
            return self._final_wrong(view, sw, tw)
        i = sw.get("step", tw.get("step", 0))
        step = problem.steps[i] if problem.steps else None
        if kind in _STALLS or step is None:
            return self._unstall(view, step, i, kind or "", tw)
        if kind == "explain":
            return self._after_explain(view, step, i, sw, tw)
        if kind == "justify":
            return self._next(view, i, {"focus", "generic"})
        if sw.get("claim") == step.claim or error == "affirms_wrong_answer":
            if sw.get("claim") != step.claim:
                text = _pick(view.rng, AFFIRM_WRONG)
                u = self._next(view, i, {"focus"}, lead=text)
                u.labels.append(self._label("affirms_wrong_answer", f"confirmed a wrong step {i}"))
                return u
            if error == "false_arithmetic" and (bad := corrupt_claim(step.claim, view.rng, arithmetic=True)):
                u = self._next(view, i, {"focus"}, claim=bad[0])
                u.labels.append(self._label("false_arithmetic", f"restated step {i} as {bad[0]!r}"))
                return u
            fits = {"focus", "generic"}
            if tw.get("ask") == "step" and not tw.get("hinted"):
                fits.add("probing")
            return self._next(view, i, fits)
        return self._wrong_step(view, step, i, sw, tw)

    def _move(self, view: DialogueView, fits: set[str]) -> str:
        """One of the moves that fit, drawn by the persona's target mix."""
        mix = view.teacher.teacher.move_mix()
        options = sorted(fits)
        weights = [mix[m] for m in options]
        if not any(weights):
            return options[0]
        return view.rng.choices(options, weights=weights)[0]

    def _say(self, view: DialogueView) -> _Say:
        return _Say(view)

    def _open(self, view: DialogueView) -> Utterance:
        steps = view.problem.steps
        move = self._move(view, {"focus", "generic"}) if steps else "focus"
        ask = steps[0].ask if steps and move == "focus" else ""
        say = self._say(view)
        say.add("open" if ask else "open_generic", ask=say.said_ask(ask))
        if not ask and steps:
            say.add("open_question")
        elif not steps:
            say.add("ask_final")
        work = {"ask": "step" if steps else "final", "step": 0, "attempts": 0}
        return Utterance(say.text(), act="open", work=work, move=move)

    def _diagnose_attempt(self, view: DialogueView, sw: dict) -> Utterance:
        """The first teacher turn of a dialogue opened by the student's attempt: the first wrong step."""
        w = sw.get("first_wrong", -1)
        if w < 0:
            if sw.get("answer") == view.problem.answer:
                say = self._say(view).add("attempt_right")
                return Utterance(
                    say.text(), act="praise_next", work={"ask": "final", "step": 0}, move="generic"
                )
            w = 0
        step = view.problem.steps[w]
        claim = sw["claims"][w]
        target = _diagnose(step, claim) if claim != step.claim else ""
        if not target:  # the attempt stopped early but every line is right: on to the next step
            return self._next(view, w, {"focus"})
        move = self._move(view, {"probing", "focus"})
        say = self._say(view)
        say.add(
            "diagnose" if move == "probing" else "diagnose_focus",
            **_parts_of(claim, _wrong_value(step, claim, target)),
        )
        if move == "focus":
            say.add(
                CONTRADICT.get(target) or MOVES["contradict"],
                **_parts_of(claim, _wrong_value(step, claim, target)),
            )
            work = {"ask": "step", "step": w, "attempts": 1, "hinted": True, "contradiction": True}
        else:
            work = {"ask": "explain", "step": w, "attempts": 0}
        return Utterance(say.text(), act="hint", work=work, move=move, target=target)

    def _wrong_step(self, view: DialogueView, step: Step, i: int, sw: dict, tw: dict) -> Utterance:
        """A wrong claim on step i: reveal (when the policy allows and attempts ran out), else diagnose."""
        t = view.teacher.teacher
        attempts = tw.get("attempts", 0) + 1 if tw.get("step") == i else 1
        limit = {"never": 10**9, "after_attempts": t.reveal_after, "early": 1}[t.reveal_policy]
        claim = sw.get("claim", "")
        target = _diagnose(step, claim)
        parts = _parts_of(claim, _wrong_value(step, claim, target))
        if attempts >= limit:
            u = self._next(view, i, {"focus"}, say=self._say(view).add("reveal", text=step.text))
            u.act, u.move, u.target = "reveal", "telling", target
            return u
        say = self._say(view)
        hinted = {"ask": "step", "step": i, "attempts": attempts, "hinted": True}
        if target == SLIP:
            move = self._move(view, {"focus", "probing"})
            say.add("slip" if move == "focus" else "slip_probe", **parts)
            if move == "focus":
                say.ask(step.ask, "reask")
            return Utterance(say.text(), act="hint", work=hinted, move=move, target=SLIP)
        if tw.get("ask") != "explain" and not tw.get("contradiction"):
            move = self._move(view, {"probing", "focus"})
            if move == "probing":  # first ask the student how it got there
                say.add("diagnose", **parts)
                return Utterance(
                    say.text(), act="hint", work={**hinted, "ask": "explain"}, move=move, target=target
                )
        return self._contradict(view, step, i, claim, target, hinted)

    def _after_explain(self, view: DialogueView, step: Step, i: int, sw: dict, tw: dict) -> Utterance:
        claim = sw.get("claim", "")
        target = _diagnose(step, claim)
        hinted = {"ask": "step", "step": i, "attempts": tw.get("attempts", 0) + 1, "hinted": True}
        if target == SLIP:
            say = self._say(view).add("slip_probe", **_parts_of(claim, _wrong_value(step, claim, target)))
            return Utterance(say.text(), act="hint", work=hinted, move="probing", target=SLIP)
        return self._contradict(view, step, i, claim, target, hinted)

    def _contradict(
        self, view: DialogueView, step: Step, i: int, claim: str, target: str, work: dict
    ) -> Utterance:
        """Show the misconception a contradiction: a probing question, a focus on the case, or the rule."""
        parts = _parts_of(claim, _wrong_value(step, claim, target))
        pedagogy = view.teacher.teacher.pedagogy
        move = self._move(view, {"probing", "focus", "telling"})
        say = self._say(view)
        rule = step.variants[target].explanation
        if move == "telling" and rule:  # the rule itself is the contradiction
            say.add("hint_lead").add([rule])
        elif move == "probing" and target in PROBES and pedagogy == "socratic":
            say.add(PROBES[target] + CONTRADICT.get(target, []), **parts)
        else:
            say.add(CONTRADICT.get(target) or MOVES["contradict"], **parts)
        if not say.parts:
            say.add(MOVES["contradict"], **parts)
        if not say.text().endswith("?"):  # a contradiction put as a question asks by itself
            say.add("reask")
        return Utterance(
            say.text(), act="hint", work={**work, "contradiction": True}, move=move, target=target
        )

    def _next(
        self,
        view: DialogueView,
        i: int,
        fits: set[str],
        *,
        lead: str = "",
        claim: str = "",
        say: _Say | None = None,
    ) -> Utterance:
        """Step i is done: praise, restate and ask the next step (focus), leave it to the student (generic),
        or ask why the step works (probing). With `say` (a revealed step), only the next question."""
        steps = view.problem.steps
        move = self._move(view, fits)
        if say is None:
            say = self._say(view)
            if lead:
                say._keep(lead)
            elif move == "probing":
                say.add("praise").add("justify", claim=steps[i].claim, got=steps[i].result)
                return Utterance(say.text(), act="praise_next", work={"ask": "justify", "step": i}, move=move)
            else:
                say.add("praise")
            say.add("restate", claim=claim or steps[i].claim)
            if claim and claim not in say.text():  # a false restatement is always said
                say._keep(f"So {claim}.")
        last = i + 1 >= len(steps)
        if move == "generic" and not last:
            say.add("next_generic")
        elif last:
            say.add("ask_final")
        else:
            say.ask(steps[i + 1].ask, "next_generic", lead=True)
        work = (
            {"ask": "final", "step": i, "attempts": 0}
            if last
            else {"ask": "step", "step": i + 1, "attempts": 0}
        )
        return Utterance(say.text(), act="praise_next", work=work, move=move)

    def _unstall(self, view: DialogueView, step: Step | None, i: int, kind: str, tw: dict) -> Utterance:
        """Answer a question, a student who is lost, or a guess, then ask for the step again."""
        say = self._say(view)
        work = {**tw, "hinted": False, "contradiction": False}
        if kind == "question" and step is not None:
            rule = (
                step.variants[view.misconception].explanation if view.misconception in step.variants else ""
            )
            move = self._move(view, {"telling", "focus"} if rule else {"focus"})
            if move == "telling":
                say.add("answer_rule", explanation=rule)
            else:
                prev = view.problem.steps[i - 1].claim if i > 0 else ""
                bank = MOVES["answer_point"][:3] if prev else MOVES["answer_point"][3:]
                say.add(bank, prev=prev)
        elif kind == "guess":
            move = "focus"
            say.add("no_guess")
        else:
            move = "focus"
            say.add("unconfuse")
        if step is not None and tw.get("ask") != "final":
            say.ask(step.ask, "reask_stall")
        else:
            say.add("reask_final")
        return Utterance(say.text(), act="hint", work=work, move=move)

    def _final_wrong(self, view: DialogueView, sw: dict, tw: dict) -> Utterance:
        move = self._move(view, {"probing", "focus"})
        say = self._say(view).add("final_wrong", got=sw.get("answer", ""))
        say.add("reask_final")
        work = {
            "ask": "final",
            "step": tw.get("step", 0),
            "attempts": tw.get("attempts", 0) + 1,
            "hinted": True,
        }
        return Utterance(say.text(), act="hint", work=work, move=move, target="wrong_final_answer")

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

    # -- student ---------------------------------------------------------------------------------------

    async def student(self, view: DialogueView) -> Utterance:
        rng, problem = view.rng, view.problem
        if not view.turns:
            return self._own_attempt(view)
        bank = STUDENT.get(view.student.style.voice, STUDENT["terse"])
        extra = view.student.style.phrases
        tw = _last(view.turns, "teacher").work
        prev = _last(view.turns, "student")
        i = tw.get("step", 0)
        if tw.get("ask") == "final":
            stall = self._stall(view, prev, i, final=True)
            return stall or self._final(view, bank, extra, prev)
        step = problem.steps[i]
        if tw.get("ask") == "explain":
            return self._explain(view, step, i, prev)
        if tw.get("ask") == "justify":
            text = _pick(rng, STUDENT_COMMON["justify"]).format(claim=step.claim)
            return Utterance(text, act="justify", work={"kind": "justify", "step": i})
        wrong = prev.work.get("claim") if prev is not None and prev.work.get("step") == i else None
        if tw.get("hinted") and wrong and wrong != step.claim:
            held = _diagnose(step, wrong)
            if held != SLIP and not tw.get("contradiction"):  # nothing has contradicted it yet
                return self._stubborn(view, wrong, held, i)
            if rng.random() < view.student.student.self_correction:
                text = _pick(rng, bank["fixed"], extra.get("fixed")).format(claim=step.claim)
                if held != SLIP:
                    text = _pick(rng, REALISE.get(held, REALISE_ANY)) + " " + text
                work = {
                    "kind": "step",
                    "step": i,
                    "claim": step.claim,
                    "realised": held if held != SLIP else "",
                }
                return Utterance(text, act="correction", work=work)
            if held != SLIP:
                return self._stubborn(view, wrong, held, i)
        if (stall := self._stall(view, prev, i, final=False)) is not None:
            return stall
        claim, labels = self._attempt(view, step, i)
        text = _pick(rng, bank["attempt"], extra.get("attempt")).format(claim=claim)
        return Utterance(text, act="attempt", work={"kind": "step", "step": i, "claim": claim}, labels=labels)

    def _stubborn(self, view: DialogueView, wrong: str, held: str, i: int) -> Utterance:
        text = _pick(view.rng, STUDENT_COMMON["stubborn"]).format(wrong=wrong)
        label = GeneratorLabel(-1, "student", "student_misconception", held, f"step {i}, kept")
        return Utterance(
            text, act="attempt", work={"kind": "step", "step": i, "claim": wrong}, labels=[label]
        )

    def _stall(self, view: DialogueView, prev: Turn | None, i: int, *, final: bool) -> Utterance | None:
        """A question, confusion or a guess instead of the step, at the persona's rates (never twice
        running)."""
        if prev is None or prev.act in _STALLS:
            return None
        p, r = view.student.student, view.rng.random()
        work = {"kind": "", "step": i}
        if r < p.question_rate and not final:
            return Utterance(
                _pick(view.rng, STUDENT_COMMON["question"]), act="question", work={**work, "kind": "question"}
            )
        r -= p.question_rate
        if r < p.confusion_rate:
            return Utterance(
                _pick(view.rng, STUDENT_COMMON["confused"]), act="confused", work={**work, "kind": "confused"}
            )
        r -= p.confusion_rate
        if r < p.guess_rate and (bad := corrupt_claim(view.problem.answer, view.rng)):
            text = _pick(view.rng, STUDENT_COMMON["guess"]).format(answer=_answer_text(view.problem, bad[0]))
            label = GeneratorLabel(-1, "student", "student_slip", "guess", f"step {i}, a guessed answer")
            return Utterance(text, act="guess", work={**work, "kind": "guess"}, labels=[label])
        return None

    def _explain(self, view: DialogueView, step: Step, i: int, prev: Turn | None) -> Utterance:
        """Defend the wrong step in the student's own words (a misconception) or say how it computed
        (a slip)."""
        rng = view.rng
        wrong = prev.work.get("claim", "") if prev is not None else ""
        if prev is not None and prev.work.get("kind") == "attempt":
            wrong = prev.work["claims"][i]
        held = _diagnose(step, wrong)
        parts = _parts_of(wrong, _wrong_value(step, wrong, held))
        bank = EXPLAIN.get(held) or STUDENT_COMMON["explain_slip"]
        text = _pick(rng, bank).format(wrong=wrong, left=parts["left"], got=parts["got"])
        return Utterance(text, act="explain", work={"kind": "explain", "step": i, "claim": wrong})

    def _own_attempt(self, view: DialogueView) -> Utterance:
        """The student's worked attempt before the dialogue: the reference steps up to the first one its
        misconception (or, without one, a slip) changes, then where it got to."""
        rng, problem = view.rng, view.problem
        steps, m = problem.steps, view.misconception
        w = next((k for k, s in enumerate(steps) if m and m in s.variants), -1)
        claims = [s.claim for s in steps]
        labels = []
        if w < 0 and steps and rng.random() < max(view.student.student.slips(), 0.5):
            k = rng.randrange(len(steps))
            if bad := corrupt_claim(steps[k].claim, rng):
                w, claims[k] = k, bad[0]
                labels.append(GeneratorLabel(-1, "student", "student_slip", SLIP, f"attempt step {k}"))
        elif w >= 0:
            claims[w] = steps[w].variants[m].claim
            labels.append(GeneratorLabel(-1, "student", "student_misconception", m, f"attempt step {w}"))
        shown = claims[: w + 1] if w >= 0 else claims
        parts = [_pick(rng, STUDENT_COMMON["attempt_open"])]
        for k, claim in enumerate(shown):
            lead = STUDENT_COMMON["attempt_step"][0 if k == 0 else 1 + rng.randrange(3)]
            parts.append(lead.format(claim=claim))
        answer = ""
        if w < 0 or w == len(steps) - 1:
            value = (
                steps[-1].result
                if w < 0
                else _wrong_value(steps[w], claims[w], _diagnose(steps[w], claims[w]))
            )
            answer = problem.answer if w < 0 else _carry(problem, value)
            bank = STUDENT.get(view.student.style.voice, STUDENT["terse"])["final"]
            parts.append(_pick(rng, bank).format(answer=_answer_text(problem, answer)))
        else:
            parts.append(_pick(rng, STUDENT_COMMON["attempt_stuck"]))
        work = {"kind": "attempt", "claims": claims, "first_wrong": w, "answer": answer, "misconception": m}
        return Utterance(" ".join(parts), act="attempt", work=work, labels=labels)

    def _attempt(self, view: DialogueView, step: Step, i: int) -> tuple[str, list[GeneratorLabel]]:
        rng, profile = view.rng, view.student.student
        realised = {t.work.get("realised") for t in view.turns if t.role == "student"}
        for m in sorted(profile.misconceptions):
            if m in step.variants and m not in realised and rng.random() < profile.misconceptions[m]:
                label = GeneratorLabel(-1, "student", "student_misconception", m, f"step {i}")
                return step.variants[m].claim, [label]
        slip_rate = max(profile.slips(), profile.misconceptions.get(SLIP, 0.0) / 2)
        if rng.random() < slip_rate and (bad := corrupt_claim(step.claim, rng)):
            return bad[0], [GeneratorLabel(-1, "student", "student_slip", SLIP, f"step {i}")]
        return step.claim, []

    def _final(self, view: DialogueView, bank: dict, extra: dict, prev: Turn | None) -> Utterance:
        rng, problem = view.rng, view.problem
        answer, labels = problem.answer, []
        revealed = _last(view.turns, "teacher").act == "reveal"  # the student takes the shown step
        if prev is not None and prev.work.get("kind") == "step" and problem.steps and not revealed:
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
                labels.append(GeneratorLabel(-1, "student", "student_slip", SLIP, "final"))
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
