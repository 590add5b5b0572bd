"""Math in Anki notes compared with the real Anki on the same package: every card side
draws the formulas Anki leaves for MathJax or typesets as LaTeX (a cloze inside a formula
hidden or shown as in Anki), and reads the same outside them."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.core.math_tex import replace_markers
from app.core.study_render import study_html
from app.storage.collection import Collection
from app.storage.math_images import MATH_FOLDER
from app.ui.card_text_view import CardTextView
from tests.conftest import T0
from tests.interop.anki_oracle import cirrus_cards, export, import_into_anki, new_anki, plain

BASIC = [  # Front, Back
    (
        r"Energy \(E = mc^2\) and [$]\alpha &lt; \beta[/$] for $5 or $10",
        r"\[\int_0^1 x\,dx = \frac{1}{2}\] [$$]\sum_{i=1}^{n} i[/$$] <b>done</b>",
    ),
    (
        r"[latex]$\sqrt{2}$[/latex] and [latex]Some text \LaTeX{} here[/latex]",
        r"[latex]\begin{equation}a^2 + b^2 = c^2\end{equation}[/latex]"
        r" and a slip \(\frac{a}{\)",
    ),
    (r"No math: <code>\(x\)</code> costs $3", "plain"),
]
CLOZE = [
    r"Solve \(x + 1 = {{c1::2}}\) so {{c2::x}} is [$]x = {{c2::1::value}}[/$]",
    r"\[e^{i\pi} = {{c1::-1}}\] and \({{c2::\pi}} \approx 3.14\)",
]
_MATHJAX = re.compile(r"\\\((.*?)\\\)|\\\[(.*?)\\\]", re.DOTALL)
_LATEX_IMG = re.compile(r'<img class=latex alt="([^"]*)"[^>]*>')
_CODE = re.compile(r"<(code|pre)\b.*?</\1>", re.DOTALL)
"""MathJax skips code (its default ``skipHtmlTags``, which Anki's configuration keeps)."""
_DISABLED = "LaTeX image generation is disabled in the preferences."
_STYLE = re.compile(r"<style>.*?</style>", re.DOTALL)


def _package(tmp_path: Path) -> Path:
    col = new_anki(tmp_path / "anki")
    try:
        did = col.decks.id("Math")
        for front, back in BASIC:
            note = col.new_note(col.models.by_name("Basic"))
            note["Front"], note["Back"] = front, back
            col.add_note(note, did)
        for text in CLOZE:
            note = col.new_note(col.models.by_name("Cloze"))
            note["Text"] = text
            col.add_note(note, did)
        return export(col, tmp_path / "math.apkg", legacy=False)
    finally:
        col.close()


def _anki_side(rendered: str) -> tuple[list[str], str]:
    """The formulas of one side as MathJax or LaTeX reads them, and the text around."""
    rendered = _STYLE.sub("", rendered).replace(_DISABLED, "")
    code = [(m.start(), m.end()) for m in _CODE.finditer(rendered)]
    found: list[tuple[int, str]] = [
        (m.start(), html.unescape(m.group()))
        for m in _MATHJAX.finditer(rendered)
        if not any(a <= m.start() < b for a, b in code)
    ]
    found += [(m.start(), html.unescape(m.group(1))) for m in _LATEX_IMG.finditer(rendered)]
    outside = _LATEX_IMG.sub(" ", _MATHJAX.sub(lambda m: _kept(m, code), rendered))
    return [source for _, source in sorted(found)], plain(outside)


def _kept(m: re.Match[str], code: list[tuple[int, int]]) -> str:
    return m.group() if any(a <= m.start() < b for a, b in code) else " "


def _anki_cards(package: Path, folder: Path) -> dict[tuple[str, int], Any]:
    col = import_into_anki(package, folder)
    try:
        out = {}
        for cid in col.find_cards(""):
            card = col.get_card(cid)
            out[(card.note().guid, card.ord)] = (
                _anki_side(card.question()),
                _anki_side(card.answer()),
            )
        return out
    finally:
        col.close()


def test_math_cards_draw_what_anki_shows(tmp_path: Path, qtbot: QtBot) -> None:
    package = _package(tmp_path)
    expected = _anki_cards(package, tmp_path / "oracle")
    col = Collection.open(tmp_path / "cirrus")
    view = CardTextView(col.media_dir)
    qtbot.addWidget(view)
    try:
        col.import_path(package, T0)
        ids = cirrus_cards(col)
        assert set(ids) == set(expected)
        drawn_total = 0
        undrawn: set[str] = set()
        for key, card_id in ids.items():
            card = col.card(card_id)
            for reveal, (formulas, outside) in zip((False, True), expected[key], strict=True):
                body = study_html(card, reveal=reveal)
                view.show_html(body, dark=False)
                shown = [written for written, _ in view.math.formulas]
                assert shown == formulas, (key, reveal)
                around = plain(replace_markers(body, lambda _f, _at: " "))
                assert around == outside, (key, reveal)
                drawn_total += len(view.math.drawn)
                undrawn.update(view.math.undrawn)
        assert drawn_total > 20
        assert undrawn == {r"Some text \LaTeX{} here", r"\(\frac{a}{\)"}
        stored = list((col.media_dir / MATH_FOLDER).glob("*.svg"))
        assert stored and all(path.read_bytes().startswith(b"<svg") for path in stored)
    finally:
        col.close()


@pytest.mark.parametrize(
    ("reveal", "question_part"),
    [(False, (r"[...]", True)), (True, ("2", True))],
)
def test_cloze_inside_a_formula_is_drawn_in_the_cloze_colour(
    tmp_path: Path, qtbot: QtBot, reveal: bool, question_part: tuple[str, bool]
) -> None:
    col = new_anki(tmp_path / "anki")
    try:
        note = col.new_note(col.models.by_name("Cloze"))
        note["Text"] = r"\(x + 1 = {{c1::2}}\)"
        col.add_note(note, col.decks.id("Default"))
        package = export(col, tmp_path / "cloze.apkg", legacy=False)
    finally:
        col.close()
    cirrus = Collection.open(tmp_path / "cirrus")
    view = CardTextView(cirrus.media_dir)
    qtbot.addWidget(view)
    try:
        cirrus.import_path(package, T0)
        card = cirrus.card(next(iter(cirrus_cards(cirrus).values())))
        view.show_html(study_html(card, reveal=reveal), dark=False)
        assert view.math.drawn == [rf"\(x + 1 = {question_part[0]}\)"]
        (placed,) = view.math.images.values()
        assert b'fill="#0550ae"' in placed.image.svg  # the cloze colour
        assert b'fill="#1f2328"' in placed.image.svg  # the rest in the text colour
    finally:
        cirrus.close()
