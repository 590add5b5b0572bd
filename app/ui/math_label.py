"""Formulas in plain Qt labels (option texts): each drawing goes into the label's HTML.

A ``QLabel`` has no hook to load images, so the drawings of :mod:`app.ui.card_math` are
put inline as PNG data; a formula that cannot be drawn shows its source, marked, as in
the card view.
"""

from __future__ import annotations

import base64
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QFont, QFontMetricsF

from app.ui.card_math import TextFont, math_image, place


def label_html(
    body: str, dark: bool, font: QFont, ratio: float = 1.0, media_dir: Path | None = None
) -> str:
    """``body`` (HTML from :func:`app.core.render.option_html`) with its formulas drawn."""
    if "<!--math:" not in body:
        return body
    metrics = QFontMetricsF(font)
    fonts = {"": TextFont(metrics.xHeight(), metrics.ascent(), metrics.descent())}
    placed_body, layout = place(body, media_dir, dark, fonts)
    for link, placed in layout.images.items():
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        # PySide6 takes the format as a str here, though its stubs say bytes
        math_image(placed, media_dir, ratio).save(buffer, "PNG")  # type: ignore[call-overload]
        data = base64.b64encode(bytes(buffer.data().data())).decode("ascii")
        placed_body = placed_body.replace(f'src="{link}"', f'src="data:image/png;base64,{data}"')
    return placed_body
