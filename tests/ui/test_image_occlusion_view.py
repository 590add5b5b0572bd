"""Image occlusion pictures as the learner sees them: the card's shape covered on the
question and uncovered on the answer, the others as the note's mode says, and the
picture fitted to the card view's width."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage
from sqlalchemy import text

from app.core.image_occlusion import ACTIVE_FILL, INACTIVE_FILL
from app.core.render import sanitise
from app.storage.collection import Collection
from app.storage.occlusion_images import picture_path
from app.ui.card_text_view import CardTextView
from app.ui.main_window import MainWindow
from tests.conftest import T0
from tests.interop.anki_oracle import cirrus_cards
from tests.interop.occlusion_package import (
    HEIGHT,
    HIDE_ALL,
    HIDE_ONE,
    WIDTH,
    image_colour,
    occlusion_package,
)

pytestmark = pytest.mark.gui


@pytest.fixture
def cards(tmp_path: Path) -> Iterator[tuple[Collection, dict[tuple[str, int], int]]]:
    package, anki = occlusion_package(tmp_path, {"all": HIDE_ALL, "one": HIDE_ONE})
    guids = {anki.get_note(nid)["Header"]: anki.get_note(nid).guid for nid in anki.find_notes("")}
    anki.close()
    col = Collection.open(tmp_path / "cirrus")
    col.import_path(package, T0)
    ids = cirrus_cards(col)
    yield col, {(header, o): ids[(guid, o)] for header, guid in guids.items() for o in range(3)}
    col.close()


def _picture(col: Collection, card_id: int, answer: bool) -> QImage:
    card = col.card(card_id)
    side = sanitise(card.answer if answer else card.front)
    path = picture_path(col.media_dir, side.split('src="media/')[1].split('"')[0])
    assert path is not None
    image = QImage(str(path))
    assert (image.width(), image.height()) == (WIDTH, HEIGHT)
    return image


def _colour(image: QImage, x: float, y: float) -> tuple[int, int, int]:
    c = image.pixelColor(int(x), int(y))
    return c.red(), c.green(), c.blue()


def _near(a: tuple[int, int, int], b: tuple[int, int, int] | str) -> bool:
    if isinstance(b, str):
        colour = QColor(b)
        b = (colour.red(), colour.green(), colour.blue())
    return all(abs(x - y) <= 3 for x, y in zip(a, b, strict=True))


def _turned_rect_middle() -> tuple[float, float]:
    """The middle of card 1's rectangle (20, 20, 60 x 40 px) turned 36 degrees about its
    top-left corner."""
    a = math.radians(36)
    return 20 + 30 * math.cos(a) - 20 * math.sin(a), 20 + 30 * math.sin(a) + 20 * math.cos(a)


def test_the_cards_own_shape_is_covered_on_the_question_and_shown_on_the_answer(cards) -> None:
    col, ids = cards
    x, y = _turned_rect_middle()
    question, answer = _picture(col, ids[("all", 0)], False), _picture(col, ids[("all", 0)], True)
    assert _near(_colour(question, x, y), ACTIVE_FILL)
    assert _near(_colour(answer, x, y), image_colour(x, y))
    # hide one, guess one: the same
    question, answer = _picture(col, ids[("one", 0)], False), _picture(col, ids[("one", 0)], True)
    assert _near(_colour(question, 30, 25), ACTIVE_FILL)
    assert _near(_colour(answer, 30, 25), image_colour(30, 25))


def test_hide_all_keeps_the_other_shapes_covered_on_both_sides(cards) -> None:
    col, ids = cards
    x, y = _turned_rect_middle()
    for answer in (False, True):
        second = _picture(col, ids[("all", 1)], answer)
        assert _near(_colour(second, x, y), "#9ecbff")  # card 1's rectangle, its own colour
        third = _picture(col, ids[("all", 2)], answer)
        assert _near(_colour(third, 120, 30), INACTIVE_FILL)  # card 2's ellipse
        assert _near(_colour(third, 14, 81), "#ffffff")  # the label's box, on every card


def test_hide_one_leaves_the_other_shapes_uncovered(cards) -> None:
    col, ids = cards
    for answer in (False, True):
        first = _picture(col, ids[("one", 0)], answer)
        assert _near(_colour(first, 100, 55), image_colour(100, 55))  # card 2's ellipse
        assert _near(_colour(first, 160, 75), image_colour(160, 75))  # card 3's green one


def _active_pixels(image: QImage) -> int:
    target = QColor(ACTIVE_FILL).rgb()
    return sum(
        image.pixel(x, y) == target
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
    )


def test_the_view_draws_the_picture_to_its_width_and_again_when_resized(qtbot, cards) -> None:
    col, ids = cards
    view = CardTextView(col.media_dir)
    qtbot.addWidget(view)
    view.resize(600, 700)
    view.show()
    qtbot.waitExposed(view)
    card = col.card(ids[("one", 0)])
    view.show_html(sanitise(card.front), dark=False)
    qtbot.waitUntil(lambda: view.document().size().height() > 200)
    narrow = view.document().size().height()
    covered = _active_pixels(view.grab().toImage())
    # the 40 x 30 px rectangle scaled by about 520 / 200
    assert covered > 0.5 * (40 * 2.6) * (30 * 2.6) / 4
    view.show_html(sanitise(card.answer), dark=False)
    assert _active_pixels(view.grab().toImage()) < covered / 10  # only its outline
    view.resize(900, 700)
    qtbot.waitUntil(lambda: view.document().size().height() > narrow + 100)


def test_the_note_editor_previews_the_picture_not_the_bare_image(qtbot, cards) -> None:
    col, _ids = cards
    window = MainWindow(col, clock=lambda: T0)
    qtbot.addWidget(window)
    window.show()
    window.start_study("Default")
    editor_window = window.edit_study_card()
    assert editor_window is not None
    qtbot.waitExposed(editor_window)
    shown = editor_window.editor.preview.toHtml()
    with col.engine.connect() as conn:
        image = str(conn.execute(text("SELECT sha256 FROM media")).scalar())
    assert ".svg" in shown and image not in shown
    editor_window.close()
