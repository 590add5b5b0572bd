"""``cirrus --open FILE`` (what file associations run) opens the window on an import."""

from __future__ import annotations

import pytest

from app.cli import _parser
from app.storage.collection import Collection
from app.ui import import_flow
from app.ui.app import open_main_window
from tests.conftest import FIXTURES

pytestmark = pytest.mark.gui
PACKAGE = FIXTURES / "anki" / "legacy_export.apkg"


def test_open_flag_is_parsed() -> None:
    args = _parser().parse_args(["--open", str(PACKAGE)])
    assert args.command is None and args.open == PACKAGE
    assert _parser().parse_args(["--open"]).open is None  # a launcher with no file


def test_opening_a_file_shows_the_import_preview(qtbot, tmp_path, monkeypatch) -> None:
    previews: list[dict] = []

    def decline(self, preview):  # the learner reads the preview and cancels
        previews.append(preview)
        return False

    monkeypatch.setattr(import_flow.ImportFlow, "_ask", decline)
    col = Collection.open(tmp_path)
    try:
        window = open_main_window(col, PACKAGE)
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda: bool(previews))
        window.executor.wait()
        assert previews[0]["notes"] == 15 and previews[0]["format"] == "apkg"
        assert col.totals()["notes"] == 0  # declined: nothing was imported
        window.close()
    finally:
        col.close()
