"""A ``[latex]`` block Cirrus cannot draw (text, a package's environment) shows the image
Anki rendered for it when the package carries one (``latex-<sha1>.png``, named as Anki
names it; inverted on the dark page, as Anki's reviewer does), else its source, marked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QTextDocument
from pytestqt.qtbot import QtBot

from app.core.study_render import study_html
from app.storage.collection import Collection
from app.storage.latex_images import latex_file_names
from app.ui.card_math import NOT_MATH
from app.ui.card_text_view import CardTextView
from tests.conftest import T0
from tests.interop.anki_oracle import cirrus_cards, export, new_anki
from tests.interop.occlusion_package import png

pytestmark = pytest.mark.gui
IMAGE = QTextDocument.ResourceType.ImageResource.value

WITH_IMAGE = r"[latex]\begin{tabular}{ll}a & b\\ c & d\end{tabular}[/latex]"
WITHOUT_IMAGE = r"[latex]Some text \LaTeX{} here[/latex]"
_LATEX_SRC = re.compile(r'<img class=latex alt="[^"]*" src="([^"]+)">')


def _package(tmp_path: Path) -> tuple[Path, bytes, dict[str, str]]:
    """A package whose media folder holds Anki's image of the first block only; the
    file names Anki gives both blocks (by their field)."""
    col = new_anki(tmp_path / "anki")
    try:
        names = {}
        for field in (WITH_IMAGE, WITHOUT_IMAGE):
            found = col._backend.extract_latex(text=field, svg=False, expand_clozes=False)
            names[field] = found.latex[0].filename
            note = col.new_note(col.models.by_name("Basic"))
            note["Front"], note["Back"] = field, "back"
            col.add_note(note, col.decks.id("Math"))
        image = png(60, 20)
        (Path(col.media.dir()) / names[WITH_IMAGE]).write_bytes(image)
        for card_id in col.find_cards(""):  # each card shows Anki's image of its block
            card = col.get_card(card_id)
            assert _LATEX_SRC.findall(card.question()) == [names[card.note()["Front"]]]
        return export(col, tmp_path / "latex.apkg", legacy=False), image, names
    finally:
        col.close()


def test_a_block_not_drawn_shows_ankis_image_from_the_package(qtbot: QtBot, tmp_path: Path) -> None:
    package, image, names = _package(tmp_path)
    col = Collection.open(tmp_path / "cirrus")
    try:
        col.import_path(package, T0)
        view = CardTextView(col.media_dir)
        qtbot.addWidget(view)
        view.latex_images = col.notes.latex_image
        shown = {}
        for card_id in cirrus_cards(col).values():
            card = col.card(card_id)
            view.show_html(study_html(card, reveal=False), dark=False)
            shown[card.front] = view.toHtml()
        with_image = next(h for f, h in shown.items() if "tabular" in f)
        without = next(h for f, h in shown.items() if "Some text" in f)
        src = re.findall(r'<img src="media/([^"]+)"', with_image)
        assert len(src) == 1
        assert (col.media_dir / src[0]).read_bytes() == image  # the very file Anki drew
        loaded = view.loadResource(IMAGE, QUrl(f"media/{src[0]}"))
        assert (loaded.width(), loaded.height()) == (60, 20)
        light = loaded.pixelColor(30, 10).getRgb()[:3]
        tabular = next(c for c in cirrus_cards(col).values() if "tabular" in col.card(c).front)
        view.show_html(study_html(col.card(tabular), reveal=False), dark=True)
        dark = view.loadResource(IMAGE, QUrl(f"media/{src[0]}")).pixelColor(30, 10).getRgb()
        assert dark[:3] == tuple(255 - v for v in light)  # inverted at night, as in Anki
        assert NOT_MATH not in with_image
        assert "media/" not in without and NOT_MATH in without  # no image: source, marked
        assert latex_file_names(r"Some text \LaTeX{} here")[0] == names[WITHOUT_IMAGE]
    finally:
        col.close()


def test_the_study_screen_shows_ankis_image(qtbot: QtBot, tmp_path: Path) -> None:
    from app.ui.study_view import StudyView

    package, image, _names = _package(tmp_path)
    col = Collection.open(tmp_path / "cirrus")
    try:
        col.import_path(package, T0)
        wanted = next(c for c in cirrus_cards(col).values() if "tabular" in col.card(c).front)
        study = StudyView(col, lambda: T0, lambda: False)
        qtbot.addWidget(study)
        study.show()
        assert study.start_cards([wanted], "LaTeX")
        (src,) = re.findall(r'<img src="media/([^"]+)"', study.view.toHtml())
        assert (col.media_dir / src).read_bytes() == image
    finally:
        col.close()
