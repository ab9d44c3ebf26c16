"""Widgets of the review app: the dialogue pane (problem card, trail, turns) and the inline turn editor."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widgets import Static, TextArea

from tutorforge.review.queue import QueueFilter, ReviewItem
from tutorforge.review.render import dialogue_head, problem_card, turn_body, turn_notes


class TurnEditor(TextArea):
    """Edits one turn in place: ctrl+s saves, Esc cancels."""

    BINDINGS = [Binding("ctrl+s", "save", "Save edit"), Binding("escape", "cancel", "Cancel edit")]

    class Done(Message):
        """The edit ended: `text` is the new text, or None when cancelled."""

        def __init__(self, turn_index: int, text: str | None) -> None:
            super().__init__()
            self.turn_index = turn_index
            self.text = text

    def __init__(self, turn_index: int, text: str) -> None:
        super().__init__(text, soft_wrap=True, id="editor")
        self.turn_index = turn_index

    def render_lines(self, crop: Region) -> list[Strip]:
        # The compositor can paint the editor in the frame after ctrl+s removed it, when its component
        # styles are gone and TextArea's theme lookup raises KeyError (textual #6528): paint nothing.
        if not self.is_attached:
            return [Strip.blank(crop.width)] * crop.height
        return super().render_lines(crop)

    def action_save(self) -> None:
        self.post_message(self.Done(self.turn_index, self.text))

    def action_cancel(self) -> None:
        self.post_message(self.Done(self.turn_index, None))


class TurnView(Static):
    """One turn: its text with flagged spans on the left, the verifier's details beside it."""

    def __init__(self, index: int, role: str, flagged: bool) -> None:
        classes = f"turn {role}" + (" flagged" if flagged else "")
        super().__init__(classes=classes, id=f"turn-{index}")
        self.index = index
        self.plain = ""  # what the turn shows, as plain text

    def fill(self, body: Text, notes: Text) -> None:
        """Show the turn's text and, when there are any, its notes in a column beside it."""
        self.plain = f"{body.plain}\n{notes.plain}".rstrip()
        if not notes:
            self.update(body)
            return
        grid = Table.grid(expand=True, padding=(0, 2))
        grid.add_column(ratio=3)
        grid.add_column(ratio=2)
        grid.add_row(body, notes)
        self.update(grid)


class DialogueView(VerticalScroll):
    """The dialogue under review, with a selected turn that j/k and the arrow keys move."""

    BINDINGS = [
        Binding("down", "select(1)", "Next turn", show=False),
        Binding("up", "select(-1)", "Previous turn", show=False),
    ]
    can_focus = True

    def __init__(self) -> None:
        super().__init__(id="dialogue")
        self.item: ReviewItem | None = None
        self.selected = 0
        self.show_labels = False

    def compose(self) -> ComposeResult:
        yield Static(id="head")
        yield Static(id="problem")

    async def show(self, item: ReviewItem | None, *, held: bool, keep_selection: bool = False) -> None:
        """Render `item` (None: the queue is empty)."""
        same = (
            self.item is not None
            and item is not None
            and item.record.dialogue_id == self.item.record.dialogue_id
        )
        self.item = item
        await self.remove_children(".turn, TurnEditor")
        if item is None:
            self.query_one("#head", Static).update("Nothing to review: the queue is empty (or filtered out).")
            self.query_one("#problem", Static).update("")
            return
        record = item.record
        self.query_one("#head", Static).update(dialogue_head(record, item.history, held=held))
        self.query_one("#problem", Static).update(problem_card(record))
        await self.mount_all([TurnView(t.index, t.role, bool(t.verdict.flags)) for t in record.turns])
        self.render_turns()
        if not (keep_selection and same):
            flagged = self.flagged_turns(None)
            self.selected = flagged[0] if flagged else 0
        self.select(self.selected)

    def render_turns(self) -> None:
        """Fill the turn widgets (again, e.g. after the labels are toggled)."""
        if self.item is None:
            return
        labels: dict[int, list] = {}
        for label in self.item.record.labels:
            labels.setdefault(label.turn, []).append(label)
        for turn in self.item.record.turns:
            shown = labels.get(turn.index, []) if self.show_labels else None
            self.query_one(f"#turn-{turn.index}", TurnView).fill(
                turn_body(turn, self.item.edits.get(turn.index)), turn_notes(turn, shown)
            )

    def flagged_turns(self, filt: QueueFilter | None) -> list[int]:
        """Indices of the turns with flags (of the filter's kind, when filtering by flag kind)."""
        if self.item is None:
            return []
        kind = filt.value if filt and filt.field == "flag" else None
        return [
            t.index
            for t in self.item.record.turns
            if any(kind is None or f.kind == kind for f in t.verdict.flags)
        ]

    def select(self, index: int) -> None:
        """Make turn `index` the selected one and scroll it into view."""
        if self.item is None or not self.item.record.turns:
            return
        self.selected = max(0, min(index, len(self.item.record.turns) - 1))
        for view in self.query(TurnView):
            view.set_class(view.index == self.selected, "selected")
        self.query_one(f"#turn-{self.selected}", TurnView).scroll_visible(animate=False)

    def action_select(self, step: int) -> None:
        self.select(self.selected + step)

    def jump(self, step: int, filt: QueueFilter | None) -> bool:
        """Select the next (step 1) or previous (-1) flagged turn; False when there is none that way."""
        flagged = self.flagged_turns(filt)
        ahead = [i for i in flagged if (i - self.selected) * step > 0]
        if not ahead:
            return False
        self.select(min(ahead) if step > 0 else max(ahead))
        return True

    async def start_edit(self) -> TurnEditor | None:
        """Open the inline editor on the selected turn, holding its current text."""
        if self.item is None or not self.item.record.turns:
            return None
        turn = self.item.record.turns[self.selected]
        edit = self.item.edits.get(turn.index)
        view = self.query_one(f"#turn-{turn.index}", TurnView)
        editor = TurnEditor(turn.index, edit.text if edit else turn.text)
        await self.mount(editor, after=view)
        view.add_class("editing")
        editor.focus()
        return editor

    async def end_edit(self) -> None:
        """Close the inline editor, if one is open."""
        await self.query(TurnEditor).remove()
        self.query(".editing").remove_class("editing")
        self.focus()
