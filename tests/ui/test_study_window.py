"""Drive the real window with the keyboard, as a learner does."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import text

from app.core.models import NoteKind, Rating
from app.ui.study_view import CHOICE

pytestmark = pytest.mark.gui


def _logs(window) -> list[tuple[int, int]]:
    with window.collection.engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text("SELECT card_id, rating FROM review_log ORDER BY reviewed_at, rowid")
            )
        ]


def _review_by_keyboard(qtbot, window, count: int) -> list[int]:
    study = window.study_view
    answered = []
    for _ in range(count):
        card = study.card
        assert card is not None
        if card.kind == NoteKind.CHOICE:
            correct = next(i for i, o in enumerate(study.options) if o.correct)
            qtbot.keyClick(study, str(correct + 1))
        else:
            qtbot.keyClick(study, Qt.Key.Key_Space)
        assert study.revealed
        qtbot.keyClick(study, "3")
        answered.append(card.card_id)
    return answered


def test_review_five_cards_by_keyboard_then_restart(qtbot, open_window) -> None:
    window = open_window()
    assert window.stack.currentWidget() is window.decks_view
    assert window.decks_view.summary.text() == "Today: 7 new · 0 learning · 0 due"
    window.decks_view.select("Sample::Messaging")
    qtbot.keyClick(window.decks_view.tree, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.study_view
    answered = _review_by_keyboard(qtbot, window, 5)
    assert len(set(answered)) == 5
    assert [r for _, r in _logs(window)] == [Rating.GOOD] * 5
    window.close()
    window.collection.close()

    reopened = open_window()
    assert len(_logs(reopened)) == 5
    counts = reopened.collection.counts(reopened.clock())
    assert (counts.new, counts.learning) == (0, 5)
    item = reopened.decks_view.tree.topLevelItem(0).child(0)
    assert item.text(0) == "Messaging"
    assert (item.text(1), item.text(2)) == ("0", "5")


def test_rating_buttons_show_intervals(qtbot, open_window) -> None:
    window = open_window()
    window.start_study(None)
    qtbot.keyClick(window.study_view, Qt.Key.Key_Space)
    labels = [b.text() for b in window.study_view.rating_buttons.values()]
    assert labels == ["Again\n1m", "Hard\n6m", "Good\n10m", "Easy\n8d"]


def test_undo_with_ctrl_z_brings_the_card_back(qtbot, open_window) -> None:
    window = open_window()
    window.start_study(None)
    study = window.study_view
    first = study.card.card_id
    qtbot.keyClick(study, Qt.Key.Key_Space)
    qtbot.keyClick(study, "1")
    assert len(_logs(window)) == 1
    assert study.card.card_id != first
    qtbot.keyClick(study, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(_logs(window)) == 0
    assert study.card.card_id == first
    assert not study.revealed


def test_multiple_choice_suggests_from_the_pick(qtbot, open_window) -> None:
    window = open_window()
    window.start_study(None)
    study = window.study_view
    while study.card.kind != NoteKind.CHOICE:
        qtbot.keyClick(study, Qt.Key.Key_Space)
        qtbot.keyClick(study, "4")
    assert study.bottom.currentIndex() == CHOICE
    assert [b.text() for b in study.option_buttons] == ["1", "2", "3", "4"]
    wrong = next(i for i, o in enumerate(study.options) if not o.correct)
    card_id = study.card.card_id
    qtbot.keyClick(study, str(wrong + 1))
    assert study.revealed and study.suggested == Rating.AGAIN
    assert study.feedback.text().startswith("Wrong")
    assert "font-weight: bold" in study.rating_buttons[Rating.AGAIN].styleSheet()
    qtbot.keyClick(study, Qt.Key.Key_Space)  # accept the suggestion
    assert _logs(window)[-1] == (card_id, Rating.AGAIN)


def test_escape_goes_back_and_done_screen_says_when_next(qtbot, open_window) -> None:
    window = open_window()
    window.start_study(None)
    qtbot.keyClick(window.study_view, Qt.Key.Key_Escape)
    assert window.stack.currentWidget() is window.decks_view
    window.start_study(None)
    study = window.study_view
    for _ in range(5):
        if study.card.kind == NoteKind.CHOICE:
            qtbot.keyClick(study, "1")
        else:
            qtbot.keyClick(study, Qt.Key.Key_Space)
        qtbot.keyClick(study, "4")  # Easy: out of today's queue
    assert window.stack.currentWidget() is window.done_view
    text = window.done_view.message.text()
    assert text.startswith("Done for today.")
    assert "The next card is due in" in text


def test_window_geometry_is_remembered(qtbot, open_window) -> None:
    window = open_window()
    window.resize(700, 520)
    window.close()
    window.collection.close()
    again = open_window()
    assert (again.width(), again.height()) == (700, 520)


def test_card_view_serves_media_store_only(qtbot, open_window, tmp_path) -> None:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QImage, QTextDocument

    window = open_window()
    view = window.study_view.view
    sha = "b" * 64
    media = window.collection.media_dir
    media.mkdir(parents=True, exist_ok=True)
    source = QImage(16, 8, QImage.Format.Format_RGB32)
    source.fill(0xFF3366)
    source.save(str(media / f"{sha}.png"))
    image = QTextDocument.ResourceType.ImageResource.value
    loaded = view.loadResource(image, QUrl(f"media/{sha}.png"))
    assert (loaded.width(), loaded.height()) == (16, 8)
    view.show_html(f'<p><img src="media/{sha}.png"></p>', False)
    shown = view.document().resource(image, QUrl(f"media/{sha}.png"))
    assert shown.width() == 16
    # names it does not serve get an empty image, never None (None lets Qt read the file)
    assert view.loadResource(image, QUrl("https://example.org/x.png")).isNull()
    assert view.loadResource(image, QUrl("media/../../etc/passwd")).isNull()


def test_failed_save_shows_a_message_and_keeps_the_card(qtbot, open_window, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from app.core.errors import CirrusError

    window = open_window()
    window.start_study(None)
    study = window.study_view
    card_id = study.card.card_id
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text: shown.append(text))

    def full_disk(*_args, **_kwargs):
        raise CirrusError("the disk is full: nothing was saved from this step")

    monkeypatch.setattr(window.collection, "answer", full_disk)
    qtbot.keyClick(study, Qt.Key.Key_Space)
    qtbot.keyClick(study, "3")
    assert shown == ["the disk is full: nothing was saved from this step"]
    assert study.card.card_id == card_id and study.revealed  # answer again once space is free
    monkeypatch.undo()
    qtbot.keyClick(study, "3")
    assert _logs(window) == [(card_id, Rating.GOOD)]
