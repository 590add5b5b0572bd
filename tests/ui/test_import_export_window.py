"""Import through the window: preview first, then a progress dialog with Cancel."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QPushButton

from app.core.errors import ImportCancelled
from app.core.models import ImportSummary
from tests.conftest import FIXTURES

pytestmark = pytest.mark.gui
PACKAGE = FIXTURES / "anki" / "modern_export.apkg"


def _capture(window) -> tuple[list, list]:
    previews: list[dict] = []
    reports: list[tuple[str, str, bool]] = []
    window.import_flow.confirm = lambda preview: previews.append(preview) or True
    window.import_flow.report = lambda *args: reports.append(args)
    return previews, reports


def test_import_shows_a_preview_then_imports(qtbot, open_window) -> None:
    window = open_window()
    previews, reports = _capture(window)
    with qtbot.waitSignal(window.import_flow.finished, timeout=20_000) as blocker:
        window.import_flow.start(PACKAGE)
    assert isinstance(blocker.args[0], ImportSummary)
    assert previews[0]["notes"] == 15 and previews[0]["review_logs"] == 88
    assert "AI-200::Messaging::Service Bus" in previews[0]["decks"]
    assert reports[0][0] == "Import finished" and "15 added" in reports[0][1]
    labels = {
        window.decks_view.tree.topLevelItem(i).text(0)
        for i in range(window.decks_view.tree.topLevelItemCount())
    }
    assert {"AI-200", "General Knowledge", "Sample"} <= labels


def test_declining_the_preview_writes_nothing(qtbot, open_window) -> None:
    window = open_window()
    before = window.collection.totals()
    window.import_flow.confirm = lambda preview: False
    window.executor.synchronous = True
    window.import_flow.start(PACKAGE)
    assert window.collection.totals() == before
    assert not window.import_flow.busy


def test_cancel_in_the_progress_dialog_rolls_back(qtbot, open_window) -> None:
    window = open_window()
    _previews, reports = _capture(window)
    window.executor.synchronous = True
    before = window.collection.totals()
    flow = window.import_flow
    # the learner presses the dialog's Cancel button while the import runs
    flow.progressed.connect(lambda *_: flow.dialog.findChild(QPushButton).click())
    results: list = []
    flow.finished.connect(results.append)
    flow.start(PACKAGE)
    assert isinstance(results[0], ImportCancelled)
    assert reports[-1][0] == "Import cancelled"
    assert window.collection.totals() == before
    media = window.collection.media_dir
    assert not media.exists() or not any(media.iterdir())


def test_a_refused_file_gets_a_clear_message(qtbot, open_window, tmp_path) -> None:
    window = open_window()
    _previews, reports = _capture(window)
    window.executor.synchronous = True
    bad = tmp_path / "broken.apkg"
    bad.write_bytes(b"not a zip at all")
    window.import_flow.start(bad)
    assert reports == [
        ("Import refused", f"{bad}: not an Anki package (not a valid zip file)", True)
    ]


def test_dropping_a_file_on_the_window_imports_it(qtbot, open_window) -> None:
    window = open_window()
    previews, _reports = _capture(window)
    window.executor.synchronous = True
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(PACKAGE))])
    event = QDropEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    assert previews and previews[0]["notes"] == 15
    assert window.collection.totals()["notes"] == 5 + 15


def test_export_from_the_window(qtbot, open_window, tmp_path) -> None:
    window = open_window()
    window.executor.synchronous = True
    out = tmp_path / "out.apkg"
    window.export_to(out, "apkg", None, True)
    assert out.exists() and out.stat().st_size > 0
    assert "Exported 5 notes" in window.statusBar().currentMessage()
