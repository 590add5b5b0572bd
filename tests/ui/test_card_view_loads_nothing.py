"""The card view reads images from the media store only; Qt's own loader never runs."""

from __future__ import annotations

import random
import textwrap
from datetime import UTC
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QImage, QTextDocument

from app.core.models import Rating
from app.storage.collection import Collection
from app.ui.card_text_view import CardTextView
from app.ui.main_window import MainWindow
from tests.conftest import T0

pytestmark = pytest.mark.gui

IMAGE = QTextDocument.ResourceType.ImageResource.value
STYLE = QTextDocument.ResourceType.StyleSheetResource.value


def _png(path: Path) -> None:
    image = QImage(3, 2, QImage.Format.Format_RGB32)
    image.fill(0x3366CC)
    assert image.save(str(path), "PNG")


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str, object]]:
    """Every request the card view's loader gets, with what it answered."""
    calls: list[tuple[int, str, object]] = []
    original = CardTextView.loadResource

    def recording(self: CardTextView, kind: int, name: QUrl | str) -> object:
        answer = original(self, kind, name)
        calls.append((kind, name.toString() if isinstance(name, QUrl) else name, answer))
        return answer

    monkeypatch.setattr(CardTextView, "loadResource", recording)
    return calls


def test_a_card_with_dev_zero_and_a_remote_image_reads_neither(
    qtbot, tmp_path: Path, asked
) -> None:
    deck = tmp_path / "hostile.md"
    deck.write_text(
        textwrap.dedent(
            """\
            ---
            deck: Hostile
            id: hostile
            ---

            ## Device
            <!-- id: zero -->

            <img src="/dev/zero" alt="zero"> and <p style="background: url(/dev/zero)">x</p>

            ## Remote
            <!-- id: remote -->

            ![tracker](https://tracker.example/pixel.png)
            """
        ),
        encoding="utf-8",
    )
    col = Collection.open(tmp_path / "data", tz=UTC, rng=random.Random(1))
    col.import_path(deck, T0)
    window = MainWindow(col, clock=lambda: T0)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.start_study("Hostile")
    study = window.study_view
    assert window.stack.currentWidget() is study
    shown = []
    for _ in range(2):
        study.reveal()
        text = study.view.toPlainText()
        shown.append(text)
        study.view.document().size()  # lay out: every image is asked for now
        study.rate(Rating.GOOD)
    assert any("[zero]" in t for t in shown) and any("[tracker]" in t for t in shown)
    names = [name for _, name, _ in asked]
    assert not any("dev/zero" in n or "tracker" in n for n in names)
    window.close()
    col.close()


def test_the_loader_answers_every_name_itself(qtbot, tmp_path: Path, asked) -> None:
    outside = tmp_path / "outside.png"
    _png(outside)
    view = CardTextView(tmp_path / "media")
    qtbot.addWidget(view)
    document = view.document()
    for name in (
        str(outside),
        QUrl.fromLocalFile(str(outside)).toString(),
        "/dev/zero",
        "https://example.com/pixel.png",
        "media/../outside.png",
    ):
        image = document.resource(IMAGE, QUrl(name))
        assert isinstance(image, QImage) and image.isNull(), name
    sheet = tmp_path / "outside.css"
    sheet.write_text("body { color: red; }", encoding="utf-8")
    assert document.resource(STYLE, QUrl(str(sheet))) == ""
    assert len(asked) == 6  # each went to the card view's loader, none further
    assert all(isinstance(answer, (QImage, str)) for _, _, answer in asked)


def test_a_media_store_image_is_shown(qtbot, tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    name = "a" * 64 + ".png"
    _png(media / name)
    view = CardTextView(media)
    qtbot.addWidget(view)
    image = view.document().resource(IMAGE, QUrl(f"media/{name}"))
    assert isinstance(image, QImage) and (image.width(), image.height()) == (3, 2)
