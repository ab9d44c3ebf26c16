"""`tutorforge review`: the full-screen review app.

The left pane is the queue (pending dialogues in priority order, with reasons, flag counts and who holds
each); the right pane is the dialogue this reviewer holds. Every key that changes something calls the
ReviewSession, which writes one transaction, so quitting or crashing never loses a decision.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.notifications import SeverityLevel
from textual.widgets import DataTable, Footer, Header, Static

from tutorforge.errors import BadInput
from tutorforge.review.queue import QueueFilter, ReviewConflict, ReviewItem, ReviewSession
from tutorforge.review.screens import FilterScreen, HelpScreen, PromptScreen
from tutorforge.review.widgets import DialogueView, TurnEditor

T = TypeVar("T")
QUEUE_ROWS = 500  # rows listed in the queue pane (the counts cover everything)
REFRESH_SECONDS = 5.0


class ReviewApp(App[None]):
    """Review the queue of one database as one reviewer."""

    TITLE = "tutorforge review"
    CSS = """
    #queue-pane { width: 38%; min-width: 30; border-right: solid $primary-darken-2; }
    #queue-summary { height: auto; padding: 0 1; }
    #queue { height: 1fr; }
    #dialogue { width: 1fr; padding: 0 1; }
    #head { height: auto; margin-bottom: 1; }
    #problem { height: auto; border: round $secondary; padding: 0 1; margin-bottom: 1; }
    .turn { height: auto; margin-bottom: 1; border-left: thick $surface; padding-left: 1; }
    .turn.teacher { border-left: thick $primary; }
    .turn.student { border-left: thick $success; }
    .turn.selected { background: $boost; border-left: thick $warning; }
    .turn.editing { display: none; }
    #editor { height: auto; min-height: 4; max-height: 16; }
    .dialog { width: 70; height: auto; border: thick $primary; background: $surface; padding: 1 2; }
    .dialog.help { width: 96; }
    ModalScreen { align: center middle; }
    """
    BINDINGS = [
        Binding("a", "approve", "Approve"),
        Binding("r", "reject", "Reject"),
        Binding("e", "edit", "Edit"),
        Binding("n", "note", "Note"),
        Binding("s", "skip", "Skip"),
        Binding("j", "jump(1)", "Next flag"),
        Binding("k", "jump(-1)", "Prev flag"),
        Binding("f", "filter", "Filter"),
        Binding("u", "undo", "Undo"),
        Binding("g", "labels", "Labels"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session
        self.sub_title = f"{session.reviewer} · {session.store.path}"
        self.filter: QueueFilter | None = None
        self.current: str | None = None
        self.skipped: set[str] = set()
        self.undo_stack: list[int] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with Vertical(id="queue-pane"):
                yield Static(id="queue-summary")
                yield DataTable(id="queue", cursor_type="row", zebra_stripes=True)
            yield DialogueView()
        yield Footer()

    async def on_mount(self) -> None:
        table = self.query_one("#queue", DataTable)
        table.add_columns("p", "dialogue", "reasons", "flags", "held by")
        self.set_interval(max(1.0, self.session.lease_seconds / 3), self.renew_lease)
        self.set_interval(REFRESH_SECONDS, self.refresh_queue)
        self.query_one(DialogueView).focus()
        await self.open_next()

    # -- the queue ---------------------------------------------------------------------------------

    def refresh_queue(self) -> None:
        """List the queue (keeping the table's cursor on the same dialogue) and its counts."""
        session = self.session
        items = session.items(self.filter, limit=QUEUE_ROWS)
        total = session.count(self.filter)
        summary = Text(f"{total} pending", style="bold")
        if self.filter:
            summary.append(f" ({self.filter.label})", style="bold yellow")
        for reason, n in session.by_priority():
            summary.append(f"\n  {reason} {n}")
        if total > len(items):
            summary.append(f"\n  (first {len(items)} listed)", style="dim")
        self.query_one("#queue-summary", Static).update(summary)
        table = self.query_one("#queue", DataTable)
        keep = None
        if table.row_count:
            keep = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        table.clear()
        for item in items:
            mine = item.dialogue_id == self.current
            cells = (
                "▶" if mine else str(item.priority),
                item.dialogue_id,
                ", ".join(item.reasons),
                str(sum(item.flags.values())),
                "you" if mine else item.held_by,
            )
            table.add_row(*(Text(c) for c in cells), key=item.dialogue_id)  # Text: names are not markup
        rows = [item.dialogue_id for item in items]
        target = keep if keep in rows else self.current
        if target in rows:
            table.move_cursor(row=rows.index(target), animate=False)

    @on(DataTable.RowSelected, "#queue")
    async def open_selected(self, event: DataTable.RowSelected) -> None:
        dialogue_id = event.row_key.value
        if not dialogue_id or dialogue_id == self.current:
            return
        ok, _ = self.attempt(self.session.claim, dialogue_id)
        if ok:
            await self.show(dialogue_id)
            self.query_one(DialogueView).focus()

    async def open_next(self) -> None:
        """Hold and show the first dialogue of the queue no one else holds (skipped ones last)."""
        dialogue_id = self.session.claim_next(self.filter, exclude=sorted(self.skipped))
        if dialogue_id is None and self.skipped:
            self.skipped.clear()
            dialogue_id = self.session.claim_next(self.filter)
        await self.show(dialogue_id)

    async def show(self, dialogue_id: str | None, *, keep_selection: bool = False) -> None:
        self.current = dialogue_id
        item: ReviewItem | None = self.session.load(dialogue_id) if dialogue_id else None
        await self.query_one(DialogueView).show(
            item, held=dialogue_id is not None, keep_selection=keep_selection
        )
        self.refresh_queue()

    async def renew_lease(self) -> None:
        if self.current and not self.session.renew():
            self.say(f"Your lease on {self.current} was lost; it is back in the queue.", severity="warning")
            self.current = None
            await self.open_next()

    def say(
        self, message: str, *, severity: SeverityLevel = "information", timeout: float | None = None
    ) -> None:
        """A notification, shown as plain text (it may hold names and reasons)."""
        self.notify(message, severity=severity, timeout=timeout, markup=False)

    def attempt(self, action: Callable[..., T], *args: object) -> tuple[bool, T | None]:
        """Run a session call: (True, its result), or (False, None) with the conflict or bad input shown."""
        try:
            return True, action(*args)
        except (ReviewConflict, BadInput) as exc:
            self.say(str(exc), severity="error")
            return False, None

    # -- decisions ---------------------------------------------------------------------------------

    async def _decided(self, result: tuple[bool, int | None], what: str) -> None:
        ok, review_id = result
        if not ok or review_id is None:
            self.refresh_queue()
            return
        self.undo_stack.append(review_id)
        self.say(f"{what} {self.current}")
        self.current = None
        await self.open_next()

    async def action_approve(self) -> None:
        if self.current:
            await self._decided(self.attempt(self.session.approve, self.current), "approved")

    def action_reject(self) -> None:
        dialogue_id = self.current
        if not dialogue_id:
            return
        item = self.query_one(DialogueView).item
        suggestion = item.record.review_reasons[0] if item and item.record.review_reasons else ""

        async def done(reason: str | None) -> None:
            if reason and self.current == dialogue_id:
                await self._decided(self.attempt(self.session.reject, dialogue_id, reason), "rejected")

        self.push_screen(PromptScreen(f"Reject {dialogue_id}: why?", suggestion), done)

    def action_note(self) -> None:
        dialogue_id = self.current
        if not dialogue_id:
            return

        async def done(text: str | None) -> None:
            if text and self.attempt(self.session.note, dialogue_id, text)[0]:
                await self.show(dialogue_id, keep_selection=True)

        self.push_screen(
            PromptScreen(f"Note on {dialogue_id}", placeholder="what a colleague should know"), done
        )

    async def action_edit(self) -> None:
        if self.current:
            await self.query_one(DialogueView).start_edit()

    @on(TurnEditor.Done)
    async def edit_done(self, event: TurnEditor.Done) -> None:
        view = self.query_one(DialogueView)
        await view.end_edit()
        if event.text is None or not self.current:
            return
        _, review_id = self.attempt(self.session.edit, self.current, event.turn_index, event.text)
        if review_id is not None:
            self.undo_stack.append(review_id)
            self.say(f"turn {event.turn_index} edited")
        await self.show(self.current, keep_selection=True)

    async def action_skip(self) -> None:
        if self.current:
            self.skipped.add(self.current)
            self.current = None
            await self.open_next()

    async def action_undo(self) -> None:
        if not self.undo_stack:
            self.say("Nothing to undo.")
            return
        ok, dialogue_id = self.attempt(self.session.undo, self.undo_stack[-1])
        if not ok or dialogue_id is None:
            return
        self.undo_stack.pop()
        self.skipped.discard(dialogue_id)
        self.say(f"undone: {dialogue_id} is pending again")
        await self.show(dialogue_id, keep_selection=dialogue_id == self.current)

    # -- reading -----------------------------------------------------------------------------------

    def action_jump(self, step: int) -> None:
        if not self.query_one(DialogueView).jump(step, self.filter):
            self.say("No more flagged turns that way.", timeout=2)

    def action_labels(self) -> None:
        view = self.query_one(DialogueView)
        view.show_labels = not view.show_labels
        view.render_turns()

    def action_filter(self) -> None:
        async def done(choice: QueueFilter | bool | None) -> None:
            if choice is None:
                return
            self.filter = choice or None
            self.skipped.clear()
            await self.open_next()

        self.push_screen(FilterScreen(self.session.filters(), self.filter), done)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())
