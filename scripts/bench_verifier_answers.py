"""Measure the verifier's answer checks on MathDial's real tutoring dialogues (text nobody here wrote).

    python scripts/bench_verifier_answers.py [--mathdial PATH] [--show 5]

Prints, for MathDial's 599 test dialogues (labels taken from the data, not from the verifier):
- affirmations: real teacher confirmations ("Brilliant - well done", "yeah that is correct"), taken from
  turns that answer a student turn stating the reference answer, placed after the student's own turn
  that states the incorrect solution's answer: how many are flagged `affirms_wrong_answer`; and the same
  confirmations in their real place (after the correct answer): how many are flagged (false flags);
- student answers: student turns stating the incorrect solution's answer (and not the reference
  answer) that are flagged `wrong_final_answer`; `wrong_final_answer` flags on student turns whose stated
  value is an intermediate result of the reference solution and that do not call it the answer (false
  flags);
- algebra: `invalid_step` flags on student equations that share no solution with the equation before
  them, with examples to read;
- teacher answers: `wrong_final_answer` flags on teacher turns, with examples to read;
- early answers: teacher turns holding the reference answer (in digits) before any student turn has,
  and those of them MathDial tags (telling), flagged `reveals_answer`; `reveals_answer` flags on teacher
  turns that do not hold it in digits (false flags);
- the figures that must hold: reference solutions flagged, incorrect student solutions flagged.

Student and teacher turns are verified in order with the turns before them as history and the
reference steps from the MathDial importer, as a run does. It asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import re
from fractions import Fraction
from pathlib import Path

from tutorforge.problems.worked_solutions import steps_from_solution
from tutorforge.verifiers import PriorTurn, TurnVerdict, VerifyContext, close, verify_turn

ROOT = Path(__file__).resolve().parents[1]
MATHDIAL = ROOT.parent / "shared" / "data" / "mathdial" / "test.jsonl"
_TURN = re.compile(r"(Teacher|Student):\s*(?:\((\w+)\))?(.*)", re.S)
_NUMBER = re.compile(r"(?<![\d.])(?:\d+/[1-9]\d*(?![\d.])|\d[\d,]*(?:\.\d+)?)")
# a confirmation, read by hand from MathDial's teacher turns: short, no question, no correction
_NOT_CONFIRMATION = re.compile(r"\?|\bno\b|\bnot\b|\bbut\b|\bhowever\b|\bactually\b|\d|\bnow\b|\btry\b", re.I)


def turns(row: dict) -> list[tuple[str, str, str]]:
    """(role, move tag, text) of each turn of a MathDial conversation."""
    out = []
    for raw in row["conversation"].split("|EOM|"):
        m = _TURN.match(raw.strip())
        if m and m.group(3).strip():
            out.append((m.group(1).lower(), m.group(2) or "", m.group(3).strip()))
    return out


def numbers(text: str) -> set[Fraction]:
    return {Fraction(n.replace(",", "")) for n in _NUMBER.findall(text)}


def intermediates(row: dict) -> set[Fraction]:
    """The numbers the reference solution writes, its final answer excepted."""
    *lines, final = row["ground_truth"].strip().splitlines()
    return numbers("\n".join(lines)) - numbers(final)


def stated(flag_detail: str) -> set[Fraction]:
    m = re.match(r"states (.*?);", flag_detail)
    return numbers(m.group(1)) if m else set()


def context(row: dict, history: list[PriorTurn], steps: bool = True) -> VerifyContext:
    """The problem, its answer, the turns so far and (as a run gives them) the reference steps."""
    *lines, final = row["ground_truth"].strip().splitlines()
    claims = [s.claim for s in steps_from_solution(lines).steps] if steps else []
    return VerifyContext(row["question"], final.strip(), [], list(history), claims)


def kinds(verdict: TurnVerdict) -> set[str]:
    return {f.kind for f in verdict.flags}


class Tally:
    """A count of hits out of cases, with a few misses kept to read."""

    def __init__(self, show: int):
        self.hits = self.total = 0
        self.examples: list[str] = []
        self.show = show

    def add(self, hit: bool, example: str) -> None:
        self.total += 1
        self.hits += hit
        if not hit and len(self.examples) < self.show:
            self.examples.append(example)

    def line(self, label: str) -> str:
        out = f"  {label:<58} {self.hits}/{self.total}"
        return "\n".join([out, *(f"      {e[:220]!r}" for e in self.examples)])


def run(path: Path, show: int) -> None:
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    confirmations: list[str] = []
    wrong_turns: list[tuple[dict, str]] = []
    student_wrong, intermediate_ok = Tally(show), Tally(show)
    teacher_wrong, reveals, reveals_ok = Tally(show), Tally(show), Tally(show)
    refs_clean, students_flagged = Tally(show), Tally(show)
    affirm_real_ok = Tally(show)
    algebra = Tally(show)
    reveals_tagged = Tally(show)
    for row in rows:
        answer = Fraction(row["ground_truth"].strip().splitlines()[-1].strip().replace(",", ""))
        wrong = numbers(row["student_incorrect_solution"].strip().splitlines()[-1])
        mids = intermediates(row) - {answer}
        # as tests/test_verifier_mathdial.py measures them: the answer alone
        ref = verify_turn(row["ground_truth"], "teacher", context(row, [], steps=False))
        refs_clean.add(not ref.has_error, f"{row['qid']}: {[f.claim for f in ref.flags]}")
        student = verify_turn(row["student_incorrect_solution"], "student", context(row, [], steps=False))
        students_flagged.add("wrong_final_answer" in kinds(student), str(row["qid"]))
        history: list[PriorTurn] = []
        answered = False
        for role, tag, text in turns(row):
            verdict = verify_turn(text, role, context(row, history))
            found = numbers(text)
            label = f"{row['qid']} [{role}] {text}"
            if role == "student":
                if wrong and wrong <= found and answer not in found:
                    student_wrong.add("wrong_final_answer" in kinds(verdict), label)
                    if len(wrong_turns) < len(rows) and not any(q is row for q, _ in wrong_turns):
                        wrong_turns.append((row, text))
                for f in verdict.flags:
                    if f.kind == "invalid_step" and "in common with" in f.detail:
                        algebra.add(False, f"{label} -> {f.claim}")
                    said = stated(f.detail)
                    explicit = re.search(r"answer|\\boxed", f.claim, re.I)  # "the answer is 14": not a step
                    if f.kind == "wrong_final_answer" and said and said <= mids and not explicit:
                        intermediate_ok.add(False, f"{label} -> {f.claim}")
                answered = answered or answer in found
            else:
                prior = history[-1] if history else None
                if prior is not None and prior.role == "student" and answer in numbers(prior.text):
                    if not _NOT_CONFIRMATION.search(text) and len(text) <= 80:
                        confirmations.append(text)
                        affirm_real_ok.add("affirms_wrong_answer" not in kinds(verdict), label)
                for f in verdict.flags:
                    if f.kind == "wrong_final_answer":
                        teacher_wrong.add(False, f"{label} -> {f.claim}")
                if answer in found and not answered:
                    reveals.add("reveals_answer" in kinds(verdict), label)
                    if tag == "telling":
                        reveals_tagged.add("reveals_answer" in kinds(verdict), label)
                elif "reveals_answer" in kinds(verdict) and answer not in found:
                    reveals_ok.add(False, f"{label} (answer {answer})")
            history.append(PriorTurn(role, text, verdict))
    affirm = Tally(show)
    for i, (row, text) in enumerate(wrong_turns):
        confirmation = confirmations[i % len(confirmations)]
        ctx = context(row, [])
        verdict = verify_turn(text, "student", ctx)
        ctx.history = [PriorTurn("student", text, verdict)]
        teacher = verify_turn(confirmation, "teacher", ctx)
        affirm.add("affirms_wrong_answer" in kinds(teacher), f"{row['qid']} {text} || {confirmation}")
    print(f"MathDial test: {len(rows)} dialogues; {len(confirmations)} real confirmations found")
    print(affirm.line("confirmation after a wrong answer: affirms_wrong_answer"))
    print(affirm_real_ok.line("confirmation after the right answer: not flagged"))
    print(student_wrong.line("student turn stating the wrong answer: wrong_final_answer"))
    print(f"  {'intermediate result flagged wrong_final_answer (false)':<58} {intermediate_ok.total}")
    print("\n".join(f"      {e[:220]!r}" for e in intermediate_ok.examples))
    print(f"  {'student algebra steps flagged invalid_step (to read)':<58} {algebra.total}")
    print("\n".join(f"      {e[:220]!r}" for e in algebra.examples))
    print(f"  {'teacher turns flagged wrong_final_answer (to read)':<58} {teacher_wrong.total}")
    print("\n".join(f"      {e[:220]!r}" for e in teacher_wrong.examples))
    print(reveals.line("teacher turn with the answer before the student: reveals"))
    print(reveals_tagged.line("  of them tagged (telling) by MathDial"))
    print(f"  {'reveals_answer without the answer in the turn (false)':<58} {reveals_ok.total}")
    print("\n".join(f"      {e[:220]!r}" for e in reveals_ok.examples))
    print(refs_clean.line("reference solutions with no error flag"))
    print(students_flagged.line("incorrect student solutions flagged wrong_final_answer"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mathdial", type=Path, default=MATHDIAL)
    ap.add_argument("--show", type=int, default=5, help="examples to print per figure")
    args = ap.parse_args()
    if not args.mathdial.exists():
        print(f"MathDial: {args.mathdial} not found, skipped")
        return
    try:
        run(args.mathdial, args.show)
    finally:
        close()


if __name__ == "__main__":
    main()
