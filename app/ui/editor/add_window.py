"""The Add window (Ctrl+Shift+A or A): pick a kind or a note type, a deck and tags, type,
Ctrl+Enter adds and clears the fields (deck and tags stay)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.core.errors import CirrusError
from app.core.models import NoteKind
from app.storage.collection import Collection
from app.storage.notes_repo import NoteContent, NoteType, first_field
from app.ui.editor.note_editor import NoteEditorWidget

CHOICE_STARTER = "- [ ] Wrong option\n- [x] Right option\n- [ ] Wrong option\n- [ ] Wrong option"
CHOOSE_N_STARTER = "- [x] Right option\n- [x] Right option\n- [ ] Wrong option\n- [ ] Wrong option"


@dataclass(frozen=True)
class AddKind:
    label: str
    kind: NoteKind
    front: str = ""
    prompt_hint: str = ""
    notetype: NoteType | None = None


MARKDOWN_KINDS = (
    AddKind("Basic", NoteKind.BASIC),
    AddKind("Basic and reversed", NoteKind.REVERSED),
    AddKind("Cloze", NoteKind.CLOZE, prompt_hint="Write {{c1::hidden}} in the heading"),
    AddKind("Multiple choice", NoteKind.CHOICE, CHOICE_STARTER),
    AddKind("Choose N", NoteKind.CHOICE, CHOOSE_N_STARTER, "End the heading with: Choose two."),
    AddKind("Type-in answer", NoteKind.INPUT, prompt_hint="The answer's first line is typed"),
)


class AddWindow(QWidget):
    added = Signal(int)
    """A note was added (its id)."""

    def __init__(
        self,
        collection: Collection,
        clock: Callable[[], datetime],
        dark: Callable[[], bool] = lambda: False,
        deck: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Add")
        self.collection = collection
        self.clock = clock
        self.kinds = list(MARKDOWN_KINDS) + [
            AddKind(f"{nt.name} (note type)", NoteKind.TEMPLATE, notetype=nt)
            for nt in collection.editing.notetypes()
        ]
        self.kind_box = QComboBox()
        for kind in self.kinds:
            self.kind_box.addItem(kind.label)
        self.kind_box.currentIndexChanged.connect(lambda _i: self._new_note(keep=True))
        self.editor = NoteEditorWidget(collection, clock, dark, autosave=False)
        self.editor.changed.connect(self._check_duplicate)
        self.hint = QLabel()
        self.warning = QLabel()
        self.add_button = QPushButton("Add  (Ctrl+Enter)")
        self.add_button.setDefault(True)
        self.add_button.clicked.connect(self.add)
        top = QWidget()
        top_row = QHBoxLayout(top)
        top_row.setContentsMargins(0, 0, 0, 0)
        top_row.addWidget(self.kind_box, 1)
        top_row.addWidget(self.hint, 1)
        self.editor.add_head_row("Type", top)
        bottom = QHBoxLayout()
        bottom.addWidget(self.warning, 1)
        bottom.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor, 1)
        layout.addLayout(bottom)
        for key in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(key), self, self.add)
        QShortcut(QKeySequence("Esc"), self, self.close)
        self._start_deck = deck
        self._new_note(keep=False)
        self.resize(1000, 620)

    def kind(self) -> AddKind:
        return self.kinds[max(self.kind_box.currentIndex(), 0)]

    def _new_note(self, keep: bool) -> None:
        """Empty fields for the chosen kind; deck and tags stay when ``keep``."""
        decks = self.collection.editing.deck_names()
        if not decks:
            self.collection.editing.create_deck("Default")
            decks = self.collection.editing.deck_names()
        deck_id = decks[0][0]
        tags: tuple[str, ...] = ()
        current = self.editor.content() if keep or self.editor.note is not None else None
        if current is not None:
            deck_id, tags = current.deck_id, current.tags
        elif self._start_deck is not None:
            deck_id = next((i for i, n in decks if n == self._start_deck), deck_id)
        kind = self.kind()
        fields = None
        if kind.notetype is not None:
            fields = tuple("" for _ in kind.notetype.fields)
        blank = NoteContent(
            note_id=0,
            uid="",
            kind=kind.kind,
            deck_id=deck_id,
            deck_name="",
            front=kind.front,
            tags=tags,
            fields=fields,
            notetype=kind.notetype,
            origin="local",
        )
        self.editor.set_note(blank)
        self.hint.setText(kind.prompt_hint)
        self.warning.clear()
        if self.editor.boxes:
            self.editor.boxes[0].setFocus()

    def _check_duplicate(self) -> None:
        content = self.editor.content()
        if content is None:
            return
        found = self.collection.editing.duplicates(content.deck_id, first_field(content))
        self._say(
            f"A note with this first field is already in {content.deck_name}." if found else ""
        )

    def add(self) -> int | None:
        content = self.editor.content()
        if content is None or not first_field(content).strip():
            self._say("The first field is empty.")
            return None
        try:
            note_id = self.collection.editing.add_note(content, self.clock())
        except CirrusError as exc:
            self._say(str(exc))
            return None
        self.added.emit(note_id)
        self._new_note(keep=True)
        self._say("Added.", problem=False)
        return note_id

    def _say(self, text: str, problem: bool = True) -> None:
        """A problem in red; a confirmation in the window's own text colour."""
        self.warning.setStyleSheet("color: #cf222e;" if problem else "")
        self.warning.setText(text)

    def closeEvent(self, event: QCloseEvent) -> None:
        event.accept()
