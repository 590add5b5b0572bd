"""The note editor: Markdown source beside a live preview, or one box per field of a note
type with a preview of each card; tags with completion and a deck chooser.

Edits are saved as the learner types (a moment after the last key) and each box keeps
its own undo history (Ctrl+Z).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.core import av_tags
from app.core.anki_template import CardContext, render
from app.core.errors import CirrusError
from app.core.image_occlusion import occlusion_field
from app.core.models import NoteKind
from app.core.render import card_html
from app.storage.collection import Collection
from app.storage.notes_repo import NoteContent, wanted_ords
from app.storage.occlusion_images import draw_sides
from app.storage.sync.history import LostVersion
from app.ui.card_text_view import CardTextView
from app.ui.editor.fields import MarkdownEdit, TagEdit
from app.ui.editor.sync_versions import SyncVersionsPanel

SAVE_DELAY_MS = 400
KIND_NAMES = {
    NoteKind.BASIC: "Basic",
    NoteKind.REVERSED: "Basic and reversed",
    NoteKind.CLOZE: "Cloze",
    NoteKind.CHOICE: "Multiple choice",
    NoteKind.INPUT: "Type-in answer",
    NoteKind.CASE: "Case study",
    NoteKind.TEMPLATE: "Note type",
}


class NoteEditorWidget(QWidget):
    saved = Signal(int)
    """A note was written (its id)."""
    changed = Signal()
    """The text changed (before it is saved)."""

    def __init__(
        self,
        collection: Collection,
        clock: Callable[[], datetime],
        dark: Callable[[], bool] = lambda: False,
        autosave: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.collection = collection
        self.clock = clock
        self.dark = dark
        self.autosave = autosave
        self.note: NoteContent | None = None
        self._filling = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_DELAY_MS)
        self._timer.timeout.connect(self.flush)
        self._build()

    # -- layout ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.deck_box = QComboBox()
        self.deck_box.currentIndexChanged.connect(self._edited)
        self.kind_label = QLabel()
        self.tags = TagEdit()
        self.tags.textChanged.connect(self._edited)
        self.deck_box.setMinimumContentsLength(18)
        self.deck_box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.deck_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.boxes: list[QLineEdit | MarkdownEdit] = []
        self.upstream = _UpstreamPanel()
        self.upstream.keep.clicked.connect(self.keep_mine)
        self.upstream.take.clicked.connect(self.take_theirs)
        # one form, so that the labels line up: deck, the upstream panel, fields, tags
        self.fields_form = QFormLayout()
        self.fields_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.fields_form.addRow("Deck", self.deck_box)
        self.fields_form.addRow(self.upstream)
        self.versions = SyncVersionsPanel(self.use_version)
        self.fields_form.addRow(self.versions)
        self.fields_form.addRow("Tags", self.tags)
        self._first_field_row = 3
        """The form's rows: head rows, deck, the upstream and sync panels, the fields, tags."""
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(self.fields_form, 1)
        self.card_box = QComboBox()
        self.card_box.currentIndexChanged.connect(lambda _i: self.update_preview())
        media = self.collection.media_dir if self.collection.data_dir else None
        self.preview = CardTextView(media)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        font = self.preview.document().defaultFont()
        font.setPointSizeF(11.5)
        self.preview.document().setDefaultFont(font)
        self.preview.document().setDocumentMargin(12)
        self.kind_label.setStyleSheet("font-weight: bold;")
        preview_head = QHBoxLayout()
        preview_head.addWidget(self.kind_label)
        preview_head.addStretch(1)
        preview_head.addWidget(QLabel("Preview of"))
        preview_head.addWidget(self.card_box)
        right_layout.addLayout(preview_head)
        right_layout.addWidget(self.preview, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.status = QLabel()
        self.status.setStyleSheet("color: palette(mid);")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.status)

    def add_head_row(self, label: str, widget: QWidget) -> None:
        """A row above the deck (the Add window's note kind), aligned with the fields."""
        self.fields_form.insertRow(0, label, widget)
        self._first_field_row += 1

    def _store(self) -> Callable[[Path], str] | None:
        return self.collection.editing.add_media if self.collection.data_dir else None

    # -- filling ---------------------------------------------------------------------------

    def load(self, note_id: int) -> None:
        self.flush()
        self.set_note(self.collection.editing.note(note_id))

    def set_note(self, note: NoteContent) -> None:
        """Show ``note`` (note id 0: a note not written yet, as in the Add window)."""
        self._timer.stop()
        self._filling = True
        try:
            self.note = note
            self._fill_decks(note.deck_id)
            self.tags.set_known(self.collection.editing.all_tags())
            self.tags.set_tags(note.tags)
            self.kind_label.setText(
                note.notetype.name if note.notetype is not None else KIND_NAMES[note.kind]
            )
            self._build_boxes(note)
            self.upstream.show_for(note)
            self.versions.show_for(
                self.collection.editing.sync_versions(note.note_id) if note.note_id else []
            )
        finally:
            self._filling = False
        self.status.clear()
        self.update_preview()

    def clear(self) -> None:
        self.flush()
        self.note = None
        self._clear_boxes()
        self.preview.clear()
        self.upstream.hide()
        self.versions.hide()

    def _fill_decks(self, deck_id: int) -> None:
        self.deck_box.clear()
        for index, (did, name) in enumerate(self.collection.editing.deck_names()):
            self.deck_box.addItem(name, did)
            if did == deck_id:
                self.deck_box.setCurrentIndex(index)

    def _clear_boxes(self) -> None:
        while self.fields_form.rowCount() > self._first_field_row + 1:
            self.fields_form.removeRow(self._first_field_row)
        self.boxes = []

    def _build_boxes(self, note: NoteContent) -> None:
        """One box per field; the boxes stay (with focus) when the fields are the same."""
        if note.fields is not None and note.notetype is not None:
            names = list(note.notetype.fields)
            values = list(note.fields) + [""] * (len(names) - len(note.fields))
            specs = [(name, value, True) for name, value in zip(names, values, strict=False)]
        else:
            specs = [
                ("Heading", note.prompt, False),
                ("Question", note.front, True),
                ("Answer", note.answer, True),
            ]
        if [b.accessibleName() for b in self.boxes] == [name for name, _, _ in specs]:
            for box, (_, value, _multi) in zip(self.boxes, specs, strict=True):
                if self._text(box) != value:
                    if isinstance(box, QLineEdit):
                        box.setText(value)
                        box.setCursorPosition(0)
                    else:
                        box.setPlainText(value)
            return
        self._clear_boxes()
        for name, value, multi in specs:
            self._add_box(name, value, multi)

    def _add_box(self, label: str, value: str, multi: bool) -> None:
        box: QLineEdit | MarkdownEdit
        if multi:
            box = MarkdownEdit(self._store())
            box.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
            box.setPlainText(value)
            box.setMinimumHeight(60)
            box.textChanged.connect(self._edited)
        else:
            box = QLineEdit(value)
            box.setCursorPosition(0)
            box.textChanged.connect(self._edited)
        box.setObjectName(f"field-{label}")
        box.setAccessibleName(label)
        self.fields_form.insertRow(self.fields_form.rowCount() - 1, label, box)
        self.boxes.append(box)

    # -- reading the widgets ---------------------------------------------------------------

    @staticmethod
    def _text(box: QLineEdit | MarkdownEdit) -> str:
        return box.text() if isinstance(box, QLineEdit) else box.toPlainText()

    def content(self) -> NoteContent | None:
        note = self.note
        if note is None:
            return None
        values = [self._text(b) for b in self.boxes]
        deck_id = self.deck_box.currentData()
        common = {
            "deck_id": int(deck_id) if deck_id is not None else note.deck_id,
            "deck_name": self.deck_box.currentText(),
            "tags": self.tags.tags(),
        }
        if note.fields is not None:
            return replace(note, fields=tuple(values), **common)  # type: ignore[arg-type]
        prompt, front, answer = [*values, "", "", ""][:3]
        kind = note.kind
        if kind in (NoteKind.BASIC, NoteKind.CLOZE) and "{{c" in prompt + front:
            kind = NoteKind.CLOZE
        return replace(
            note,
            kind=kind,
            prompt=prompt.strip(),
            front=front,
            answer=answer,
            **common,  # type: ignore[arg-type]
        )

    # -- saving ----------------------------------------------------------------------------

    def _edited(self, *_args: object) -> None:
        if self._filling or self.note is None:
            return
        self.changed.emit()
        self.update_preview()
        if self.autosave and self.note.note_id:
            self._timer.start()

    def flush(self) -> None:
        """Save now what the learner has typed."""
        self._timer.stop()
        content = self.content()
        if not self.autosave or content is None or not content.note_id:
            return
        try:
            if self.collection.editing.save_note(content, self.clock()):
                self.note = self.collection.editing.note(content.note_id)
                self.status.setText("Saved")
                self.saved.emit(content.note_id)
        except CirrusError as exc:
            self.status.setText(f"Not saved: {exc}")

    def use_version(self, version: LostVersion) -> None:
        """Put a version a sync did not keep back in the boxes (saved as any edit is, and
        sent to the other computers as a newer edit)."""
        if self.note is None:
            return
        if version.field == "tags" and isinstance(version.value, list):
            self.tags.set_tags(tuple(str(t) for t in version.value))
            return
        places = {"prompt_md": 0, "front_md": 1, "answer_md": 2}
        if version.field == "fields" and isinstance(version.value, list):
            values = {i: str(v) for i, v in enumerate(version.value)}
        elif version.field in places and self.note.fields is None:
            values = {places[version.field]: str(version.value or "")}
        else:
            return
        for index, value in values.items():
            if index < len(self.boxes):
                box = self.boxes[index]
                if isinstance(box, QLineEdit):
                    box.setText(value)
                else:
                    box.setPlainText(value)
        self.status.setText(f"The {version.label.lower()} from {version.device} is back")

    def keep_mine(self) -> None:
        if self.note is None:
            return
        self.flush()
        self.collection.editing.keep_mine(self.note.note_id)
        self.set_note(self.collection.editing.note(self.note.note_id))
        self.saved.emit(self.note.note_id)

    def take_theirs(self) -> None:
        if self.note is None:
            return
        self.flush()
        self.set_note(self.collection.editing.take_theirs(self.note.note_id, self.clock()))
        if self.note is not None:
            self.saved.emit(self.note.note_id)

    # -- preview ---------------------------------------------------------------------------

    def update_preview(self) -> None:
        content = self.content()
        if content is None:
            return
        ords = wanted_ords(content) or [0]
        current = self.card_box.currentData()
        self.card_box.blockSignals(True)
        self.card_box.clear()
        for ord_ in ords:
            self.card_box.addItem(self._card_name(content, ord_), ord_)
        if current in ords:
            self.card_box.setCurrentIndex(ords.index(current))
        self.card_box.blockSignals(False)
        ord_ = int(self.card_box.currentData() or 0)
        dark = self.dark()
        if content.fields is not None and content.notetype is not None:
            question, answer, css = _template_sides(content, ord_, self.preview.media_dir)
            html = card_html(NoteKind.TEMPLATE, ord_, "", question, answer, reveal=True, dark=dark)
            asked = card_html(NoteKind.TEMPLATE, ord_, "", question, answer, reveal=False)
            html = av_tags.play_buttons(html, answer=True, question_html=asked)  # clips: ▶
            self.preview.show_html(html, dark, css)
            return
        sides = (content.kind, ord_, content.prompt, content.front, content.answer)
        html = card_html(*sides, reveal=True, dark=dark)
        asked = card_html(*sides, reveal=False, dark=dark)
        html = av_tags.play_buttons(html, answer=True, question_html=asked, front=asked)
        self.preview.show_html(html, dark)

    @staticmethod
    def _card_name(content: NoteContent, ord_: int) -> str:
        if content.notetype is not None and not content.notetype.cloze:
            templates = content.notetype.templates
            if ord_ < len(templates):
                return str(templates[ord_][0])
        return f"Card {ord_ + 1}"


def _template_sides(
    content: NoteContent, ord_: int, media_dir: Path | None = None
) -> tuple[str, str, str]:
    notetype = content.notetype
    assert notetype is not None and content.fields is not None
    fields = dict(zip(notetype.fields, content.fields, strict=False))
    index = 0 if notetype.cloze else min(ord_, len(notetype.templates) - 1)
    name, qfmt, afmt = notetype.templates[index]
    ctx = CardContext(
        ord=ord_,
        cloze=notetype.cloze,
        tags=content.tags,
        deck=content.deck_name,
        card_name=name,
        notetype=notetype.name,
    )
    question = render(qfmt, fields, ctx, answer=False)
    answer = render(afmt, fields, ctx, answer=True, front_side=question)
    if (occlusions := occlusion_field(qfmt)) is not None:  # image occlusion: its picture
        occluded = fields.get(occlusions, "")
        question, answer = draw_sides(question, answer, occluded, ord_, notetype.css, media_dir)
    return question, answer, notetype.css


class _UpstreamPanel(QFrame):
    """Shown when the deck file changed a card the learner had edited: both versions."""

    def __init__(self) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("_UpstreamPanel { background: palette(alternate-base); }")
        self.title = QLabel("<b>Changed upstream.</b> The deck's new version:")
        self.theirs = QLabel()
        self.theirs.setWordWrap(True)
        self.theirs.setTextFormat(Qt.TextFormat.PlainText)
        self.theirs.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.keep = QPushButton("Keep mine")
        self.take = QPushButton("Take theirs")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.keep)
        buttons.addWidget(self.take)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.theirs)
        layout.addLayout(buttons)
        self.hide()

    def show_for(self, note: NoteContent) -> None:
        upstream = note.upstream
        if not note.changed_upstream or upstream is None:
            self.hide()
            return
        parts = [f"## {upstream['prompt']}", upstream["front"], upstream["answer"]]
        self.theirs.setText("\n\n".join(p for p in parts if p).strip()[:1500])
        self.show()
