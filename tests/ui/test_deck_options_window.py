"""Deck options, preferences, per-deck limits and the done screen, driven as a learner."""

from __future__ import annotations

import random
from datetime import UTC
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog

from app.storage.collection import Collection
from app.ui.main_window import MainWindow
from app.ui.options.deck_options_dialog import DeckOptionsDialog
from app.ui.options.preferences_dialog import PreferencesDialog
from tests.conftest import T0

pytestmark = pytest.mark.gui


def _deck(name: str, uid: str, n: int) -> str:
    cards = "".join(f"## {uid} {i}\n<!-- id: {uid}{i} -->\nA {i}\n\n" for i in range(n))
    return f"---\ndeck: {name}\nid: {uid}\n---\n\nThe **{uid}** deck.\n\n{cards}"


@pytest.fixture
def window(qtbot, tmp_path: Path):
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "a.md").write_text(_deck("Top::A", "a", 30), encoding="utf-8")
    (decks / "b.md").write_text(_deck("Top::B", "b", 30), encoding="utf-8")
    (decks / "c.md").write_text(_deck("Other", "c", 30), encoding="utf-8")
    data = tmp_path / "data"
    col = Collection.open(data, tz=UTC, rng=random.Random(3))
    col.import_path(decks, T0)
    win = MainWindow(col, clock=lambda: T0)
    win.executor.synchronous = True
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    yield win
    win.close()
    col.close()


def _row(win: MainWindow, name: str) -> tuple[str, str, str]:
    for item in win.decks_view._items():
        if item.data(0, Qt.ItemDataRole.UserRole) == name:
            return item.text(1), item.text(2), item.text(3)
    raise AssertionError(name)


def _with_dialog(qtbot, cls, act) -> None:
    """Run ``act`` on the next modal dialog of type ``cls`` once it shows."""

    def run() -> None:
        dialog = next(
            w for w in QApplication.topLevelWidgets() if isinstance(w, cls) and w.isVisible()
        )
        act(dialog)

    QTimer.singleShot(50, run)


def test_each_deck_keeps_its_own_limit(qtbot, window) -> None:
    assert _row(window, "Top::A")[0] == "20" and _row(window, "Other")[0] == "20"
    assert _row(window, "Top")[0] == "20"  # the parent caps its children at 20
    window.decks_view.select("Top::A")
    qtbot.keyClick(window.decks_view.tree, Qt.Key.Key_Return)
    for _ in range(20):
        qtbot.keyClick(window.study_view, Qt.Key.Key_Space)
        qtbot.keyClick(window.study_view, "4")
    assert window.stack.currentWidget() is window.done_view
    assert "today's new-card limit is reached" in window.done_view.reasons.text()
    qtbot.keyClick(window.done_view, Qt.Key.Key_Escape)
    assert _row(window, "Top::A")[0] == "0"
    assert _row(window, "Other")[0] == "20"  # an unrelated deck is untouched
    assert _row(window, "Top::B")[0] == "20"  # a sibling keeps its own 20...
    assert _row(window, "Top")[0] == "0"  # ...but studying Top gives none: its cap is used
    assert "Studied 20 cards" in window.decks_view.today.text()


def test_options_saved_reloaded_and_applied(qtbot, window) -> None:
    def edit(dialog: DeckOptionsDialog) -> None:
        assert dialog.current().name == "Default"
        dialog.form.new_per_day.setValue(3)
        dialog.form.learning_steps.setText("2m 15m")
        qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    _with_dialog(qtbot, DeckOptionsDialog, edit)
    window.deck_action("Other", "options")
    assert _row(window, "Other")[0] == "3"
    preset = window.collection.deck_options.deck_preset("Other")
    assert preset.new_per_day == 3 and preset.learning_steps == (120, 900)

    def check(dialog: DeckOptionsDialog) -> None:
        assert dialog.form.new_per_day.value() == 3
        assert dialog.form.learning_steps.text() == "2m 15m"
        dialog.reject()

    _with_dialog(qtbot, DeckOptionsDialog, check)
    window.deck_action("Other", "options")


def test_a_new_preset_for_one_deck_and_today_only(qtbot, window, monkeypatch) -> None:
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Sprint", True))

    def edit(dialog: DeckOptionsDialog) -> None:
        dialog.add_button.click()
        assert dialog.current().name == "Sprint"
        dialog.form.new_per_day.setValue(50)
        dialog.form.today_only.setChecked(True)
        dialog.form.today_new.setValue(7)
        dialog.save()

    _with_dialog(qtbot, DeckOptionsDialog, edit)
    window.deck_action("Top::B", "options")
    assert _row(window, "Top::B")[0] == "7"
    assert _row(window, "Top::A")[0] == "20"
    assert window.collection.deck_options.deck_preset("Top::B").name == "Sprint"


def test_raise_todays_limit_from_the_done_screen(qtbot, window) -> None:
    window.collection.deck_options.set_today_limits("Other", T0, (2, 200))
    window.start_study("Other")
    for _ in range(2):
        qtbot.keyClick(window.study_view, Qt.Key.Key_Space)
        qtbot.keyClick(window.study_view, "4")
    assert window.stack.currentWidget() is window.done_view
    assert "Today: 2 cards" in window.done_view.session.text()
    window.done_view.more_buttons["raise"].click()
    assert window.stack.currentWidget() is window.study_view
    assert window.collection.counts(T0, "Other").new == 10


def test_preferences_are_saved(qtbot, window) -> None:
    def edit(dialog: PreferencesDialog) -> None:
        dialog.rollover.setValue(6)
        dialog.weakest_size.setValue(12)
        dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
        dialog.save()

    _with_dialog(qtbot, PreferencesDialog, edit)
    window.more.preferences()
    col = window.collection
    assert (col.rollover_hour, col.setting("weakest_size"), col.setting("theme")) == (6, 12, "dark")


def test_collapsed_decks_are_remembered(qtbot, window) -> None:
    top = next(
        i for i in window.decks_view._items() if i.data(0, Qt.ItemDataRole.UserRole) == "Top"
    )
    top.setExpanded(False)
    assert window.collection.setting("collapsed_decks") == ["Top"]
    window.show_decks()
    top = next(
        i for i in window.decks_view._items() if i.data(0, Qt.ItemDataRole.UserRole) == "Top"
    )
    assert not top.isExpanded()
    window.decks_view.select("Other")
    assert "<strong>c</strong>" in window.decks_view.description.text()  # Markdown, rendered


def test_the_gear_renames_and_deletes_a_deck(qtbot, window) -> None:
    asked: list[str] = []
    window.deck_actions.ask = lambda title, prompt, value: "Moved::Other"
    window.deck_actions.confirm = lambda title, text: asked.append(text) or True
    gear = window.decks_view.tree.itemWidget(
        next(
            i for i in window.decks_view._items() if i.data(0, Qt.ItemDataRole.UserRole) == "Other"
        ),
        4,
    )
    labels = [a.text() for a in gear.menu().actions()]
    assert labels == ["Study", "Options…", "Rename or move…", "Export…", "Delete…"]
    next(a for a in gear.menu().actions() if a.text() == "Rename or move…").trigger()
    assert _row(window, "Moved::Other")[0] == "20"
    window.deck_action("Moved::Other", "delete")
    assert "30 notes and 30 cards" in asked[0]
    names = {i.data(0, Qt.ItemDataRole.UserRole) for i in window.decks_view._items()}
    assert "Moved::Other" not in names and "Top::A" in names


def test_preferences_lead_to_the_sync_settings(qtbot, window) -> None:
    def open_sync(dialog: PreferencesDialog) -> None:
        assert dialog.sync_folder.text() == "Not syncing"
        dialog.syncRequested.emit()
        dialog.reject()

    _with_dialog(qtbot, PreferencesDialog, open_sync)
    window.more.preferences()
    assert window.sync_panel is not None and window.sync_panel.isVisible()
