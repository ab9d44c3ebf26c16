"""Quality metrics on small hand-built corpora whose figures are worked out by hand."""

from __future__ import annotations

from dataclasses import replace

import pytest
from factories import make_record

from tutorforge.quality.diversity import DialogueSample, DistinctNgrams, jaccard
from tutorforge.quality.metrics import CorpusMetrics
from tutorforge.quality.pedagogy import Answer, PedagogyTally, analyse, classify_text
from tutorforge.quality.tokens import TokenHasher, TokenPage
from tutorforge.quality.views import DialogueView, TurnView, view_of_record


def dialogue(*turns: tuple[str, str] | tuple[str, str, str], answer: str = "6", **kw) -> DialogueView:
    """A view from (role, text) or (role, text, move) triples."""
    return DialogueView(
        dialogue_id=kw.pop("dialogue_id", "d"),
        answer=answer,
        problem=kw.pop("problem", ""),
        turns=tuple(TurnView(*t) for t in turns),
        **kw,
    )


# -- distinct-n --------------------------------------------------------------------------------------


def test_distinct_n_on_fixed_strings() -> None:
    views = [
        dialogue(("teacher", "The cat sat."), ("student", "a b a b"), ("teacher", "the CAT ran")),
        dialogue(("teacher", "the cat sat"), dialogue_id="e"),
    ]
    counter = DistinctNgrams()
    counter.add_page(TokenPage.build(views, TokenHasher()))
    f = counter.figures()
    teacher, student = f["teacher"], f["student"]
    # teacher tokens: [the cat sat .] [the cat ran] [the cat sat] -> 10 unigrams, 5 distinct
    assert (teacher["1"]["total"], teacher["1"]["distinct"]) == (10, 5)
    # bigrams never span turns: 3 + 2 + 2 = 7; distinct: the cat, cat sat, sat ., cat ran
    assert (teacher["2"]["total"], teacher["2"]["distinct"]) == (7, 4)
    assert (teacher["3"]["total"], teacher["3"]["distinct"]) == (4, 3)
    assert (teacher["4"]["total"], teacher["4"]["distinct"]) == (1, 1)
    assert teacher["2"]["ratio"] == round(4 / 7, 4)
    # student "a b a b": unigrams 4/2, bigrams (a b)(b a)(a b) 3/2, trigrams 2/2, 4-grams 1/1
    assert [(student[str(n)]["total"], student[str(n)]["distinct"]) for n in (1, 2, 3, 4)] == [
        (4, 2),
        (3, 2),
        (2, 2),
        (1, 1),
    ]


def test_distinct_n_across_pages_counts_each_ngram_once() -> None:
    hasher = TokenHasher()
    counter = DistinctNgrams()
    page = [dialogue(("teacher", "one two three"))]
    for _ in range(3):
        counter.add_page(TokenPage.build(page, hasher))
    f = counter.figures()["teacher"]
    assert (f["1"]["total"], f["1"]["distinct"]) == (9, 3)
    assert counter.figures()["student"]["1"] == {"distinct": 0, "total": 0, "ratio": None}


def test_sample_overlap_and_choice_do_not_depend_on_order() -> None:
    same = [dialogue(("teacher", "we add the two numbers now"), dialogue_id=f"s{i}") for i in range(2)]
    other = dialogue(("teacher", "completely different words here today"), dialogue_id="o")
    forward, backward = DialogueSample(3), DialogueSample(3)
    for v in [*same, other]:
        forward.add(v)
    for v in [other, *same]:
        backward.add(v)
    assert [v.dialogue_id for v in forward.views()] == [v.dialogue_id for v in backward.views()]
    overlap = forward.figures(TokenHasher())["overlap"]
    # three pairs: the identical pair scores 1, the two others 0
    assert overlap["pairs"] == 3 and overlap["max"] == 1.0 and overlap["mean"] == round(1 / 3, 4)
    small = DialogueSample(2)
    for i in range(10):
        small.add(dialogue(("teacher", "x"), dialogue_id=f"d{i}"))
    assert len(small.views()) == 2
    assert jaccard({1, 2, 3}, {2, 3, 4}) == 0.5 and jaccard(set(), set()) == 1.0


# -- answers and moves -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "text", "stated"),
    [
        ("x = -2, y = 7", "Um, is the final answer x = -2, y = 7?", True),
        ("x = -2, y = 7", "y = 7 and x = -2", True),  # any order, as long as it ends on a value
        ("x = -2, y = 7", "Is it x = -4/2 = -2?", False),  # one value only
        ("1/24", "16/24 - 15/24 = 1/24", True),
        ("3/4", "so it is 0.75", True),  # the same number
        ("$1,200", "It costs $1,200 in total.", True),
        ("10", "10 - 5 = 5", False),  # the answer is not where the turn arrives
        ("20(5x + 4)^3", "the final answer is 20(5x+4)^3!", True),
        ("20(5x + 4)^3", "20(5x + 4)^2", False),
    ],
)
def test_answer_stated_in_text(answer: str, text: str, stated: bool) -> None:
    assert Answer.parse(answer).stated_in(text) is stated


def test_text_classifier() -> None:
    assert classify_text("What do you get when you add them?") == "ask"
    assert classify_text("The answer is 12, can you see why?") == "tell"
    assert classify_text("You need to multiply 3 by 4 first.") == "tell"
    assert classify_text("Check 3 x 4 = 12 and continue.") == "tell"
    assert classify_text("Well done.") == "other"
    assert classify_text("Well done.", states_answer=True) == "tell"


# -- Success@k and Telling@k -------------------------------------------------------------------------


def test_success_and_telling_at_k_on_hand_built_dialogues() -> None:
    solved_third = dialogue(
        ("teacher", "How many apples after buying?", "ask"),
        ("student", "3 + 4 = 8"),
        ("teacher", "Check that again.", "ask"),
        ("student", "3 + 4 = 7"),
        ("teacher", "And after giving one away?", "ask"),
        ("student", "7 - 1 = 6"),  # solved after 3 teacher turns
        ("teacher", "Great.", "other"),
    )
    told_second = dialogue(
        ("teacher", "How many apples?", "ask"),
        ("student", "I don't know"),
        ("teacher", "Here is the step: 3 + 4 = 7, then 7 - 1 = 6.", "tell"),  # tells at teacher turn 2
        ("student", "So the answer is 6"),  # solved after 2
        ("teacher", "Yes.", "other"),
    )
    never = dialogue(
        ("teacher", "Where do we start?", "ask"),
        ("student", "with 5"),
        ("teacher", "No: 3 + 4 = 7 first.", "tell"),
        ("student", "then 8?"),
        solved=False,
    )
    tally = PedagogyTally()
    for v in (solved_third, told_second, never):
        tally.add(v)
    f = tally.figures()
    third, two_thirds = round(1 / 3, 4), round(2 / 3, 4)
    assert f["success_at"] == {"1": 0.0, "2": third, "3": two_thirds, "5": two_thirds, "10": two_thirds}
    assert f["telling_at"]["1"] == 0.0 and f["telling_at"]["2"] == round(2 / 3, 4)
    assert f["teacher_moves"] == {"ask": 5, "tell": 2, "other": 2}
    assert f["ask_share"] == round(5 / 7, 4)
    assert f["turns_to_solution"] == {"mean": 2.5, "median": 2.5}
    assert f["answer_told"] == round(1 / 3, 4)  # only told_second's telling turn states the answer


def test_telling_after_the_student_solved_is_not_telling() -> None:
    p = analyse(
        dialogue(
            ("teacher", "What is 3 + 3?", "ask"),
            ("student", "6"),
            ("teacher", "Yes, the answer is 6.", "tell"),
        )
    )
    assert (p.solved_at, p.told_at, p.answer_told) == (1, None, False)


def test_source_outcome_overrules_the_text() -> None:
    wrong = dialogue(("teacher", "Go on?", "ask"), ("student", "6"), solved=False)
    assert analyse(wrong).solved_at is None
    flagged = dialogue(
        ("teacher", "Go on?", "ask"), ("student", "6"), ("teacher", "Again?", "ask"), ("student", "six")
    )
    first, answer, *rest = flagged.turns
    flagged = replace(flagged, turns=(first, answer._replace(flags=frozenset({"wrong_final_answer"})), *rest))
    assert analyse(flagged).solved_at is None
    # solved by the source's word although no turn names the answer: solved at the last student turn
    assert analyse(replace(flagged, solved=True)).solved_at == 2


def test_scripted_acts_and_text_from_stored_records() -> None:
    """make_record: the student reaches 6 after the third teacher turn; its teacher turns have no act the
    scripted map knows except `hint`, which asks. As an LLM record without a stored move the same hint
    reads as telling (it works the calculation without asking); a stored move (probing) wins."""
    record = make_record(0)
    record.turns[2].move = ""
    view = view_of_record(record)
    assert [t.move for t in view.turns if t.role == "teacher"] == [None, "ask", None, None]
    p = analyse(view)
    assert p.solved_at == 3 and p.told_at is None
    record.backend = "openai"
    p = analyse(view_of_record(record))
    assert p.solved_at == 3 and p.told_at == 2
    record.turns[2].move = "probing"
    view = view_of_record(record)
    assert [(t.move, t.tag) for t in view.turns if t.role == "teacher"][1] == ("ask", "probing")
    assert analyse(view).told_at is None


def test_corpus_metrics_skip_failed_dialogues_and_histogram_turns() -> None:
    metrics = CorpusMetrics(sample_size=10)
    metrics.add_record(make_record(0))
    metrics.add_record(make_record(1, extra_turns=2))
    metrics.add_record(make_record(2, status="failed", review_status="pending"))
    f = metrics.figures()
    assert (f["dialogues"], f["analysed"]) == (3, 2)
    assert f["turns_per_dialogue"] == {"8": 1, "10": 1}
    assert f["coverage"]["families"] == {"two_step": 2}
    assert f["coverage"]["personas"]["teacher"] == {"socratic": 2}
    assert f["pedagogy"]["dialogues"] == 2 and f["pedagogy"]["success_at"]["3"] == 1.0
    assert f["near_duplicates"]["dialogues"] == 2
