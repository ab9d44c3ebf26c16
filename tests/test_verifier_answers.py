"""Stated answers in the forms people write, teachers confirming wrong answers, answers given away:
cases that must be flagged and cases that must not, by hand and from MathDial (by qid)."""

from __future__ import annotations

import pytest
from mathdial_data import mathdial_rows, needs_mathdial

from tutorforge.verifiers import PriorTurn, VerifyContext, close, verify_turn
from tutorforge.verifiers.numwords import word_value

APPLES = "Tom had some apples. He ate 4 and has 8 left. How many apples did he have at first?"
PENS = "Pens cost $3 each. How much do 28 pens cost?"
STICKERS = "She gave away 20 stickers and has 100 left. How many stickers did she start with?"
FIFTHS = "What is 1/5 + 1/5?"
LINEAR = "Solve 3x + 5 = 14."
CARS = "A lot had 159 cars. 50 left on Monday and 30 on Tuesday. How many cars are left?"
CARS_STEPS = ["159 - 50 = 109", "109 - 30 = 79"]


@pytest.fixture(scope="module", autouse=True)
def _pool():
    yield
    close()


def _kinds(text: str, role: str, problem: str, answer: str, prior: str = "", steps=()) -> list[str]:
    history = [PriorTurn("student", prior)] if prior else []
    verdict = verify_turn(text, role, VerifyContext(problem, answer, [], history, list(steps)))
    return [f.kind for f in verdict.flags]


# (student text, problem, answer, expect a wrong_final_answer)
STUDENT_ANSWERS = [
    ("x = 6", LINEAR, "x = 3", True),
    ("x = 3", LINEAR, "x = 3", False),
    ("It is 3/5", FIFTHS, "2/5", True),
    ("It is 2/5", FIFTHS, "2/5", False),
    ("It's 2/5.", FIFTHS, "2/5", False),
    ("The answer is seven", APPLES, "12", True),
    ("The answer is twelve.", APPLES, "12", False),
    ("I think the final answer is one hundred and twenty.", STICKERS, "120", False),
    ("The final answer is one hundred and ten.", STICKERS, "120", True),
    ("He ate 4, so he has 9", APPLES, "12", True),
    ("He ate 4 and had 8 left, so he had 12", APPLES, "12", False),
    ("3 x 28, which comes to $83", PENS, "84", True),
    ("3 x 28, which comes to $84", PENS, "84", False),
    ("This means she started with 110 stickers.", STICKERS, "120", True),
    ("This means she started with 120 stickers.", STICKERS, "120", False),
    ("The correct answer to the problem is $94.", PENS, "84", True),
    ("So he had 13 apples at first, which makes sense.", APPLES, "12", True),
    ("How many dollars did she pay? So she paid $39.", "She paid. How many dollars did she pay?", "31", True),
    # a given number, a rate, a condition, a question, a comparison, another quantity: not a final answer
    ("So, even though 20 cents is less than 25 cents, it is more.", APPLES, "12", False),
    ("Making a total of 30 chocolates.", APPLES, "12", False),
    ("So the change is $0.25", "Rosie pays $1 for a $.75 candy. How many coins does she get?", "1", False),
    # read whole or not at all: a sign, an exponent, a compound amount, LaTeX
    ("So he has -3 apples.", "How many apples does he have?", "-3", False),
    ("So he needs 2 hours and 30 minutes.", "How many hours does he need?", "2.5", False),
    ("Therefore the area is 12 cm^2.", "What is the area?", "12", False),
    ("It is $\\frac{2}{5}$.", FIFTHS, "2/5", False),
    ("So it is $\\boxed{\\frac{3}{5}}$.", FIFTHS, "2/5", True),
    ("So he has 8 left after eating 4.", APPLES, "12", False),
    ("So each pen costs $3 each.", PENS, "84", False),
    ("If he has 9, then he had 13?", APPLES, "12", False),
    ("So is it 13?", APPLES, "12", False),
]


@pytest.mark.parametrize("text,problem,answer,wrong", STUDENT_ANSWERS, ids=[c[0] for c in STUDENT_ANSWERS])
def test_student_answer_forms(text, problem, answer, wrong):
    assert ("wrong_final_answer" in _kinds(text, "student", problem, answer)) is wrong


def test_one_claim_one_flag():
    kinds = _kinds("The final answer is x = 2", "student", LINEAR, "x = 3")
    assert kinds == ["wrong_final_answer"]
    assert _kinds("So the answer is 13 apples.", "student", APPLES, "12") == ["wrong_final_answer"]
    assert _kinds("The final answer is $\\boxed{13}$.", "student", APPLES, "12") == ["wrong_final_answer"]
    assert _kinds("The answer is 13, so he had 13 apples.", "student", APPLES, "12") == ["wrong_final_answer"]


def test_a_correct_intermediate_result_is_not_a_wrong_final_answer():
    text = "159 - 50 = 109, so there are 109 cars left after Monday."
    assert _kinds(text, "student", CARS, "79", steps=CARS_STEPS) == []
    # a value the solution never reaches is still wrong; and an explicit answer is judged whatever it is
    assert "wrong_final_answer" in _kinds(
        "So there are 99 cars left.", "student", CARS, "79", steps=CARS_STEPS
    )
    explicit = _kinds("The answer is 109 cars.", "student", CARS, "79", steps=CARS_STEPS)
    assert "wrong_final_answer" in explicit


def test_teacher_confirming_an_intermediate_result_is_not_flagged():
    prior = "159 - 50 = 109, so there are 109 cars left after Monday."
    assert _kinds("Exactly right! Now Tuesday.", "teacher", CARS, "79", prior, CARS_STEPS) == []


# (student text, teacher text, problem, answer, expect affirms_wrong_answer)
AFFIRMATIONS = [
    ("x = 4", "Exactly right!", LINEAR, "x = 3", True),
    ("x = 3", "Exactly right!", LINEAR, "x = 3", False),
    ("The answer is seven", "Okay, great, well done", APPLES, "12", True),
    ("So he had 13 apples.", "Brilliant - you've got it now!", APPLES, "12", True),
    ("So he had 12 apples.", "Brilliant - you've got it now!", APPLES, "12", False),
    ("It is 3/5", "You got it!", FIFTHS, "2/5", True),
    ("It is 3/5", "Hi Sam, great job!", FIFTHS, "2/5", True),
    ("It is 3/5", "Sam, not quite.", FIFTHS, "2/5", False),
    ("It is 3/5", "yeah that is correct", FIFTHS, "2/5", True),
    ("It is 3/5", "Good try, but check the numerators again.", FIFTHS, "2/5", False),
    ("It is 3/5", "Not quite. What is 1 + 1?", FIFTHS, "2/5", False),
    ("3 x 28, which comes to $83", "Nice work", PENS, "84", True),
]


@pytest.mark.parametrize(
    "student,teacher,problem,answer,flag", AFFIRMATIONS, ids=[c[1] + c[0] for c in AFFIRMATIONS]
)
def test_affirmation_after_any_answer_form(student, teacher, problem, answer, flag):
    assert ("affirms_wrong_answer" in _kinds(teacher, "teacher", problem, answer, student)) is flag


# (teacher text, problem, answer, expect wrong_final_answer, expect reveals_answer)
TEACHER = [
    ("The answer is 13.", APPLES, "12", True, False),
    ("The answer is 12.", APPLES, "12", False, True),
    ("So the answer is twelve.", APPLES, "12", False, True),
    ("It is 2/5.", FIFTHS, "2/5", False, True),
    ("3 x 28 = 84, so they cost $84.", PENS, "84", False, True),
    ("So he had 13 apples at first.", APPLES, "12", True, False),
    ("So he had 12 apples at first.", APPLES, "12", False, True),
    ("They need 72/8 = 9 boxes", "Each box holds 8. How many boxes hold 72 pencils?", "9", False, True),
    ("Is the answer 13?", APPLES, "12", False, False),
    ("If he had 13 apples, would he have 9 left?", APPLES, "12", False, False),
    ("So he has 8 left after eating 4. How many did he eat?", APPLES, "12", False, False),
    ("What do you get if you add 8 and 4?", APPLES, "12", False, False),
]


@pytest.mark.parametrize("text,problem,answer,wrong,reveals", TEACHER, ids=[c[0] for c in TEACHER])
def test_teacher_answers(text, problem, answer, wrong, reveals):
    kinds = _kinds(text, "teacher", problem, answer)
    assert ("wrong_final_answer" in kinds) is wrong
    assert ("reveals_answer" in kinds) is reveals


def test_numbers_in_words():
    assert word_value("seven") == 7
    assert word_value("twenty-five") == 25
    assert word_value("one hundred and twenty") == 120
    assert word_value("three thousand four hundred") == 3400
    assert word_value("seven three") is None


# ---- MathDial excerpts (CC BY-SA 4.0), by qid -------------------------------------------------------


@pytest.fixture(scope="module")
def rows() -> dict:
    return mathdial_rows()


def _mathdial(rows, qid: int, text: str, role: str, prior: str = "") -> list[str]:
    from tutorforge.problems.worked_solutions import steps_from_solution

    row = rows[qid]
    *lines, final = row["ground_truth"].strip().splitlines()
    steps = [s.claim for s in steps_from_solution(lines).steps]
    return _kinds(text, role, row["question"], final.strip(), prior, steps)


# (qid, student text, expect wrong_final_answer)
MATHDIAL_STUDENTS = [
    (
        6000025,
        "Finally, I set up an equation and solved for x, which was 4. So Julia bought a package of 4 spoons.",
        True,
    ),
    (
        6000025,
        "Oh, right. 12 + 3 = 15. So Julia had 15 spoons altogether. And since her husband gave her 5 spoons, "
        "she must have bought 10 spoons.",
        False,
    ),
    (
        6000060,
        "Finally, I divided the total amount by the number of months, which is 5475/5 = $1095 per month.",
        True,
    ),
    (
        6000060,
        "Right, so the total amount she has to pay back is 3,650 + $365 = $4,015. Then she has to pay "
        "4,015/5 = $803 per month.",
        False,
    ),
    (6000041, "Each bedroom has 2 windows, so there are 6 x 2 = 12 windows in the bedrooms in total.", False),
    (6000041, "Since John has 2 houses, the total number of windows is 2 x 20 = 40 windows.", True),
    (
        6000053,
        "So the customer paid $43 for the items, and then the $4 in rewards and the $8 from the coupon were "
        "taken off, so the customer actually paid $39.",
        True,
    ),
    (6000066, "That means Sally has $10 - $4.50 - $1.50 - $1 = $3 left.", False),
    (6000009, "No, the correct answer to the problem is $94.", True),
    # a correct intermediate result, written as a percent of a fraction the solution writes
    (
        5000279,
        "1/4 of the blue eggs have five pieces of candy, so the percentage of blue eggs with five pieces "
        "of candy is 25%.",
        False,
    ),
]


@needs_mathdial
@pytest.mark.parametrize(
    "qid,text,wrong", MATHDIAL_STUDENTS, ids=[f"{c[0]}-{i}" for i, c in enumerate(MATHDIAL_STUDENTS)]
)
def test_mathdial_student_answers(rows, qid, text, wrong):
    assert ("wrong_final_answer" in _mathdial(rows, qid, text, "student")) is wrong


@needs_mathdial
def test_mathdial_confirmations(rows):
    wrong = MATHDIAL_STUDENTS[6][1]  # 6000053: $39, the answer is 31
    right = MATHDIAL_STUDENTS[3][1]  # 6000060: $803, the answer
    # real confirmations from MathDial teacher turns (6000053, 6000060, 6000041)
    for teacher in ("excellent", "That is correct, well done", "Brilliant - well done, Scott!"):
        assert "affirms_wrong_answer" in _mathdial(rows, 6000053, teacher, "teacher", wrong)
        assert "affirms_wrong_answer" not in _mathdial(rows, 6000060, teacher, "teacher", right)


@needs_mathdial
def test_mathdial_teacher_reveals(rows):
    assert "reveals_answer" in _mathdial(rows, 6000053, "actual amount paid is $43-$8-$4= $31", "teacher")
    assert "reveals_answer" in _mathdial(rows, 6000051, "the answer is 9 boxes", "teacher")
    # a hint with an intermediate number, and a question, give nothing away
    assert "reveals_answer" not in _mathdial(
        rows,
        6000051,
        "Not quite, 24/3 = 8. 8 pencils can be stored in 1 box. "
        "So how many boxes are needed for the 72 pencils?",
        "teacher",
    )
    assert _mathdial(rows, 6000041, "Now add the 4 more windows in each house", "teacher") == []


@needs_mathdial
def test_mathdial_reply_to_a_teachers_computation_is_not_a_final_answer(rows):
    """5000078: the student answers the teacher's "Can you work out 4/5 of 100?"; a correct value on the
    student's own path, not the answer to the problem (10080)."""
    row = rows[5000078]
    answer = row["ground_truth"].strip().splitlines()[-1].strip()
    text = "Sure! 4/5 of 100 is equal to 80. So 100/5 = 20 and 20 x 4 = 80."

    def wrong(teacher: str) -> bool:
        ctx = VerifyContext(row["question"], answer, [], [PriorTurn("teacher", teacher)])
        return any(f.kind == "wrong_final_answer" for f in verify_turn(text, "student", ctx).flags)

    assert not wrong("Let's think about fractions. Can you work out 4/5 of 100?")
    assert wrong("Can you walk me through your solution?")
