"""The browser, the editor, the Add window and deck management, driven as a learner does."""

from __future__ import annotations

import random
from datetime import UTC
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLineEdit

from app.storage.collection import Collection
from app.ui.browser.browser_window import BrowserWindow
from app.ui.db_executor import DbExecutor
from tests.conftest import FIXTURES, T0, deck_text

pytestmark = pytest.mark.gui
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def _open_browser(qtbot, window) -> BrowserWindow:
    qtbot.keyClick(window, Qt.Key.Key_B, CTRL)
    browser = window.browser_window
    assert browser is not None and browser.isVisible()
    qtbot.waitExposed(browser)
    qtbot.waitUntil(lambda: not browser.searching and not browser.editor_pending)
    browser.activateWindow()
    qtbot.waitUntil(browser.isActiveWindow)
    return browser


def _search(qtbot, browser: BrowserWindow, query: str) -> list[str]:
    browser.search_edit.clear()
    qtbot.keyClicks(browser.search_edit, query)
    qtbot.keyClick(browser.search_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not browser.searching and not browser.editor_pending)
    return _column(browser, 0)


def _column(browser: BrowserWindow, column: int) -> list[str]:
    model = browser.model
    return [str(model.data(model.index(r, column))) for r in range(model.rowCount())]


def _tag_every_card(qtbot, browser: BrowserWindow, tag: str) -> None:
    """Ctrl+A selects every row, Ctrl+Shift+A adds ``tag`` to them."""
    browser.ask = lambda _title, _prompt: tag
    browser.table.setFocus()
    qtbot.keyClick(browser.table, Qt.Key.Key_A, CTRL)
    qtbot.keyClick(browser.table, Qt.Key.Key_A, CTRL | SHIFT)
    qtbot.waitUntil(lambda: not browser.searching)


def _action(window, text: str) -> QAction:
    found = [a for a in window.findChildren(QAction) if a.text().replace("&", "") == text]
    assert found, text
    return found[0]


def test_search_from_the_bar_and_the_sidebar(qtbot, open_window) -> None:
    window = open_window()
    browser = _open_browser(qtbot, window)
    assert browser.model.rowCount() == window.collection.totals()["cards"]
    rows = _search(qtbot, browser, "dead-letter")
    assert rows == ["Dead-letter queue", "Dead-letter queue"]  # reversed: two cards
    assert browser.count_label.text() == "2 cards"
    qtbot.keyClick(browser.mode_box, Qt.Key.Key_Down)  # notes mode
    qtbot.waitUntil(lambda: not browser.searching and browser.model.notes_mode)
    assert _column(browser, 0) == ["Dead-letter queue"]
    assert browser.count_label.text() == "1 note"
    services = browser.sidebar.findItems("Services", Qt.MatchFlag.MatchExactly)[0]
    services.setExpanded(True)
    item = next(
        services.child(i)
        for i in range(services.childCount())
        if services.child(i).text(0) == "service-bus"
    )
    rect = browser.sidebar.visualItemRect(item)
    qtbot.mouseClick(browser.sidebar.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: not browser.searching)
    assert browser.search_edit.text() == "service:service-bus"
    assert browser.model.rowCount() >= 3


def test_sort_by_clicking_a_column_header(qtbot, open_window) -> None:
    window = open_window()
    browser = _open_browser(qtbot, window)
    ascending = _column(browser, 0)
    assert ascending == sorted(ascending, key=str.lower)
    header = browser.table.horizontalHeader()
    point = QPoint(header.sectionViewportPosition(0) + 20, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.waitUntil(lambda: not browser.searching)
    assert browser.order.descending
    assert _column(browser, 0) == sorted(ascending, key=str.lower, reverse=True)
    deck_column = browser.model.columns.index("deck")
    point = QPoint(header.sectionViewportPosition(deck_column) + 20, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.waitUntil(lambda: not browser.searching)
    assert browser.order.column == "deck"


def test_edit_a_field_and_the_study_screen_shows_it(qtbot, open_window) -> None:
    window = open_window()
    window.start_study(None)
    shown = window.study_view.card
    assert shown is not None
    browser = _open_browser(qtbot, window)
    heading = shown.prompt
    _search(qtbot, browser, f"cid:{shown.card_id}")
    editor = browser.editor
    assert editor.note is not None and editor.note.prompt == heading
    box = editor.boxes[0]
    assert isinstance(box, QLineEdit)
    box.setFocus()
    box.end(False)
    qtbot.keyClicks(box, " EDITED")
    with qtbot.waitSignal(editor.saved, timeout=3000):
        pass
    assert "EDITED" in editor.preview.toPlainText()
    assert window.collection.card(shown.card_id).prompt == heading + " EDITED"
    assert "EDITED" in window.study_view.view.toPlainText()
    assert _column(browser, 0) == [heading + " EDITED"]


def test_add_five_cards_with_ctrl_enter(qtbot, open_window) -> None:
    window = open_window()
    before = window.collection.totals()["notes"]
    qtbot.keyClick(window, Qt.Key.Key_A, CTRL | SHIFT)
    add = window.add_window
    assert add is not None
    qtbot.waitExposed(add)
    add.activateWindow()
    qtbot.waitUntil(add.isActiveWindow)
    add.editor.tags.setText("mine written")
    for number in range(5):
        heading, _question, answer = add.editor.boxes
        qtbot.keyClicks(heading, f"Question {number}")
        qtbot.keyClicks(answer, f"Answer {number}")
        qtbot.keyClick(answer, Qt.Key.Key_Return, CTRL)
        assert heading.text() == ""  # cleared for the next card
        assert add.editor.tags.text() == "mine written"
        assert add.warning.text() == "Added." and "color" not in add.warning.styleSheet()
    col = window.collection
    assert col.totals()["notes"] == before + 5
    found = col.editing.find_ids("tag:written", True, "sort", False, T0)
    notes = [col.editing.note(n) for n in found]
    assert [n.prompt for n in notes] == [f"Question {i}" for i in range(5)]
    assert {n.origin for n in notes} == {"local"}
    qtbot.keyClicks(add.editor.boxes[0], "Question 1")
    assert "already" in add.warning.text()
    assert "color" in add.warning.styleSheet()  # a problem, in red


def test_bulk_tag_then_undo_with_ctrl_z(qtbot, open_window) -> None:
    window = open_window()
    browser = _open_browser(qtbot, window)
    _tag_every_card(qtbot, browser, "exam/week1")
    col = window.collection
    assert len(col.editing.find_ids("tag:exam", False, "sort", False, T0)) == col.totals()["cards"]
    tags_column = browser.model.columns.index("tags")
    assert all("exam/week1" in t for t in _column(browser, tags_column))
    assert browser.sidebar.findItems("exam", Qt.MatchFlag.MatchRecursive)
    qtbot.keyClick(browser.table, Qt.Key.Key_Z, CTRL)
    qtbot.waitUntil(lambda: not browser.searching)
    assert col.editing.find_ids("tag:exam", False, "sort", False, T0) == []


def test_delete_a_deck_and_undo(qtbot, open_window) -> None:
    window = open_window()
    col = window.collection
    before = col.totals()
    asked: list[str] = []
    window.deck_actions.confirm = lambda _title, text: asked.append(text) or True
    window.decks_view.select("Sample::Messaging")
    _action(window, "Delete deck…").trigger()
    assert "Sample::Messaging, with 5 notes and 7 cards?" in asked[0]
    assert col.totals()["notes"] == 0
    assert window.decks_view.tree.topLevelItemCount() == 0
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)  # Edit > Undo
    assert col.totals() == before
    window.decks_view.select("Sample::Messaging")
    assert window.decks_view.current_deck() == "Sample::Messaging"


def test_delete_notes_in_the_browser_with_counts_and_undo(qtbot, open_window) -> None:
    window = open_window()
    browser = _open_browser(qtbot, window)
    col = window.collection
    before = col.totals()
    _search(qtbot, browser, "dead-letter")
    asked: list[str] = []
    browser.confirm = lambda _title, text: asked.append(text) or True
    browser.table.setFocus()
    qtbot.keyClick(browser.table, Qt.Key.Key_A, CTRL)
    qtbot.keyClick(browser.table, Qt.Key.Key_Delete, CTRL)
    qtbot.waitUntil(lambda: not browser.searching)
    assert asked and "2 cards" in asked[0]
    assert browser.model.rowCount() == 0
    assert col.totals()["notes"] == before["notes"] - 1
    qtbot.keyClick(browser.table, Qt.Key.Key_Z, CTRL)
    qtbot.waitUntil(lambda: not browser.searching)
    assert col.totals() == before
    assert browser.model.rowCount() == 2


def test_undo_an_import(qtbot, open_window, write_deck) -> None:
    window = open_window()
    col = window.collection
    before = col.totals()
    path = write_deck(deck_text("## Diary\n\nDear diary\n\n## More\n\nNotes\n", deck="Diary"))
    flow = window.import_flow
    flow.confirm = lambda _preview: True
    flow.report = lambda *_args: None
    flow.start(path)
    qtbot.waitUntil(lambda: not flow.busy, timeout=5000)
    assert col.totals()["notes"] == before["notes"] + 2
    asked: list[str] = []
    window.deck_actions.confirm = lambda _title, text: asked.append(text) or True
    _action(window, "Undo import…").trigger()
    assert "removes the 2 notes it added" in asked[0]
    assert col.totals() == before
    names = [
        window.decks_view.tree.topLevelItem(i).text(0)
        for i in range(window.decks_view.tree.topLevelItemCount())
    ]
    assert "Diary" not in names


def test_edit_a_bundled_card_then_sync_a_changed_upstream_copy(
    qtbot, open_window, tmp_path: Path
) -> None:
    window = open_window()
    col = window.collection
    folder = tmp_path / "bundled"
    folder.mkdir()
    deck = folder / "b.md"
    deck.write_text(deck_text("## Bundled question\n<!-- id: bq -->\n\nOld\n", deck="Bundled"))
    col.sync_bundled(T0, folder)
    browser = _open_browser(qtbot, window)
    assert _search(qtbot, browser, "deck:Bundled") == ["Bundled question"]
    answer = browser.editor.boxes[2]
    answer.setFocus()
    answer.selectAll()
    qtbot.keyClicks(answer, "Mine")
    with qtbot.waitSignal(browser.editor.saved, timeout=3000):
        pass
    deck.write_text(deck_text("## Bundled question\n<!-- id: bq -->\n\nTheirs\n", deck="Bundled"))
    col.sync_bundled(T0, folder)
    browser.toggle_column("upstream")
    _search(qtbot, browser, "deck:Bundled")
    assert _column(browser, browser.model.columns.index("upstream")) == ["changed upstream"]
    editor = browser.editor
    editor.load(editor.note.note_id)
    assert editor.upstream.isVisible()
    assert "Theirs" in editor.upstream.theirs.text()
    assert answer.toPlainText() == "Mine"
    qtbot.mouseClick(editor.upstream.take, Qt.MouseButton.LeftButton)
    assert editor.boxes[2].toPlainText() == "Theirs"
    assert not editor.upstream.isVisible()
    history = col.editing.history(editor.note.note_id)
    assert [h[1]["answer"] for h in history] == ["Old", "Mine"]


def test_editor_on_an_anki_note_shows_one_box_per_field(qtbot, open_window) -> None:
    window = open_window()
    window.collection.import_path(FIXTURES / "anki" / "genanki_basic.apkg", T0)
    browser = _open_browser(qtbot, window)
    _search(qtbot, browser, "")
    col = window.collection
    note_id = next(
        n
        for n in col.editing.find_ids("", True, "sort", False, T0)
        if col.editing.note(n).fields is not None
    )
    browser.editor.load(note_id)
    note = browser.editor.note
    assert note is not None and note.notetype is not None
    assert len(browser.editor.boxes) == len(note.notetype.fields)
    assert browser.editor.preview.toPlainText().strip()


def test_an_edit_is_undone_with_ctrl_z_from_the_table(qtbot, open_window) -> None:
    window = open_window()
    browser = _open_browser(qtbot, window)
    _search(qtbot, browser, "dead-letter")
    editor = browser.editor
    assert editor.note is not None
    note_id, heading = editor.note.note_id, editor.note.prompt
    box = editor.boxes[0]
    box.setFocus()
    box.end(False)
    qtbot.keyClicks(box, " typo")
    with qtbot.waitSignal(editor.saved, timeout=3000):
        pass
    assert window.collection.editing.note(note_id).prompt == heading + " typo"
    browser.table.setFocus()
    qtbot.keyClick(browser.table, Qt.Key.Key_Z, CTRL)
    qtbot.waitUntil(lambda: not browser.searching and not browser.editor_pending)
    assert window.collection.editing.note(note_id).prompt == heading
    assert editor.boxes[0].text() == heading
    assert _column(browser, 0) == [heading, heading]


def test_search_in_anki_syntax_shows_the_matching_rows(qtbot, open_window) -> None:
    window = open_window()
    browser = _open_browser(qtbot, window)
    assert _search(qtbot, browser, "dead-letter card:2") == ["Dead-letter queue"]
    rows = _search(qtbot, browser, '(tag:service::service-bus OR "dead*") -is:suspended')
    col = window.collection
    assert len(rows) == len(col.search_cards('tag:service::service-bus OR "dead*"', now=T0))
    assert "Dead-letter queue" in rows
    assert _search(qtbot, browser, "deck:Sample* -deck:Sample::Messaging") == []
    _search(qtbot, browser, "dead-letter")
    assert _search(qtbot, browser, "dead (letter") == ["Dead-letter queue"] * 2  # unchanged
    assert browser.error_label.isVisible() and "column" in browser.error_label.text()
    _search(qtbot, browser, "deck:Sample")
    assert not browser.error_label.isVisible()


def test_a_sidebar_deck_with_wildcard_characters_finds_only_itself(qtbot, open_window) -> None:
    from dataclasses import replace

    from app.core.models import NoteKind
    from app.storage.notes_repo import NoteContent

    window = open_window()
    col = window.collection
    for name in ("Week_1", "WeekX1"):
        deck_id = col.editing.create_deck(name)
        note = NoteContent(0, "", NoteKind.BASIC, deck_id, "")
        col.editing.add_note(replace(note, prompt=f"In {name}", answer="a"), T0)
    browser = _open_browser(qtbot, window)
    decks = browser.sidebar.findItems("Decks", Qt.MatchFlag.MatchExactly)[0]
    item = next(
        decks.child(i) for i in range(decks.childCount()) if decks.child(i).text(0) == "Week_1"
    )
    rect = browser.sidebar.visualItemRect(item)
    qtbot.mouseClick(browser.sidebar.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: not browser.searching)
    assert _column(browser, 0) == ["In Week_1"]


def test_suspend_and_unsuspend_the_selection_with_ctrl_j(qtbot, open_window) -> None:
    window = open_window()
    browser = _open_browser(qtbot, window)
    col = window.collection
    _search(qtbot, browser, "dead-letter")
    browser.table.setFocus()
    qtbot.keyClick(browser.table, Qt.Key.Key_A, CTRL)
    qtbot.keyClick(browser.table, Qt.Key.Key_J, CTRL)
    qtbot.waitUntil(lambda: not browser.searching)
    assert len(col.search_cards("dead-letter is:suspended", now=T0)) == 2
    assert _search(qtbot, browser, "is:suspended") == ["Dead-letter queue"] * 2
    browser.table.setFocus()
    qtbot.keyClick(browser.table, Qt.Key.Key_A, CTRL)
    qtbot.keyClick(browser.table, Qt.Key.Key_J, CTRL)
    qtbot.waitUntil(lambda: not browser.searching)
    assert col.search_cards("is:suspended", now=T0) == []


def test_escape_and_ctrl_w_close_the_browser(qtbot, tmp_path) -> None:
    col = Collection.open(tmp_path / "data", tz=UTC, rng=random.Random(1))
    try:
        col.import_path(FIXTURES / "decks" / "sample.md", T0)
        executor = DbExecutor(synchronous=True)
        for key, modifier in (
            (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
            (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier),
        ):
            browser = BrowserWindow(col, executor, lambda: T0)
            qtbot.addWidget(browser)
            browser.show()
            qtbot.waitExposed(browser)
            browser.activateWindow()
            qtbot.waitUntil(browser.isActiveWindow)
            qtbot.keyClick(browser.table, key, modifier)
            assert not browser.isVisible()
    finally:
        col.close()


def test_ctrl_z_in_the_browser_takes_back_the_newest_change_first(qtbot, open_window) -> None:
    """One undo stack, as Anki's: an answer given after a bulk change goes back first."""
    window = open_window()
    browser = _open_browser(qtbot, window)
    _tag_every_card(qtbot, browser, "week2")
    col = window.collection
    card = col.editing.find_ids("tag:week2", False, "sort", False, T0)[0]
    col.answer(card, 3, T0)  # type: ignore[arg-type]
    assert col.totals()["review_logs"] == 1
    qtbot.keyClick(browser.table, Qt.Key.Key_Z, CTRL)
    qtbot.waitUntil(lambda: not browser.searching)
    assert col.totals()["review_logs"] == 0  # the answer went back
    assert col.editing.find_ids("tag:week2", False, "sort", False, T0)  # the tags stay
    assert "Answer" in browser.statusBar().currentMessage()
    assert window.study_view.card is not None and window.study_view.card.card_id == card
    qtbot.keyClick(browser.table, Qt.Key.Key_Z, CTRL)
    qtbot.waitUntil(lambda: not browser.searching)
    assert col.editing.find_ids("tag:week2", False, "sort", False, T0) == []


def test_new_and_learning_cards_show_no_interval_in_days(qtbot, open_window) -> None:
    """As Anki's browser: "(new)" and "(learning)" in the Interval column, not "0 h"."""
    window = open_window()
    window.start_study(None)
    study = window.study_view
    shown = study.card
    assert shown is not None
    qtbot.keyClick(study, Qt.Key.Key_Space)
    qtbot.keyClick(study, Qt.Key.Key_1)  # Again: the card is in learning now
    qtbot.waitUntil(lambda: study.card is None or study.card.card_id != shown.card_id)
    browser = _open_browser(qtbot, window)
    interval = browser.model.columns.index("interval")
    _search(qtbot, browser, f"cid:{shown.card_id}")
    assert _column(browser, interval) == ["(learning)"]
    _search(qtbot, browser, "is:new")
    assert set(_column(browser, interval)) == {"(new)"}
