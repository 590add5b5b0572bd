"""The review screen's card actions with Anki's keys, and the "More" menu listing them.

Every action is a ``QAction`` on the study screen (so its key works while the screen has
the keyboard) and an entry of the menu (so it can be found). While the typed-answer box
has the keyboard none of them acts: the keys are the learner's text then.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import SIGNAL, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QMenu

from app.core.errors import CirrusError
from app.storage.card_actions import FLAG_NAMES
from app.storage.card_info import card_info
from app.ui.card_text_view import TEXT_SIZES

if TYPE_CHECKING:
    from app.ui.study_view import StudyView

STUDY_KEYS: list[tuple[str, str]] = [
    ("Space / Enter", "Show the answer; then accept the suggested rating"),
    ("1 2 3 4", "Again, Hard, Good, Easy"),
    ("1-9", "Multiple choice: pick an option (choose-N cards: toggle it)"),
    ("Space", "Choose-N cards: submit the picks"),
    ("Enter", "Typed answer: check what you typed"),
    ("E", "Edit the note (without an editor: open its deck file, or say where it lives)"),
    ("-", "Bury the card until tomorrow"),
    ("@", "Suspend the card"),
    ("Ctrl+1 … Ctrl+7", "Flag the card red, orange, green, blue, pink, turquoise, purple"),
    ("*", "Mark the note (tag marked)"),
    ("I", "Card info: history, FSRS state, source"),
    ("O", "Deck options"),
    ("R", "Replay audio"),
    ("Ctrl+Delete", "Delete the note"),
    ("Ctrl+Z", "Undo the last answer or card action"),
    ("Ctrl+= / Ctrl+-", "Larger or smaller card text"),
    ("Esc", "Back to the decks (first leaves the answer box)"),
]


def open_in_system(path: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class StudyActions:
    """Builds the actions of one :class:`StudyView` and carries them out."""

    def __init__(self, view: StudyView) -> None:
        self.view = view
        self.open_file: Callable[[Path], bool] = open_in_system
        """How ``E`` opens a deck file (replaceable, e.g. in tests)."""
        self.menu = QMenu(view)
        self.actions: dict[str, QAction] = {}
        self._add("edit", "&Edit", "E", self.edit)
        self.menu.addSeparator()
        self._add("bury", "&Bury card", "-", self.bury)
        self._add("suspend", "&Suspend card", "@", self.suspend)
        flags = self.menu.addMenu("&Flag card")
        for number in range(1, 8):
            self._add(
                f"flag{number}",
                f"{FLAG_NAMES[number]}",
                f"Ctrl+{number}",
                partial(self.flag, number),
                flags,
            )
        self._add("mark", "&Mark note", "*", self.mark)
        self.menu.addSeparator()
        self._add("info", "Card &info", "I", self.info)
        self._add("options", "Deck &options", "O", self.options)
        self._add("replay", "&Replay audio", "R", self.replay)
        self._add("bigger", "&Larger text", "Ctrl+=", partial(self.text_size, 1))
        self.actions["bigger"].setShortcuts(
            [QKeySequence("Ctrl+="), QKeySequence(QKeySequence.StandardKey.ZoomIn)]
        )
        self._add("smaller", "S&maller text", "Ctrl+-", partial(self.text_size, -1))
        self.menu.addSeparator()
        self._add("delete", "&Delete note", "Ctrl+Delete", self.delete)

    def _add(
        self,
        name: str,
        text: str,
        key: str,
        slot: Callable[[], object],
        menu: QMenu | None = None,
    ) -> None:
        action = QAction(text, self.view)
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(action.shortcutContext().WidgetWithChildrenShortcut)
        action.triggered.connect(lambda _checked=False: self._run(slot))
        (menu or self.menu).addAction(action)
        self.view.addAction(action)
        self.actions[name] = action

    def _run(self, slot: Callable[[], object]) -> None:
        if self.view.card is None or self.view.typing():
            return
        try:
            slot()
        except CirrusError as exc:
            self._say(f"Not done: {exc}")

    def _say(self, text: str) -> None:
        self.view.statusMessage.emit(text)

    # -- the actions -----------------------------------------------------------------------

    def edit(self) -> None:
        view = self.view
        assert view.card is not None
        if view.receivers(SIGNAL("editRequested(int)")) > 0:
            view.editRequested.emit(view.card.note_id)
            return
        info = card_info(view.collection, view.card.card_id, view.clock())
        if info.file is not None and info.file.is_file():
            self.open_file(info.file)
            line = f", line {info.line}" if info.line else ""
            self._say(f"Opened {info.file}{line}: edit it there; Cirrus reloads it on restart")
            return
        where = info.note_uid.removeprefix("guid:")
        kind = "guid" if info.note_uid.startswith("guid:") else "id"
        self._say(f"This card lives in deck {info.deck}, {kind} {where} (no editor yet)")

    def bury(self) -> None:
        view = self.view
        assert view.card is not None
        view.collection.card_actions.bury(view.card.card_id, view.clock())
        self._say("Card buried until tomorrow (Ctrl+Z undoes)")
        view.next()

    def suspend(self) -> None:
        view = self.view
        assert view.card is not None
        view.collection.card_actions.suspend(view.card.card_id)
        self._say("Card suspended (Ctrl+Z undoes)")
        view.next()

    def flag(self, number: int) -> None:
        view = self.view
        assert view.card is not None
        now = view.collection.card_actions.set_flag(view.card.card_id, number)
        view.refresh_marks()
        self._say(f"{FLAG_NAMES[now]} flag set" if now else "Flag removed")

    def mark(self) -> None:
        view = self.view
        assert view.card is not None
        marked = view.collection.card_actions.toggle_mark(view.card.card_id)
        view.refresh_marks()
        self._say("Note marked" if marked else "Note unmarked")

    def info(self) -> None:
        from app.ui.card_info_dialog import CardInfoDialog

        view = self.view
        assert view.card is not None
        info = card_info(view.collection, view.card.card_id, view.clock())
        dialog = CardInfoDialog(info, view.card, view)
        dialog.editRequested.connect(self._edit_from_info)
        dialog.show()
        self.info_dialog = dialog

    def _edit_from_info(self, note_id: int) -> None:
        """Card info's Edit: the editor on that note (or, with no editor, where it lives)."""
        view = self.view
        if view.receivers(SIGNAL("editRequested(int)")) > 0:
            view.editRequested.emit(note_id)
        elif view.card is not None and view.card.note_id == note_id:
            self.edit()

    def options(self) -> None:
        view = self.view
        assert view.card is not None
        view.optionsRequested.emit(view.deck or view.card.deck_name)

    def replay(self) -> None:
        if not self.view.audio.replay():
            self._say("This card has no audio")

    def text_size(self, step: int) -> None:
        view = self.view
        current = view.view.text_size
        sizes = list(TEXT_SIZES)
        index = min(range(len(sizes)), key=lambda i: abs(sizes[i] - current))
        size = sizes[max(0, min(len(sizes) - 1, index + step))]
        view.collection.set_setting("card_text_size", size)
        view.view.set_text_size(size)
        view.refresh_style()
        self._say(f"Card text {size:g} pt")

    def delete(self) -> None:
        view = self.view
        assert view.card is not None
        cards = view.collection.card_actions.delete_note(view.card.card_id)
        plural = "s" if cards != 1 else ""
        self._say(f"Note deleted with its {cards} card{plural} (Ctrl+Z undoes)")
        view.next()
