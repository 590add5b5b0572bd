"""Formulas in a practice exam's option labels (plain Qt labels): drawn, not their TeX;
one that cannot be drawn shows its source, marked, as in the card view."""

from __future__ import annotations

import re

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from app.core.choice import ChoiceOption
from app.ui.card_math import NOT_DRAWN
from app.ui.exam.option_widget import OptionWidget

pytestmark = pytest.mark.gui


def _widget(qtbot: QtBot, text: str) -> OptionWidget:
    widget = OptionWidget(1, 0, ChoiceOption(text, True), dark=False, multi=False)
    qtbot.addWidget(widget)
    widget.resize(400, 60)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _ink_columns(image: QImage) -> int:
    """How many columns of the picture hold dark pixels."""
    return sum(
        any(image.pixelColor(x, y).lightness() < 110 for y in range(image.height()))
        for x in range(image.width())
    )


def test_an_option_with_a_formula_shows_its_drawing_not_the_tex(qtbot: QtBot) -> None:
    widget = _widget(qtbot, r"\(x^2\)")
    shown = widget.text.text()
    images = re.findall(r'<img class="math" src="data:image/png;base64,[^"]+"', shown)
    assert len(images) == 1
    visible = re.sub(r"<[^>]*>", "", shown)  # the label's text without its tags
    assert "x^2" not in visible and "\\(" not in visible
    # the picture has ink beside the number: the drawing, not an empty image
    plain = _widget(qtbot, "")
    assert _ink_columns(widget.text.grab().toImage()) > _ink_columns(plain.text.grab().toImage())


def test_an_option_whose_formula_cannot_be_drawn_shows_it_marked(qtbot: QtBot) -> None:
    widget = _widget(qtbot, r"\(\notacommand{x}\)")
    shown = widget.text.text()
    assert "data:image" not in shown
    assert f'title="{NOT_DRAWN}"' in shown and r"\notacommand{x}" in shown
