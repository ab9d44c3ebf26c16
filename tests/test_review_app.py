"""The review app driven by textual's pilot on a real database; every test checks the database after."""

from __future__ import annotations

from pathlib import Path

import pytest
import review_corpus
from textual.geometry import Region

from tutorforge.review.app import ReviewApp
from tutorforge.review.queue import ReviewSession
from tutorforge.review.screens import FilterScreen, HelpScreen, PromptScreen
from tutorforge.review.widgets import DialogueView, TurnEditor, TurnView
from tutorforge.storage.store import Store

SIZE = (140, 45)


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, dict[str, list[str]]]:
    path = tmp_path / "app.db"
    return path, review_corpus.build(path)


@pytest.fixture
def store(corpus) -> Store:
    with Store.open(corpus[0]) as s:
        yield s


def app_for(store: Store, reviewer: str = "tess") -> ReviewApp:
    return ReviewApp(ReviewSession(store, reviewer))


def decisions(store: Store) -> list[tuple]:
    return store.conn.execute(
        "SELECT dialogue_id, reviewer, decision, reason FROM reviews ORDER BY id"
    ).fetchall()


def status(store: Store, dialogue_id: str) -> str:
    sql = "SELECT review_status FROM dialogues WHERE dialogue_id = ?"
    return store.conn.execute(sql, (dialogue_id,)).fetchone()[0]


def shown_text(app: ReviewApp) -> str:
    view = app.query_one(DialogueView)
    cards = [str(view.query_one(f"#{name}").render()) for name in ("head", "problem")]
    return "\n".join(cards + [turn.plain for turn in view.query(TurnView)])


async def test_opens_the_top_of_the_queue_and_approves_with_one_key(store: Store, corpus) -> None:
    _, ids = corpus
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        first, second = ids["queue"][:2]
        assert app.current == first
        view = app.query_one(DialogueView)
        assert view.selected == 2  # the first flagged turn is selected
        assert app.query_one("#turn-2", TurnView).has_class("flagged", "teacher", "selected")
        assert "2 + 2 is 4, not 5" in app.query_one("#turn-2", TurnView).plain
        assert "Ann has" in shown_text(app) and "Answer" in shown_text(app)  # problem and answer at hand
        await pilot.press("a")
        assert decisions(store) == [(first, "tess", "approved", "")]
        assert status(store, first) == "approved" and app.current == second
        held = store.conn.execute("SELECT dialogue_id, reviewer FROM review_leases").fetchall()
        assert held == [(second, "tess")]


async def test_reject_asks_for_a_reason(store: Store, corpus) -> None:
    _, ids = corpus
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("escape")  # cancelled: nothing decided
        assert decisions(store) == [] and app.current == ids["queue"][0]
        await pilot.press("r", *"sloppy", "enter")
        await pilot.pause()
        assert decisions(store) == [(ids["queue"][0], "tess", "rejected", "sloppy")]
        assert status(store, ids["queue"][0]) == "rejected"
        assert app.current == ids["queue"][1]


async def test_edit_a_turn_inline_keeps_the_original(store: Store, corpus) -> None:
    _, ids = corpus
    target = ids["queue"][0]
    original = store.conn.execute(
        "SELECT text FROM turns WHERE dialogue_id = ? AND turn_index = 2", (target,)
    ).fetchone()[0]
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        editor = app.query_one(TurnEditor)
        assert editor.text == original and editor.has_focus
        await pilot.press("ctrl+e", *" Sorry: 4.", "ctrl+s")
        await pilot.pause()
        assert not app.query(TurnEditor)
        row = store.conn.execute("SELECT reviewer, decision, edits_json FROM reviews").fetchall()
        assert len(row) == 1 and row[0][:2] == ("tess", "edited")
        item = ReviewSession(store, "x").load(target)
        assert item.edits[2].text == original + " Sorry: 4." and item.edits[2].original == original
        assert item.record.turns[2].text == original
        assert "Sorry: 4." in app.query_one("#turn-2", TurnView).plain
        await pilot.press("e", *"zzz", "escape")  # cancelled edit: no row
        assert store.conn.execute("SELECT count(*) FROM reviews").fetchone()[0] == 1
        assert status(store, target) == "pending" and app.current == target


async def test_undo_the_last_decision(store: Store, corpus) -> None:
    _, ids = corpus
    first, second = ids["queue"][:2]
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "a")
        assert status(store, first) == status(store, second) == "approved"
        await pilot.press("u")
        assert status(store, second) == "pending" and status(store, first) == "approved"
        assert app.current == second
        await pilot.press("u")
        assert status(store, first) == "pending" and app.current == first
        held = store.conn.execute("SELECT dialogue_id FROM review_leases").fetchall()
        assert held == [(first,)]  # one lease: the dialogue back on screen
        await pilot.press("u")  # nothing left to undo: no change
    assert [d[2] for d in decisions(store)] == ["approved", "approved", "undone", "undone"]
    assert store.latest_reviews([first, second]) == {}


async def test_filter_by_flag_kind(store: Store, corpus) -> None:
    _, ids = corpus
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        screen = app.screen
        assert isinstance(screen, FilterScreen)
        labels = [f.label for f, _ in screen.choices]
        pick = labels.index("flag: wrong_final_answer") + 1  # after "everything pending"
        await pilot.press(*["down"] * pick, "enter")
        await pilot.pause()
        assert app.filter is not None and app.filter.value == "wrong_final_answer"
        assert app.current == ids["wrong_final_answer"][0]
        assert app.query_one("#queue").row_count == 1
        await pilot.press("a")
        assert app.current is None  # nothing else has that flag
    assert decisions(store) == [(ids["wrong_final_answer"][0], "tess", "approved", "")]
    assert all(status(store, d) == "pending" for d in ids["teacher_error"])


async def test_flag_jumps_labels_notes_skip_and_help(store: Store, corpus) -> None:
    _, ids = corpus
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "s")  # skip two: the third one has labels
        assert app.current == ids["queue"][2]
        view = app.query_one(DialogueView)
        assert view.flagged_turns(None) == [1, 2] and view.selected == 1
        await pilot.press("j")
        assert view.selected == 2
        await pilot.press("j", "k")
        assert view.selected == 1
        await pilot.press("down", "down", "up")
        assert view.selected == 2
        assert "label:" not in shown_text(app)
        await pilot.press("g")
        assert "label: student_misconception off_by_one" in shown_text(app)
        await pilot.press("n", *"ask Ana", "enter")
        await pilot.pause()
        assert "ask Ana" in shown_text(app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "s")
        assert app.current == ids["queue"][3]
    assert decisions(store) == [(ids["queue"][2], "tess", "note", "")]
    assert store.conn.execute("SELECT note FROM reviews").fetchone() == ("ask Ana",)


async def test_a_dialogue_held_by_someone_else_is_passed_over(store: Store, corpus) -> None:
    _, ids = corpus
    other = ReviewSession(store, "[/bo]")  # a name that is not valid markup is shown as it is
    other.claim(ids["queue"][0])
    app = app_for(store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        assert app.current == ids["queue"][1]
        table = app.query_one("#queue")
        assert str(table.get_row(ids["queue"][0])[-1]) == "[/bo]"
        table.focus()
        assert table.cursor_row == 1  # the table's cursor starts on the dialogue on screen
        await pilot.press("up", "enter")  # opening bo's is refused: no decision, no lease change
        assert app.current == ids["queue"][1] and other.held() == ids["queue"][0]
        await pilot.press("down", "down", "down", "enter")  # a free one opens, and the lease moves to it
        assert app.current == ids["queue"][3]
        assert ReviewSession(store, "x").items()[1].held_by == ""
        await pilot.press("a")
    assert decisions(store) == [(ids["queue"][3], "tess", "approved", "")]
    assert other.held() == ids["queue"][0]


async def test_several_long_edits_are_saved_and_a_removed_editor_paints_nothing(store: Store, corpus) -> None:
    _, ids = corpus
    target = ids["queue"][0]
    app = app_for(store)
    long_text = ("a long line of the edited turn, wrapped by the editor " * 6 + "\n") * 30
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.query_one(DialogueView)
        for k in range(7):
            view.select(k)
            await pilot.press("e")
            editor = app.query_one(TurnEditor)
            editor.insert(f"edit {k}: {long_text}", (0, 0))
            await pilot.press("ctrl+e", *"typed", "ctrl+s")
            await pilot.pause()
            assert not app.query(TurnEditor) and app.return_code is None
            # a terminal frame can land between the removal and the next layout: the editor paints blank
            lines = editor.render_lines(Region(0, 0, 40, 3))
            assert [line.text for line in lines] == [" " * 40] * 3
        assert app.current == target
    edits = ReviewSession(store, "x").load(target).edits
    assert sorted(edits) == list(range(7))
    assert all(edits[k].text.startswith(f"edit {k}: ") and edits[k].text.endswith("typed") for k in range(7))
