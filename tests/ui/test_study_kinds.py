"""Typed answers, multiple choice and choose-two cards, driven by the keyboard."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import text

from app.core.models import NoteKind, Rating
from app.storage.collection import Collection
from app.ui.main_window import MainWindow
from app.ui.study_view import CHOICE, RATE, TYPE
from tests.conftest import FIXTURES, T0

pytestmark = pytest.mark.gui


@pytest.fixture
def kinds_window(qtbot, tmp_path: Path) -> Iterator[Callable[[str], MainWindow]]:
    """The main window on the study-kinds deck, showing the card with ``card_id``."""
    opened: list[tuple[MainWindow, Collection]] = []

    def open_(card: str) -> MainWindow:
        col = Collection.open(tmp_path / f"data{len(opened)}", tz=UTC, rng=random.Random(5))
        col.import_path(FIXTURES / "study" / "study_kinds.md", T0)
        window = MainWindow(col, clock=lambda: T0)
        qtbot.addWidget(window)
        window.resize(900, 600)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        window.start_study("Kinds")
        with col.engine.connect() as conn:
            card_id = conn.execute(
                text("SELECT c.id FROM card c JOIN note n ON n.id = c.note_id WHERE n.uid = :u"),
                {"u": f"kinds/{card}"},
            ).scalar()
        window.study_view.show_card(col.card(card_id))
        opened.append((window, col))
        return window

    yield open_
    for window, col in opened:
        window.close()
        col.close()


def _last_rating(window: MainWindow) -> tuple[int, int]:
    with window.collection.engine.connect() as conn:
        row = conn.execute(
            text("SELECT card_id, rating FROM review_log ORDER BY reviewed_at DESC, rowid DESC")
        ).first()
    return int(row[0]), int(row[1])


def _visible(window: MainWindow) -> str:
    return window.study_view.view.toPlainText()


# -- typed answers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "right"),
    [
        ("Key Vault Secrets User", True),
        ("key vault secrets user", True),  # case is ignored unless the card says exact
        ("Key Vault Secrets Officer", False),
    ],
)
def test_typed_answer_right_wrong_and_other_case(qtbot, kinds_window, typed, right) -> None:
    window = kinds_window("typed")
    study = window.study_view
    assert study.bottom.currentIndex() == TYPE
    assert study.type_box.hasFocus()
    qtbot.keyClicks(study.type_box, typed)
    assert study.type_box.text() == typed
    assert not study.revealed
    qtbot.keyClick(study.type_box, Qt.Key.Key_Return)
    assert study.revealed and study.bottom.currentIndex() == RATE
    assert study.suggested == (Rating.GOOD if right else Rating.AGAIN)
    visible = _visible(window)
    assert typed in visible and "Key Vault Secrets User" in visible
    assert ("↓" in visible) != right  # Anki's arrow, then the expected text, on a miss
    card_id = study.card.card_id
    qtbot.keyClick(study, Qt.Key.Key_Space)  # accept the suggestion
    assert _last_rating(window) == (card_id, int(Rating.GOOD if right else Rating.AGAIN))


def test_no_shortcut_fires_while_typing(qtbot, kinds_window) -> None:
    window = kinds_window("typed")
    study = window.study_view
    card_id = study.card.card_id
    qtbot.keyClicks(study.type_box, "httpTrigger -@*IORE 1234 dst")
    qtbot.keyClick(study.type_box, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert study.type_box.text() == "httpTrigger -@*IORE 1234 dst"
    assert window.stats_window is None  # T opens statistics elsewhere, not here
    assert window.stack.currentWidget() is study  # D (decks) and S did nothing
    assert study.card.card_id == card_id and not study.revealed
    assert window.collection.card_actions.marks(card_id).flag == 0
    assert not window.collection.card_actions.marks(card_id).marked
    qtbot.keyClick(study.type_box, Qt.Key.Key_Escape)  # leaves the box, stays
    assert window.stack.currentWidget() is study and not study.type_box.hasFocus()


def test_typed_comparison_marks_characters_readably(qtbot, kinds_window) -> None:
    from PySide6.QtGui import QTextCursor

    window = kinds_window("typed")
    study = window.study_view
    qtbot.keyClicks(study.type_box, "Key Vault Secrets Usr")
    qtbot.keyClick(study.type_box, Qt.Key.Key_Return)
    text_ = _visible(window)
    assert "Key Vault Secrets Us-r" in text_ and "↓" in text_  # as Anki marks it
    doc = study.view.document()
    missed = doc.toPlainText().index("↓") + 1
    # the "e" of "User" that was not typed has the missed background
    position = doc.toPlainText().index("User", missed) + 2
    cursor = QTextCursor(doc)
    cursor.setPosition(position + 1)
    assert cursor.charFormat().background().color().name() in ("#c6cbd2", "#50545c")


# -- multiple choice ---------------------------------------------------------------------


def _option_order(window: MainWindow) -> list[str]:
    """The options' texts in the order the card view lists them."""
    lines = [line.strip() for line in _visible(window).split("\n")]
    texts = [o.text.replace("**", "").replace("`", "") for o in window.study_view.options]
    found = sorted((min(i for i, row in enumerate(lines) if t in row), t) for t in texts)
    return [t for _, t in found]


@pytest.mark.parametrize("right", [True, False])
def test_choice_card_shows_markdown_and_keeps_order(qtbot, kinds_window, right) -> None:
    window = kinds_window("single")
    study = window.study_view
    assert study.bottom.currentIndex() == CHOICE
    shown = [o.text.replace("**", "").replace("`", "") for o in study.options]
    assert _option_order(window) == shown
    assert "`" not in _visible(window) and "**" not in _visible(window)
    index = next(i for i, o in enumerate(study.options) if o.correct == right)
    qtbot.keyClick(study, str(index + 1))
    assert study.revealed
    assert study.suggested == (Rating.GOOD if right else Rating.AGAIN)
    assert _option_order(window) == shown  # same order on the answer side
    visible = _visible(window)
    assert f"your pick ({'right' if right else 'wrong'})" in visible
    assert ("the right answer" in visible) != right
    assert "Sessions give FIFO" in visible


@pytest.mark.parametrize(("picks", "right"), [("right", True), ("one", False), ("wrong", False)])
def test_choose_two_toggles_with_digits_and_submits_with_space(
    qtbot, kinds_window, picks, right
) -> None:
    window = kinds_window("two")
    study = window.study_view
    assert study.several
    correct = [i for i, o in enumerate(study.options) if o.correct]
    wrong = [i for i, o in enumerate(study.options) if not o.correct]
    chosen = {"right": correct, "one": correct[:1], "wrong": [correct[0], wrong[0]]}[picks]
    qtbot.keyClick(study, str(wrong[1] + 1))  # toggled on ...
    qtbot.keyClick(study, str(wrong[1] + 1))  # ... and off again
    for index in chosen:
        qtbot.keyClick(study, str(index + 1))
    assert not study.revealed and study.picked == set(chosen)
    assert "☑" in _visible(window)
    qtbot.keyClick(study, Qt.Key.Key_Space)
    assert study.revealed
    assert study.suggested == (Rating.GOOD if right else Rating.AGAIN)
    shown = [o.text.replace("`", "") for o in study.options]
    assert _option_order(window) == shown
    assert _visible(window).count("your pick") == len(chosen)
    card_id = study.card.card_id
    qtbot.keyClick(study, Qt.Key.Key_Space)
    assert _last_rating(window) == (card_id, int(Rating.GOOD if right else Rating.AGAIN))


def _geometry(window: MainWindow) -> tuple[object, ...]:
    study = window.study_view
    return (study.view.geometry(), study.bottom.geometry(), study.deck_label.geometry())


@pytest.mark.parametrize("size", [(900, 600), (1280, 720)])
def test_layout_is_the_same_before_and_after_a_choice_card(qtbot, kinds_window, size) -> None:
    window = kinds_window("typed")
    window.resize(*size)
    study = window.study_view
    qtbot.wait(1)
    basic = study.collection.card(
        next(c for c in _card_ids(window) if study.collection.card(c).kind == NoteKind.CLOZE)
    )
    study.show_card(basic)
    before = _geometry(window)
    single = next(c for c in _card_ids(window) if "per-customer" in study.collection.card(c).prompt)
    study.show_card(study.collection.card(single))
    assert _geometry(window) == before
    qtbot.keyClick(study, "1")
    assert _geometry(window) == before
    qtbot.keyClick(study, Qt.Key.Key_Space)
    study.show_card(basic)
    assert _geometry(window) == before
    # nothing clipped: the bottom bar and the card fit inside the window
    assert study.bottom.geometry().bottom() <= study.height()
    assert study.view.height() > 200


def _card_ids(window: MainWindow) -> list[int]:
    with window.collection.engine.connect() as conn:
        return [int(r[0]) for r in conn.execute(text("SELECT id FROM card ORDER BY id"))]


@pytest.mark.parametrize(("typed", "right"), [("443", True), ("433", False)])
def test_anki_type_field_gets_a_box_and_anki_s_comparison(
    qtbot, open_window, tmp_path, typed, right
) -> None:
    from app.core.study_render import study_html
    from app.core.type_compare import find_type_marker

    anki_collection = pytest.importorskip("anki.collection")
    window = open_window()
    col = window.collection
    col.import_path(FIXTURES / "anki" / "genanki_basic.apkg", T0)
    card_id = next(c for c in _card_ids(window) if find_type_marker(col.card(c).front))
    window.start_study(None)
    study = window.study_view
    study.show_card(col.card(card_id))
    assert study.bottom.currentIndex() == TYPE and study.type_box.hasFocus()
    assert "type your answer" not in _visible(window)
    qtbot.keyClicks(study.type_box, typed)
    qtbot.keyClick(study.type_box, Qt.Key.Key_Return)
    assert study.revealed and study.suggested == (Rating.GOOD if right else Rating.AGAIN)
    anki = anki_collection.Collection(str(tmp_path / "oracle.anki2"))
    try:
        oracle = anki.compare_answer("443", typed)
    finally:
        anki.close()
    assert oracle in study_html(study.card, reveal=True, typed=study.typed)
    assert ("↓" in _visible(window)) != right


def test_case_study_scenario_shows_above_the_question_on_both_sides(qtbot, kinds_window) -> None:
    window = kinds_window("contoso-identity")
    study = window.study_view
    before = _visible(window)
    assert before.index("Case study: Contoso Pharma") < before.index("Which identity should")
    assert "Azure Container Apps" in before and "**" not in before
    right = next(i for i, o in enumerate(study.options) if o.correct)
    qtbot.keyClick(study, str(right + 1))
    after = _visible(window)
    assert after.index("Contoso runs a Python API") < after.index("Which identity should")
    assert "your pick (right)" in after
