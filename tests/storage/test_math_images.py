"""Drawn formulas: stored once under media/math/, read back, never taken for unused media."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.core.math_tex import Formula
from app.storage.collection import Collection
from app.storage.math_images import MATH_FOLDER, draw
from tests.conftest import FIXTURES, T0

INK, CLOZE = "#1f2328", "#0550ae"


def _formula(tex: str, display: bool = False) -> Formula:
    return Formula(((tex, False),), display, f"\\({tex}\\)")


def test_a_formula_is_stored_once_per_look(tmp_path: Path) -> None:
    media = tmp_path / "media"
    first = draw(media, _formula("a^2"), INK, CLOZE)
    again = draw(media, _formula("a^2"), INK, CLOZE)
    assert first is not None and again is not None and first.name == again.name
    display = draw(media, _formula("a^2", display=True), INK, CLOZE)
    dark = draw(media, _formula("a^2"), "#e6e6e6", CLOZE)
    assert display is not None and dark is not None
    assert len({first.name, display.name, dark.name}) == 3
    assert sorted(p.name for p in (media / MATH_FOLDER).iterdir()) == sorted(
        [first.name, display.name, dark.name]
    )
    assert first.ascent > 0 and first.width > 0


def test_what_cannot_be_drawn_gives_none(tmp_path: Path) -> None:
    assert draw(tmp_path, _formula(r"\frac{a}{"), INK, CLOZE) is None
    assert draw(tmp_path, _formula(r"\nosuchmacro{x}"), INK, CLOZE) is None
    assert draw(tmp_path, _formula("x" * 5000), INK, CLOZE) is None
    text = Formula((("Some text", False),), False, "Some text", drawable=False)
    assert draw(tmp_path, text, INK, CLOZE) is None
    assert not (tmp_path / MATH_FOLDER).exists()


def test_drawn_formulas_are_not_unused_media(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    col = Collection.open(data)
    col.import_path(FIXTURES / "decks" / "sample.md", T0)
    media = col.media_dir
    col.close()
    assert draw(media, _formula(r"\sqrt{2}"), INK, CLOZE) is not None
    assert main(["check", "--json", "--data-dir", str(data)]) == 0
    assert json.loads(capsys.readouterr().out) == {"ok": True, "problems": []}
