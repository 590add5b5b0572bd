"""A QTextBrowser for card HTML that loads images from the media store only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QFont,
    QFontMetricsF,
    QImage,
    QResizeEvent,
    QTextDocument,
)
from PySide6.QtWidgets import QTextBrowser, QWidget

from app.core import av_tags
from app.core.render import page_css, sanitise_css
from app.storage.media_store import media_path
from app.ui import occlusion_view
from app.ui.card_math import MathLayout, TextFont, math_image, place

DEFAULT_TEXT_SIZE = 13.5
TEXT_SIZES = (10.0, 11.0, 12.0, 13.5, 15.0, 17.0, 19.0, 22.0, 26.0)
_IMAGE = QTextDocument.ResourceType.ImageResource.value
_STYLE = QTextDocument.ResourceType.StyleSheetResource.value


class CardTextView(QTextBrowser):
    """Shows sanitised card HTML; never touches the network or any file outside the store.

    ``loadResource`` answers every request itself: a media-store image, or an empty
    value. An invalid answer would let Qt fall back to its own loader, which reads any
    path or ``file:`` URL (``/dev/zero`` until memory runs out)."""

    playRequested = Signal(str)
    """A clip's play button was clicked (its link, see :mod:`app.core.av_tags`)."""

    def __init__(self, media_dir: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.media_dir = media_dir
        self._body = ""
        self._dark = False
        self.setOpenLinks(False)
        self.anchorClicked.connect(self._open_link)
        self.setReadOnly(True)
        self.document().setDocumentMargin(24)
        self.math = MathLayout()
        self.latex_images: Callable[[str], str | None] | None = None
        """Finds Anki's pre-rendered image of LaTeX not drawn here (``Notes.latex_image``)."""
        self.set_text_size(DEFAULT_TEXT_SIZE)

    def set_text_size(self, points: float) -> None:
        """The card text's base size in points (headings and code scale with it)."""
        font = self.font()
        font.setPointSizeF(points)
        self.document().setDefaultFont(font)
        self.text_size = points

    def show_html(self, body: str, dark: bool, css: str = "") -> None:
        """Show ``body``; ``css`` is a note type's own style sheet (Qt applies a subset)."""
        self.document().setDefaultStyleSheet(page_css(dark, self.text_size) + sanitise_css(css))
        if "<!--math:" in body:
            body, self.math = place(body, self.media_dir, dark, self._fonts(), self.latex_images)
        else:
            self.math = MathLayout()
        self._body = body
        self._dark = dark
        self.setHtml(body)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        occlusion_view.refit(self, lambda: self._body)  # image occlusion pictures fit the width

    def _fonts(self) -> dict[str, TextFont]:
        """The text's font for formulas: body text, and headings as ``page_css`` sets them."""
        heading = QFont(self.document().defaultFont())
        heading.setPointSizeF(round(self.text_size * 1.2, 1))
        heading.setWeight(QFont.Weight.DemiBold)
        fonts = {}
        for tag, font in (("", self.document().defaultFont()), ("h3", heading)):
            metrics = QFontMetricsF(font, self)
            fonts[tag] = TextFont(metrics.xHeight(), metrics.ascent(), metrics.descent())
        return fonts

    def loadResource(self, kind: int, name: QUrl | str) -> Any:
        url = QUrl(name) if isinstance(name, str) else name
        if kind == _IMAGE:
            picture = occlusion_view.load_picture(self, self.media_dir, url)
            if picture is not None:
                return picture
            placed = self.math.images.get(url.toString())
            if placed is not None:  # a formula drawn for this page, from the store
                return math_image(placed, self.media_dir, self.devicePixelRatioF())
            found = self._media_file(url)
            if found is not None:
                image = QImage(str(found))
                if self._dark and url.toString() in self.math.prerendered:
                    image.invertPixels()  # black LaTeX on the dark page: Anki inverts it too
                if not image.isNull():
                    return image
            return QImage()  # valid but empty: Qt draws nothing and loads nothing
        if kind == _STYLE:
            return ""
        return QByteArray()

    def _media_file(self, url: QUrl) -> Path | None:
        if self.media_dir is None or url.scheme() not in ("", "media"):
            return None
        if url.host() or url.hasQuery() or url.hasFragment():
            return None
        path = url.path()
        if not path.startswith("media/"):
            return None
        return media_path(self.media_dir, path.removeprefix("media/"))

    def _open_link(self, url: QUrl) -> None:
        if url.scheme() == av_tags.SCHEME:
            self.playRequested.emit(bytes(url.toEncoded().data()).decode())
        elif url.scheme() in ("http", "https"):
            QDesktopServices.openUrl(url)
