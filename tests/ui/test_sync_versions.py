"""The browser's editor shows what a sync did not keep: the losing version of a field
(with a button that takes it back, and that travels as a newer edit), and a deletion
that a newer edit overruled."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import text

from app.storage.collection import Collection
from tests.conftest import FIXTURES, T0
from tests.ui.test_browser_window import _open_browser, _search

pytestmark = pytest.mark.gui


def _note(col: Collection) -> tuple[int, str, str]:
    with col.engine.connect() as conn:
        row = conn.execute(text("SELECT id, uid, prompt_md FROM note ORDER BY uid LIMIT 1")).one()
    return int(row[0]), str(row[1]), str(row[2])


def _note_id(col: Collection, uid: str) -> int:
    with col.engine.connect() as conn:
        return int(
            conn.execute(text("SELECT id FROM note WHERE uid = :u"), {"u": uid}).scalar_one()
        )


def _pair(open_window, tmp_path: Path):
    window = open_window()
    share = tmp_path / "OneDrive"
    share.mkdir()
    desktop = Collection.open(tmp_path / "desktop", tz=UTC, rng=random.Random(3))
    desktop.set_setting("sync_device_name", "DESKTOP")
    window.collection.set_setting("sync_device_name", "LAPTOP")
    window.collection.sync(share, T0)
    desktop.sync(share, T0)
    return window, desktop, share


def test_the_editor_shows_the_version_a_sync_did_not_keep_and_takes_it_back(
    qtbot, open_window, tmp_path: Path
) -> None:
    window, desktop, share = _pair(open_window, tmp_path)
    col = window.collection
    try:
        note_id, uid, prompt = _note(col)
        col.notes.edit_fields(note_id, {"answer_md": "Mine, from the laptop"}, T0)
        desktop.notes.edit_fields(
            _note_id(desktop, uid),
            {"answer_md": "Theirs, from the desktop"},
            T0 + timedelta(minutes=1),  # later: it wins
        )
        col.sync(share, T0 + timedelta(minutes=1))
        desktop.sync(share, T0 + timedelta(minutes=2))
        col.sync(share, T0 + timedelta(minutes=3))

        browser = _open_browser(qtbot, window)
        _search(qtbot, browser, f'"{prompt}"')
        editor = browser.editor
        editor.load(note_id)
        assert editor.boxes[2].toPlainText() == "Theirs, from the desktop"
        panel = editor.versions
        assert panel.isVisible()
        assert "Changed on two computers" in panel.title.text()
        shown = [w.text() for w in panel.findChildren(type(panel.title)) if w is not panel.title]
        assert any("Answer from this computer" in t and "Mine, from the laptop" in t for t in shown)

        qtbot.mouseClick(panel.use_buttons[0], Qt.MouseButton.LeftButton)
        assert editor.boxes[2].toPlainText() == "Mine, from the laptop"
        with qtbot.waitSignal(editor.saved, timeout=3000):
            pass
        col.sync(share, T0 + timedelta(minutes=4))
        desktop.sync(share, T0 + timedelta(minutes=5))
        assert desktop.editing.note(_note_id(desktop, uid)).answer == "Mine, from the laptop"
    finally:
        desktop.close()


def test_the_editor_says_a_newer_edit_kept_a_note_deleted_on_the_other_computer(
    qtbot, open_window, tmp_path: Path
) -> None:
    window, desktop, share = _pair(open_window, tmp_path)
    col = window.collection
    try:
        note_id, uid, prompt = _note(col)
        desktop.notes.delete(_note_id(desktop, uid), T0 + timedelta(minutes=1))
        col.notes.edit_fields(note_id, {"answer_md": "Edited after"}, T0 + timedelta(minutes=5))
        desktop.sync(share, T0 + timedelta(minutes=6))
        report = col.sync(share, T0 + timedelta(minutes=6))
        assert any("kept: edited later" in c for c in report.conflicts)

        browser = _open_browser(qtbot, window)
        _search(qtbot, browser, f'"{prompt}"')
        editor = browser.editor
        editor.load(note_id)
        assert editor.versions.isVisible()
        assert "Deleted on DESKTOP" in editor.versions.title.text()
        assert "edited later, so it was kept" in editor.versions.title.text()
        qtbot.mouseClick(editor.versions.hide_button, Qt.MouseButton.LeftButton)
        assert not editor.versions.isVisible()
        desktop.sync(share, T0 + timedelta(minutes=7))
        assert desktop.editing.note(_note_id(desktop, uid)).answer == "Edited after"
    finally:
        desktop.close()


def test_an_anki_notes_losing_fields_come_back_into_their_boxes(
    qtbot, open_window, tmp_path: Path
) -> None:
    window, desktop, share = _pair(open_window, tmp_path)
    col = window.collection
    try:
        col.import_path(FIXTURES / "anki" / "genanki_basic.apkg", T0)
        col.sync(share, T0)
        desktop.sync(share, T0)
        with col.engine.connect() as conn:
            note_id, uid = conn.execute(
                text("SELECT id, uid FROM note WHERE fields IS NOT NULL ORDER BY uid LIMIT 1")
            ).one()
        mine = col.editing.note(note_id)
        col.editing.save_note(replace(mine, fields=("Mine front", "Mine back")), T0)
        theirs = desktop.editing.note(_note_id(desktop, uid))
        desktop.editing.save_note(
            replace(theirs, fields=("Their front", "Their back")), T0 + timedelta(minutes=1)
        )
        col.sync(share, T0 + timedelta(minutes=2))
        desktop.sync(share, T0 + timedelta(minutes=2))
        col.sync(share, T0 + timedelta(minutes=3))

        browser = _open_browser(qtbot, window)
        _search(qtbot, browser, '"Their front"')
        editor = browser.editor
        editor.load(note_id)
        assert [b.toPlainText() for b in editor.boxes] == ["Their front", "Their back"]
        assert editor.versions.isVisible()
        qtbot.mouseClick(editor.versions.use_buttons[0], Qt.MouseButton.LeftButton)
        assert [b.toPlainText() for b in editor.boxes] == ["Mine front", "Mine back"]
    finally:
        desktop.close()
