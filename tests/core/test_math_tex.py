"""Which text is math: delimiters in Markdown and Anki notes, code, prices, clozes."""

from __future__ import annotations

from app.core.math_tex import Formula, protect_html, protect_markdown, replace_markers
from app.core.models import NoteKind
from app.core.render import card_html, markdown_html
from app.core.sanitise import sanitise


def _formulas(html: str) -> list[Formula]:
    found: list[Formula] = []

    def keep(formula: Formula, _at: int) -> str:
        found.append(formula)
        return ""

    replace_markers(html, keep)
    return found


def test_markdown_delimiters_inline_and_display() -> None:
    html = markdown_html(r"Inline \(a_1 + b\), display \[x^2\] and $$\frac{1}{2}$$ here.")
    assert [(f.tex, f.display) for f in _formulas(html)] == [
        ("a_1 + b", False),
        ("x^2", True),
        (r"\frac{1}{2}", True),
    ]
    # Markdown did not touch the TeX (no emphasis from the underscore, no escapes eaten)
    assert "<em>" not in html


def test_a_single_dollar_is_a_price_not_math() -> None:
    html = markdown_html("It costs $5 and $10, or $ 3.")
    assert _formulas(html) == []
    assert "$5 and $10" in html


def test_no_math_inside_code() -> None:
    text = "Code `\\(x\\)` and\n\n```\n$$y$$\n\\[z\\]\n```\n\nbut \\(w\\)"
    assert [f.tex for f in _formulas(markdown_html(text))] == ["w"]
    html_side, found = protect_html(r"<code>\(x\)</code> <pre>\[y\]</pre> \(z\)")
    assert [f.tex for f in found] == ["z"]
    assert r"<code>\(x\)</code>" in html_side


def test_anki_latex_tags() -> None:
    _, found = protect_html(
        r"[$]a &lt; b[/$] [$$]c<br>d[/$$] [latex]$e$[/latex] [latex]\begin{equation}f"
        r"\end{equation}[/latex] [latex]Text with \LaTeX[/latex]"
        r" [latex]\begin{align*}g &= h\end{align*}[/latex]"
    )
    assert [(f.tex, f.display, f.written, f.drawable) for f in found] == [
        ("a < b", False, "$a < b$", True),
        ("c\nd", True, "\\begin{displaymath}c\nd\\end{displaymath}", True),
        ("e", False, "$e$", True),
        ("f", True, r"\begin{equation}f\end{equation}", True),
        (r"Text with \LaTeX", False, r"Text with \LaTeX", False),
        (r"\begin{align*}g &= h\end{align*}", True, r"\begin{align*}g &= h\end{align*}", True),
    ]


def test_a_cloze_inside_math_is_hidden_then_shown_and_kept_apart() -> None:
    question = card_html(NoteKind.CLOZE, 0, "", r"\(x = {{c1::2}}\)", "", reveal=False)
    answer = card_html(NoteKind.CLOZE, 0, "", r"\(x = {{c1::2}}\)", "", reveal=True)
    (hidden,) = _formulas(question)
    (shown,) = _formulas(answer)
    assert hidden.parts == (("x = ", False), ("[...]", True))
    assert shown.parts == (("x = ", False), ("2", True))
    assert shown.written == r"\(x = 2\)"


def test_a_note_cannot_forge_a_formula_marker() -> None:
    genuine = markdown_html(r"\(x\)")
    assert [f.tex for f in _formulas(genuine)] == ["x"]
    assert _formulas(sanitise(genuine)) == []  # a note's comments never survive
    stray = card_html(NoteKind.TEMPLATE, 0, "", "a\U00100000b \\(y\\)", "", reveal=False)
    assert [f.tex for f in _formulas(stray)] == ["y"]
    assert "\U00100000" not in stray


def test_math_survives_the_template_path_with_html_inside() -> None:
    html = card_html(
        NoteKind.TEMPLATE, 0, "", r"<div>\(<b>a</b>&nbsp;+ b\)</div>", "", reveal=False
    )
    (formula,) = _formulas(html)
    assert formula.tex == "a\xa0+ b"


def test_text_without_math_is_unchanged() -> None:
    text = "Plain [link](https://example.com) and a [bracket]."
    assert protect_markdown(text) == (text, [])
