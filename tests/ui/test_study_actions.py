"""Every review-screen key of the "More" menu, pressed as a learner does."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import text

from app.core.models import NoteKind
from app.storage.card_actions import FLAG_COLOURS
from tests.conftest import T0

pytestmark = pytest.mark.gui
CTRL = Qt.KeyboardModifier.ControlModifier


def _study(qtbot, window):
    window.start_study(None)
    study = window.study_view
    assert study.card is not None
    return study


def _status(window) -> str:
    return window.statusBar().currentMessage()


def _count(window, sql: str, **params) -> int:
    with window.collection.engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar())


def test_more_menu_lists_every_action_with_its_key(qtbot, open_window) -> None:
    study = _study(qtbot, open_window())
    entries = {}
    for action in study.actions_.actions.values():
        entries[action.text().replace("&", "")] = action.shortcut().toString()
    assert entries["Edit"] == "E" and entries["Bury card"] == "-"
    assert entries["Suspend card"] == "@" and entries["Mark note"] == "*"
    assert entries["Card info"] == "I" and entries["Deck options"] == "O"
    assert entries["Replay audio"] == "R" and entries["Delete note"] == "Ctrl+Del"
    assert [
        entries[n] for n in ("Red", "Orange", "Green", "Blue", "Pink", "Turquoise", "Purple")
    ] == [f"Ctrl+{i}" for i in range(1, 8)]
    menu_texts = [a.text().replace("&", "") for a in study.actions_.menu.actions()]
    assert "Bury card" in menu_texts and "Flag card" in menu_texts


def test_bury_and_suspend_leave_the_queue_and_undo(qtbot, open_window) -> None:
    window = open_window()
    study = _study(qtbot, window)
    before = window.collection.counts(T0).total
    first = study.card.card_id
    qtbot.keyClick(study, "-")
    assert study.card.card_id != first
    assert "buried until tomorrow" in _status(window)
    assert window.collection.counts(T0).total == before - 1
    second = study.card.card_id
    qtbot.keyClick(study, "@")
    assert study.card.card_id != second
    assert _count(window, "SELECT suspended FROM card WHERE id = :i", i=second) == 1
    assert window.collection.counts(T0).total == before - 2
    qtbot.keyClick(study, Qt.Key.Key_Z, CTRL)
    assert study.card.card_id == second and _status(window) == "Suspend undone"
    assert _count(window, "SELECT suspended FROM card WHERE id = :i", i=second) == 0
    qtbot.keyClick(study, Qt.Key.Key_Z, CTRL)
    assert study.card.card_id == first and _status(window) == "Bury undone"
    assert window.collection.counts(T0).total == before


def test_flags_show_their_colour_and_toggle(qtbot, open_window) -> None:
    window = open_window()
    study = _study(qtbot, window)
    card_id = study.card.card_id
    for number in range(1, 8):
        qtbot.keyClick(study, getattr(Qt.Key, f"Key_{number}"), CTRL)
        assert window.collection.card_actions.marks(card_id).flag == number
        assert FLAG_COLOURS[number] in study.view.styleSheet()
        assert FLAG_COLOURS[number] in study.marks_label.text()
    qtbot.keyClick(study, Qt.Key.Key_7, CTRL)  # the same flag again clears it
    assert window.collection.card_actions.marks(card_id).flag == 0
    assert "transparent" in study.view.styleSheet() and study.marks_label.text() == ""
    qtbot.keyClick(study, Qt.Key.Key_Z, CTRL)
    assert window.collection.card_actions.marks(card_id).flag == 7


def test_mark_tags_the_note(qtbot, open_window) -> None:
    window = open_window()
    study = _study(qtbot, window)
    note = study.card.note_id
    qtbot.keyClick(study, "*")
    sql = "SELECT COUNT(*) FROM note_tag WHERE note_id = :n AND tag = 'marked'"
    assert _count(window, sql, n=note) == 1
    assert "Marked" in study.marks_label.text()
    qtbot.keyClick(study, "*")
    assert _count(window, sql, n=note) == 0


def test_delete_note_then_undo_brings_back_cards_and_history(qtbot, open_window) -> None:
    window = open_window()
    study = _study(qtbot, window)
    qtbot.keyClick(study, Qt.Key.Key_Space)
    qtbot.keyClick(study, "1")  # one answer in the history
    answered = window.collection.card(_count(window, "SELECT card_id FROM review_log"))
    study.show_card(answered)
    notes = _count(window, "SELECT COUNT(*) FROM note")
    cards = _count(window, "SELECT COUNT(*) FROM card")
    qtbot.keyClick(study, Qt.Key.Key_Delete, CTRL)
    assert "Note deleted" in _status(window)
    assert _count(window, "SELECT COUNT(*) FROM note") == notes - 1
    assert _count(window, "SELECT COUNT(*) FROM review_log") == 0
    assert study.card is None or study.card.note_id != answered.note_id
    qtbot.keyClick(study, Qt.Key.Key_Z, CTRL)
    assert _count(window, "SELECT COUNT(*) FROM card") == cards
    assert _count(window, "SELECT COUNT(*) FROM review_log") == 1
    assert study.card.card_id == answered.card_id
    assert window.collection.card(answered.card_id).memory == answered.memory


def test_card_info_shows_history_state_and_source(qtbot, open_window) -> None:
    window = open_window()
    study = _study(qtbot, window)
    while not study.card.source:
        qtbot.keyClick(study, "-")
    qtbot.keyClick(study, Qt.Key.Key_Space)
    qtbot.keyClick(study, "3")
    answered = _count(window, "SELECT card_id FROM review_log")
    study.show_card(window.collection.card(answered))
    qtbot.keyClick(study, "I")
    dialog = study.actions_.info_dialog
    qtbot.waitExposed(dialog)
    shown = dialog.browser.toPlainText()
    assert "Good" in shown and "learning" in shown
    assert "Stability" in shown and "Difficulty" in shown
    assert study.card.source in shown
    dialog.close()


def test_edit_opens_the_note_editor(qtbot, open_window) -> None:
    from PySide6.QtWidgets import QApplication

    from app.ui.editor.editor_window import EditorWindow

    window = open_window()
    study = _study(qtbot, window)
    qtbot.keyClick(study, "E")
    editors = [
        w for w in QApplication.topLevelWidgets() if isinstance(w, EditorWindow) and w.isVisible()
    ]
    assert len(editors) == 1
    assert editors[0].editor.note.note_id == study.card.note_id
    editors[0].close()


def test_edit_without_an_editor_opens_the_deck_file_or_says_where_the_card_lives(
    qtbot, open_window, monkeypatch
) -> None:
    """A study screen with no editor connected (the fallback)."""
    from app.ui.study_view import StudyView
    from tests.conftest import FIXTURES

    window = open_window()
    study = StudyView(window.collection, window.clock, lambda: False)
    qtbot.addWidget(study)
    study.show()
    messages: list[str] = []
    study.statusMessage.connect(messages.append)
    study.start(None)
    study.actions_.actions["edit"].trigger()
    assert f"lives in deck {study.card.deck_name}, id " in messages[-1]

    # a deck synced from a checkout's decks/ folder: E opens the file at the card
    import app.storage.card_info as card_info

    monkeypatch.setattr(card_info, "bundled_decks_dir", lambda: FIXTURES / "decks")
    with window.collection.engine.begin() as conn:
        conn.execute(text("UPDATE deck SET origin = 'bundled'"))
    opened: list[Path] = []
    study.actions_.open_file = lambda path: opened.append(path) or True
    study.actions_.actions["edit"].trigger()
    assert opened == [FIXTURES / "decks" / "sample.md"]
    lines = opened[0].read_text(encoding="utf-8").split("\n")
    line = int(messages[-1].rsplit("line ", 1)[1].split(":")[0])
    assert lines[line - 1].startswith("## ")
    assert study.card.prompt.split("{{")[0].strip()[:12] in lines[line - 1]


def test_options_opens_the_deck_options_of_the_studied_deck(qtbot, open_window) -> None:
    from PySide6.QtCore import QTimer

    window = open_window()
    window.start_study("Sample::Messaging")
    study = window.study_view
    opened: list[str] = []

    def close_when_open() -> None:  # the dialog is modal: look at it, then close it
        dialog = window.options_dialog
        if dialog is not None and dialog.isVisible():
            opened.append(dialog.deck)
            dialog.reject()
        else:
            QTimer.singleShot(20, close_when_open)

    QTimer.singleShot(0, close_when_open)
    with qtbot.waitSignal(study.optionsRequested) as blocker:
        qtbot.keyClick(study, "O")
    assert blocker.args == ["Sample::Messaging"]
    assert opened == ["Sample::Messaging"]
    assert window.stack.currentWidget() is study


def test_replay_without_audio_says_so(qtbot, open_window) -> None:
    window = open_window()
    study = _study(qtbot, window)
    card_id = study.card.card_id
    qtbot.keyClick(study, "R")
    assert _status(window) == "This card has no audio"
    assert study.card.card_id == card_id and not study.revealed


def test_card_text_size_keys_are_remembered(qtbot, open_window) -> None:
    window = open_window()
    study = _study(qtbot, window)
    start = study.view.text_size
    qtbot.keyClick(study, Qt.Key.Key_Equal, CTRL)
    qtbot.keyClick(study, Qt.Key.Key_Equal, CTRL)
    bigger = study.view.text_size
    assert bigger > start
    assert study.view.document().defaultFont().pointSizeF() == bigger
    qtbot.keyClick(study, Qt.Key.Key_Minus, CTRL)
    assert start < study.view.text_size < bigger
    size = study.view.text_size
    window.close()
    window.collection.close()
    again = open_window()
    again.start_study(None)
    assert again.study_view.view.text_size == size


def test_choice_card_keys_do_not_rate_before_a_pick(qtbot, open_window) -> None:
    window = open_window()
    study = _study(qtbot, window)
    while study.card.kind != NoteKind.CHOICE:
        qtbot.keyClick(study, "-")
    qtbot.keyClick(study, Qt.Key.Key_Space)  # single choice: Space does not reveal
    assert not study.revealed
