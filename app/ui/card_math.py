"""Formulas in the card view: each math marker becomes its drawing, at text size.

Inline formulas sit on the text's baseline. Qt lays out an image set ``vertical-align:
middle`` with its middle a quarter of the x-height above the baseline, provided it is
at least as tall as the line's text above and below; so each drawing gets transparent
rows above and below that make it that tall and put its own baseline on the text's.
Display formulas are centred on a line of their own. A formula that cannot be drawn
shows its source in a marked style, with a tooltip saying why.
"""

from __future__ import annotations

import html
import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QSize
from PySide6.QtGui import QImage, QImageReader, QPainter

from app.core.math_tex import Formula, replace_markers
from app.storage.math_images import MATH_FOLDER, REFERENCE_SIZE, MathImage, draw, math_file

_INK = {False: ("#1f2328", "#0550ae", "#cf222e"), True: ("#e6e6e6", "#79c0ff", "#f85149")}
"""Text, cloze and error colours of the light and dark card page (as ``page_css``)."""
MATH_X_HEIGHT = 0.474
"""STIX Two Math's x-height in em: formulas are scaled so that theirs is the text's, as
MathJax matches the surrounding font."""
_HEADING = re.compile(r"<(h[1-6])\b[^>]*>.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
TYPESET_BUDGET_S = 1.5
"""Typesetting time one page may take; formulas past it show their source until the card
is shown again (drawn ones are kept, so each showing draws more)."""
NOT_YET = "This formula was not drawn yet: the card has many formulas to draw"
NOT_DRAWN = "This formula could not be drawn; it is shown as written"
NOT_MATH = "This LaTeX is text, not a formula; it is shown as written"


@dataclass(frozen=True)
class TextFont:
    """The card text's font in pixels: x-height, ascent and descent."""

    x_height: float
    ascent: float
    descent: float


@dataclass(frozen=True)
class Placed:
    """A drawing as laid out: its size in logical pixels and the rows above it."""

    image: MathImage
    width: int
    height: int
    top: float
    scale: float


@dataclass
class MathLayout:
    """What one ``place`` put in a page: drawings by link, and each formula as written
    with whether it was drawn, in page order."""

    images: dict[str, Placed] = field(default_factory=dict)
    formulas: list[tuple[str, bool]] = field(default_factory=list)
    prerendered: set[str] = field(default_factory=set)
    """Links of Anki's own LaTeX images (inverted on the dark page, as Anki does)."""

    @property
    def drawn(self) -> list[str]:
        return [written for written, drawn in self.formulas if drawn]

    @property
    def undrawn(self) -> list[str]:
        return [written for written, drawn in self.formulas if not drawn]


def place(
    body: str,
    media_dir: Path | None,
    dark: bool,
    fonts: Mapping[str, TextFont],
    prerendered: Callable[[str], str | None] | None = None,
) -> tuple[str, MathLayout]:
    """``body`` with its math markers as images (or marked source), and their layout.
    ``fonts`` are the text's by element: ``""`` for body text, ``"h3"`` for a heading;
    ``prerendered`` finds Anki's own image of LaTeX that is not drawn here (a stored
    media name, see :mod:`app.storage.latex_images`)."""
    layout = MathLayout()
    text, cloze, error = _INK[dark]
    headings = [(m.start(), m.end(), m.group(1).lower()) for m in _HEADING.finditer(body)]

    started = time.perf_counter()

    def one(formula: Formula, where: int) -> str:
        tag = next((name for a, b, name in headings if a <= where < b), "")
        font = fonts.get(tag, fonts[""])
        scale = font.x_height / (MATH_X_HEIGHT * REFERENCE_SIZE)
        in_time = time.perf_counter() - started < TYPESET_BUDGET_S
        image = draw(media_dir, formula, text, cloze, typeset=in_time)
        written = html.escape(formula.written)
        found = None
        if image is None and prerendered is not None:
            found = prerendered(formula.written)
        if found is not None:  # Anki's own image of the LaTeX, from the package
            layout.formulas.append((formula.written, True))
            layout.prerendered.add(f"media/{found}")
            return f'<img class="latex" src="media/{found}" alt="{written}" title="{written}">'
        if image is None:
            layout.formulas.append((formula.written, False))
            why = NOT_MATH if not formula.drawable else NOT_DRAWN if in_time else NOT_YET
            return (
                f'<span class="math-error" style="color: {error}; font-family: monospace" '
                f'title="{why}">{written}</span>'
            )
        layout.formulas.append((formula.written, True))
        link = f"media/{MATH_FOLDER}/{image.name}"
        placed = _placed(image, scale, None if formula.display else font)
        layout.images[link] = placed
        tag = (
            f'<img class="math" src="{link}" width="{placed.width}" height="{placed.height}" '
            f'alt="{written}" title="{written}"'
        )
        if formula.display:
            return f'<div align="center" style="margin-top: 6px; margin-bottom: 6px">{tag}></div>'
        return tag + ' style="vertical-align: middle">'

    return replace_markers(body, one), layout


def _placed(image: MathImage, scale: float, font: TextFont | None) -> Placed:
    ascent, descent = image.ascent * scale, image.descent * scale
    width = max(1, round(image.width * scale))
    if font is None:
        return Placed(image, width, max(1, round(ascent + descent)), 0.0, scale)
    # Qt gives the image (height + x/2) / 2 above the baseline and (height - x/2) / 2
    # below; it must reach the text's ascent and descent and hold the drawing's own.
    half_x = font.x_height / 2
    height = math.ceil(
        max(
            2 * ascent - half_x,
            2 * descent + half_x,
            2 * font.ascent - half_x,
            2 * font.descent + half_x,
        )
    )
    top = (height + half_x) / 2 - ascent
    return Placed(image, width, height, top, scale)


def math_image(placed: Placed, media_dir: Path | None, ratio: float) -> QImage:
    """The drawing as a Qt image at the screen's pixel ratio (read from the store)."""
    stored = None if media_dir is None else math_file(media_dir, placed.image.name)
    svg = stored.read_bytes() if stored is not None else placed.image.svg
    buffer = QBuffer()
    buffer.setData(QByteArray(svg))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer, b"svg")
    height = (placed.image.ascent + placed.image.descent) * placed.scale
    reader.setScaledSize(QSize(round(placed.width * ratio), round(height * ratio)))
    drawing = reader.read()
    out = QImage(
        round(placed.width * ratio),
        round(placed.height * ratio),
        QImage.Format.Format_ARGB32_Premultiplied,
    )
    out.fill(0)
    if not drawing.isNull():
        painter = QPainter(out)
        painter.drawImage(QPointF(0, placed.top * ratio), drawing)
        painter.end()
    out.setDevicePixelRatio(ratio)
    return out


def math_problem() -> str:
    """What keeps formulas from being drawn, or "" when one draws and loads: a frozen
    build without ziamath's font, latex2mathml's symbol table or Qt's SVG plugin fails
    here rather than on a learner's card."""
    formula = Formula(((r"\sqrt{x^2 + 1}", False),), False, r"\(\sqrt{x^2 + 1}\)")
    image = draw(None, formula, "#000000", "#0550ae")
    if image is None:
        return "a formula could not be drawn (ziamath or its font is missing)"
    loaded = math_image(_placed(image, 1.0, None), None, 1.0)
    if not any(
        loaded.pixelColor(x, y).alpha() > 0
        for x in range(loaded.width())
        for y in range(loaded.height())
    ):
        return "a drawn formula did not load (Qt's SVG image plugin is missing)"
    return ""
