"""Image occlusion pictures in a card view, drawn to fit its width as Anki's reviewer does.

Anki sizes the image (and the masks over it) to the width of the card, upscaling a small
one, and no taller than 95% of the window less 40 pixels. The picture is an SVG (see
:mod:`app.storage.occlusion_images`), drawn here at exactly that size and the screen's
pixel ratio, and drawn again when the view's width changes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, QTimer, QUrl
from PySide6.QtGui import QImage, QImageReader
from PySide6.QtWidgets import QTextBrowser

from app.storage.occlusion_images import picture_path

_WIDTH = "_occlusion_fit_width"


def picture_file(media_dir: Path | None, url: QUrl) -> Path | None:
    """The composed picture a ``media/<sha256>.svg`` link names, or None."""
    if media_dir is None or url.scheme() not in ("", "media") or url.host():
        return None
    if url.hasQuery() or url.hasFragment() or not url.path().startswith("media/"):
        return None
    return picture_path(media_dir, url.path().removeprefix("media/"))


def fit_box(view: QTextBrowser) -> QSize:
    """The room for a picture: the view's width less its margins and a scroll bar
    (whether shown or not, so that one appearing does not change the fit)."""
    margin = int(view.document().documentMargin())
    frame = 2 * view.frameWidth()
    bar = view.verticalScrollBar().sizeHint().width()
    width = view.width() - frame - bar - 2 * margin - 4
    inner = view.height() - frame
    height = min(int(inner * 0.95) - 40, inner - 2 * margin - 40)  # and a header line
    return QSize(max(width, 16), max(height, 16))


def fitted_picture(path: Path, box: QSize, ratio: float = 1.0) -> QImage:
    """The picture scaled (up or down, keeping its shape) to fit ``box``."""
    reader = QImageReader(str(path))
    natural = reader.size()
    if natural.isEmpty():
        return QImage()
    scale = min(box.width() / natural.width(), box.height() / natural.height())
    width = max(1, round(natural.width() * scale * ratio))
    height = max(1, round(natural.height() * scale * ratio))
    reader.setScaledSize(QSize(width, height))
    image = reader.read()
    image.setDevicePixelRatio(ratio)
    return image


def load_picture(view: QTextBrowser, media_dir: Path | None, url: QUrl) -> QImage | None:
    """The card view's loader for a composed picture (None: not one)."""
    path = picture_file(media_dir, url)
    if path is None:
        return None
    box = fit_box(view)
    setattr(view, _WIDTH, box.width())
    return fitted_picture(path, box, view.devicePixelRatioF())


def refit(view: QTextBrowser, body: Callable[[], str]) -> None:
    """After a resize: show the view's HTML again (once the resize is over, never inside
    a layout) if a picture in it was drawn for another size."""
    if getattr(view, _WIDTH, None) in (None, fit_box(view).width()):
        return
    setattr(view, _WIDTH, None)

    def again() -> None:
        bar = view.verticalScrollBar()
        at = bar.value() / bar.maximum() if bar.maximum() else 0.0
        view.setHtml(body())
        bar.setValue(round(at * bar.maximum()))

    QTimer.singleShot(0, view, again)
