"""Formulas in the card view: drawn from the media store, on the text's baseline at its
size, display math centred, readable on the dark page, undrawable ones marked."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QColor, QImage, QImageReader, QTextDocument
from pytestqt.qtbot import QtBot

from app.core.models import NoteKind
from app.core.render import card_html, markdown_html
from app.storage import math_images
from app.storage.math_images import MATH_FOLDER
from app.ui.card_math import NOT_DRAWN, NOT_MATH
from app.ui.card_text_view import CardTextView

pytestmark = pytest.mark.gui
IMAGE = QTextDocument.ResourceType.ImageResource.value


def _view(qtbot: QtBot, media: Path | None, size: float = 13.5) -> CardTextView:
    view = CardTextView(media)
    qtbot.addWidget(view)
    view.resize(900, 400)
    view.set_text_size(size)
    return view


def _dark(image: QImage) -> list[list[bool]]:
    """Which pixels are dark, by row."""
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    data, stride = bytes(grey.constBits()), grey.bytesPerLine()
    return [[data[y * stride + x] < 110 for x in range(grey.width())] for y in range(grey.height())]


def _ink_rows(dark: list[list[bool]], x0: int, x1: int) -> tuple[int, int]:
    """Top and bottom rows holding dark pixels between two columns."""
    rows = [y for y, row in enumerate(dark) if any(row[x0:x1])]
    return rows[0], rows[-1]


def _ink_runs(dark: list[list[bool]]) -> list[tuple[int, int]]:
    """Column ranges holding dark pixels, split where 12 or more columns are blank."""
    columns = [x for x in range(len(dark[0])) if any(row[x] for row in dark)]
    runs: list[tuple[int, int]] = []
    for x in columns:
        if runs and x - runs[-1][1] < 12:
            runs[-1] = (runs[-1][0], x + 1)
        else:
            runs.append((x, x + 1))
    return runs


def test_the_svg_image_plugin_is_there() -> None:
    assert b"svg" in [bytes(f.data()) for f in QImageReader.supportedImageFormats()]


@pytest.mark.parametrize("size", [13.5, 30.0])
def test_inline_math_sits_on_the_baseline_at_text_size(
    qtbot: QtBot, tmp_path: Path, size: float
) -> None:
    view = _view(qtbot, tmp_path, size=size)
    view.resize(500, 160)
    view.show_html(markdown_html(r"xxx &nbsp;&nbsp;&nbsp;&nbsp; \(xxx\)"), dark=False)
    assert view.math.drawn == [r"\(xxx\)"]
    dark = _dark(view.viewport().grab().toImage())
    (text, formula) = _ink_runs(dark)
    text_top, text_bottom = _ink_rows(dark, *text)
    math_top, math_bottom = _ink_rows(dark, *formula)
    assert abs(math_bottom - text_bottom) <= 1  # the same baseline
    assert abs((math_bottom - math_top) - (text_bottom - text_top)) <= 2  # the same x-height


def test_display_math_is_centred_and_drawn_from_the_store(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = _view(qtbot, tmp_path)
    view.show_html(markdown_html(r"Before $$\sum_{i=1}^{n} i$$ after"), dark=False)
    block = view.document().begin()
    centred = []
    while block.isValid():
        if "\ufffc" in block.text():  # the image's object character
            centred.append(bool(block.blockFormat().alignment() & Qt.AlignmentFlag.AlignHCenter))
        block = block.next()
    assert centred == [True]
    (link,) = view.math.images
    stored = tmp_path / MATH_FOLDER / link.rsplit("/", 1)[1]
    assert stored.read_bytes().startswith(b"<svg")
    # shown again (another view, another session): read from the store, not typeset
    monkeypatch.setattr(math_images, "_typeset", lambda *_a: pytest.fail("typeset again"))
    again = _view(qtbot, tmp_path)
    again.show_html(markdown_html(r"Before $$\sum_{i=1}^{n} i$$ after"), dark=False)
    assert list(again.math.images) == [link]
    assert not again.loadResource(IMAGE, QUrl(link)).isNull()


def test_dark_page_draws_formulas_in_light_ink(qtbot: QtBot, tmp_path: Path) -> None:
    view = _view(qtbot, tmp_path)
    view.show_html(markdown_html(r"\(a^2\)", dark=True), dark=True)
    (placed,) = view.math.images.values()
    assert b'fill="#e6e6e6"' in placed.image.svg
    image = view.loadResource(IMAGE, QUrl(next(iter(view.math.images))))
    inked = [
        colour
        for x in range(0, image.width(), 2)
        for y in range(0, image.height(), 2)
        if (colour := QColor.fromRgba(image.pixel(x, y))).alpha() > 200
    ]
    assert inked and all(c.lightness() > 180 for c in inked)


def _tooltips(view: CardTextView) -> dict[str, tuple[str, str]]:
    """Text fragments with a tooltip: their tooltip and colour."""
    out = {}
    block = view.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            fmt = fragment.charFormat()
            if fmt.toolTip():
                out[fragment.text()] = (fmt.toolTip(), fmt.foreground().color().name())
            it += 1
        block = block.next()
    return out


def test_a_formula_that_cannot_be_drawn_shows_its_source_marked(
    qtbot: QtBot, tmp_path: Path
) -> None:
    view = _view(qtbot, tmp_path)
    front = r"Bad \(\frac{a}{\), unknown \(\nosuchcommand{x}\), text [latex]A \LaTeX{} note[/latex]"
    view.show_html(card_html(NoteKind.TEMPLATE, 0, "", front, "", reveal=False), dark=False)
    assert view.math.drawn == []
    shown = _tooltips(view)
    assert shown[r"\(\frac{a}{\)"] == (NOT_DRAWN, "#cf222e")
    assert shown[r"\(\nosuchcommand{x}\)"] == (NOT_DRAWN, "#cf222e")
    assert shown[r"A \LaTeX{} note"] == (NOT_MATH, "#cf222e")


def test_only_formulas_drawn_for_the_page_load(qtbot: QtBot, tmp_path: Path) -> None:
    view = _view(qtbot, tmp_path)
    view.show_html(markdown_html(r"\(q\)"), dark=False)
    (link,) = view.math.images
    # a note naming a stored drawing itself: the sanitiser drops it, the loader refuses it
    forged = card_html(NoteKind.TEMPLATE, 0, "", f'<img src="{link}" alt="f">', "", reveal=False)
    assert "<img" not in forged
    view.show_html(markdown_html("no math"), dark=False)
    assert view.loadResource(IMAGE, QUrl(link)).isNull()


def test_a_page_past_its_typesetting_time_shows_the_rest_as_source(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.ui import card_math

    view = _view(qtbot, tmp_path)
    page = markdown_html(r"\(u_1\) and \(v_2\)")
    monkeypatch.setattr(card_math, "TYPESET_BUDGET_S", 0.0)
    view.show_html(page, dark=False)
    assert view.math.drawn == []
    assert _tooltips(view)[r"\(u_1\)"] == (card_math.NOT_YET, "#cf222e")
    monkeypatch.undo()
    view.show_html(page, dark=False)  # shown again: drawn
    assert view.math.drawn == [r"\(u_1\)", r"\(v_2\)"]
