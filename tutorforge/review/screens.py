"""Modal screens of the review app: a one-line prompt (reject reason, note), the filter picker, help."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tutorforge.review.queue import QueueFilter

HELP = """\
[b]Deciding[/b]
  a        approve the dialogue (one key, saved at once)
  r        reject it, with a reason (Enter saves, Esc cancels)
  u        undo your last decision or edit
  s        skip it for now (it stays in the queue)
[b]Reading[/b]
  j / k    next / previous flagged turn
  ↓ / ↑    next / previous turn
  g        show or hide the generator labels (the errors injected on purpose)
  f        filter the queue by flag kind or reason
  tab      move between the queue and the dialogue; Enter on a queue row opens it
[b]Changing[/b]
  e        edit the selected turn in place (ctrl+s saves, Esc cancels); the original is kept
  n        add a note to the dialogue
[b]Leaving[/b]
  q        quit (your lease is released; every decision is already saved)
  ?        this help (Esc closes)

Highlighted text is what the verifier flagged; the numbered notes beside a turn say why.
Two reviewers never hold the same dialogue: the one you see is leased to you while the app runs."""


class PromptScreen(ModalScreen[str | None]):
    """Ask for one line of text: the result is the text, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.initial = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, markup=False)
            yield Input(value=self.initial, placeholder=self.placeholder, id="prompt")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class FilterScreen(ModalScreen[QueueFilter | None | bool]):
    """Pick a filter: the result is a QueueFilter, False for no filter, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, choices: list[tuple[QueueFilter, int]], current: QueueFilter | None) -> None:
        super().__init__()
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        options = [Option("everything pending", id="all")]
        options += [Option(f"{f.label} ({n})", id=str(i)) for i, (f, n) in enumerate(self.choices)]
        with Vertical(classes="dialog"):
            yield Label("Filter the queue")
            yield OptionList(*options, id="filters", markup=False)

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        chosen = [i for i, (f, _) in enumerate(self.choices) if f == self.current]
        options.highlighted = chosen[0] + 1 if chosen else 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        key = event.option.id
        self.dismiss(False if key == "all" else self.choices[int(key or 0)][0])

    def action_cancel(self) -> None:
        self.dismiss(None)


class HelpScreen(ModalScreen[None]):
    """The keys, over the app."""

    BINDINGS = [
        Binding("escape,question_mark,q", "close", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help"):
            yield Static(HELP, id="help")

    def action_close(self) -> None:
        self.dismiss(None)
