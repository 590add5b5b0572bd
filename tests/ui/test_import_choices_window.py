"""The import preview offers Anki's choices: replace (the default) or merge for a
whole-collection backup; update, keep or duplicate and the match scope for text files,
remembered for next time. Driven through the real dialog."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialogButtonBox

from app.core.import_choices import CollectionMode, Duplicates, MatchScope
from app.core.models import ImportSummary
from app.ui.import_preview import ImportPreviewDialog
from tests.conftest import FIXTURES

pytestmark = pytest.mark.gui
COLPKG = FIXTURES / "anki" / "collection.colpkg"


def _when_shown(flow, act: Callable[[ImportPreviewDialog], None]) -> list[dict]:
    """Act on the preview dialog once it is open, then press Import."""
    seen: list[dict] = []

    def poke() -> None:
        dialog = flow.preview_dialog
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(20, poke)
            return
        seen.append({"replace": dialog.replace, "duplicates": dialog.duplicates})
        act(dialog)
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    QTimer.singleShot(0, poke)
    return seen


def _run(qtbot, window, path: Path) -> ImportSummary:
    reports: list = []
    window.import_flow.report = lambda *args: reports.append(args)
    with qtbot.waitSignal(window.import_flow.finished, timeout=30_000) as blocker:
        window.import_flow.start(path)
    result = blocker.args[0]
    assert isinstance(result, ImportSummary), (result, reports)
    return result


def test_a_backup_is_replaced_by_default_or_merged_when_chosen(qtbot, open_window) -> None:
    window = open_window()
    before = window.collection.totals()["notes"]
    chosen: list[CollectionMode] = []

    def keep_default(dialog: ImportPreviewDialog) -> None:
        assert dialog.replace is not None and dialog.replace.isChecked()  # Anki's default
        chosen.append(dialog.choices().collection)

    _when_shown(window.import_flow, keep_default)
    replaced = _run(qtbot, window, COLPKG)
    assert chosen == [CollectionMode.REPLACE]
    assert replaced.removed == before and replaced.backup and Path(replaced.backup).exists()
    after_replace = window.collection.totals()["notes"]

    def pick_merge(dialog: ImportPreviewDialog) -> None:
        assert dialog.replace is not None
        dialog.findChildren(type(dialog.replace))[1].click()  # "Merge into my collection"
        chosen.append(dialog.choices().collection)

    _when_shown(window.import_flow, pick_merge)
    merged = _run(qtbot, window, COLPKG)
    assert chosen[-1] == CollectionMode.MERGE
    assert merged.backup is None and merged.added == 0
    assert window.collection.totals()["notes"] == after_replace


def test_text_choices_are_offered_applied_and_remembered(qtbot, open_window, tmp_path) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text("#separator:tab\n#deck:Words\nsol\tsun\nluna\tmoon\n", encoding="utf-8")
    window = open_window()
    previews: list = []

    def first(dialog: ImportPreviewDialog) -> None:
        assert dialog.duplicates is not None and dialog.scope is not None
        assert dialog.choices().duplicates == Duplicates.UPDATE  # Anki's default
        assert dialog.choices().match_scope == MatchScope.NOTETYPE
        assert "2 notes, 2 cards" in dialog.details.text()  # the cards the rows make

    _when_shown(window.import_flow, first)
    assert _run(qtbot, window, rows).added == 2
    rows.write_text("#separator:tab\n#deck:Words\nsol\tSonne\nstar\tStern\n", encoding="utf-8")

    def keep(dialog: ImportPreviewDialog) -> None:
        assert dialog.duplicates is not None and dialog.scope is not None
        dialog.duplicates.setCurrentIndex(1)  # keep the existing note
        dialog.scope.setCurrentIndex(1)  # within the note type and deck
        previews.append(dialog.choices())

    _when_shown(window.import_flow, keep)
    kept = _run(qtbot, window, rows)
    assert (kept.added, kept.updated, kept.skipped) == (1, 0, 1)
    assert previews[0].duplicates == Duplicates.KEEP
    assert window.import_flow.last_choices() == previews[0]  # offered first next time


def test_the_files_header_is_offered_first(qtbot, open_window, tmp_path) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text("#separator:tab\n#if matches:keep both\nsol\tsun\n", encoding="utf-8")
    window = open_window()
    window.collection.set_setting("import_duplicates", "keep")  # the last choice made
    offered: list = []
    _when_shown(window.import_flow, lambda dialog: offered.append(dialog.choices()))
    _run(qtbot, window, rows)
    assert offered[0].duplicates == Duplicates.DUPLICATE  # as Anki: the file's header wins
