"""Math in cards: finding TeX formulas, and marking them for the card view to draw.

Markdown cards take MathJax's ``\\(...\\)`` (inline), ``\\[...\\]`` and ``$$...$$``
(display); Anki notes take ``\\(...\\)``, ``\\[...\\]`` and Anki's LaTeX tags ``[$]...[/$]``
(inline), ``[$$]...[/$$]`` (display) and ``[latex]...[/latex]`` (a LaTeX fragment: drawn
when it holds one formula, otherwise shown as written). A single ``$`` is never math, and
nothing inside code is.

Each formula becomes a placeholder character before the text is formatted and sanitised;
:func:`restore` then puts in a marker: an HTML comment holding the formula (a comment
cannot come from a note: the sanitiser removes them) followed by the formula's source,
which is what shows where nothing draws it. The card view replaces each marker with the
drawn image (:func:`replace_markers`). As in Anki, HTML inside a formula is dropped and entities
are read as characters; a cloze inside a formula keeps its ``[...]`` or answer, which the
card view draws in the cloze colour.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from app.core.cloze import _INLINE_CODE
from app.core.markdown_blocks import iter_outside_code

MAX_FORMULAS = 200
"""Formulas per card side that are drawn; the rest show their source."""
_PLACEHOLDER = 0x100000
"""Formula *n* is U+100000 + n while the text is formatted (plane-16 private use)."""
_PLACEHOLDERS = re.compile("[\U00100000-\U0010fffd]")

_MARKDOWN_MATH = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]|\$\$(.+?)\$\$", re.DOTALL)
_ANKI_MATH = re.compile(
    r"\\\((.+?)\\\)|\\\[(.+?)\\\]"
    r"|\[latex\](.+?)\[/latex\]|\[\$\](.+?)\[/\$\]|\[\$\$\](.+?)\[/\$\$\]",
    re.DOTALL | re.IGNORECASE,
)
_HTML_CODE = re.compile(r"<(pre|code)\b[^>]*>.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
_CLOZE_SPAN = re.compile(r'<span class="cloze"[^>]*>(.*?)</span>', re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_LATEX_NEWLINE = re.compile(r"<br( /)?>|<div>", re.IGNORECASE)
_WHOLE_MATH = [  # a [latex] fragment that is one formula (its TeX as "tex"): display?
    (re.compile(r"\$\$(?P<tex>.+)\$\$", re.DOTALL), True),
    (re.compile(r"\$(?P<tex>[^$]+)\$", re.DOTALL), False),
    (re.compile(r"\\\[(?P<tex>.+)\\\]", re.DOTALL), True),
    (re.compile(r"\\\((?P<tex>.+)\\\)", re.DOTALL), False),
    (
        re.compile(
            r"\\begin\{(equation|displaymath|math)(\*?)\}(?P<tex>.+)\\end\{\1\2\}", re.DOTALL
        ),
        True,
    ),
    (  # amsmath's environments, which Anki's default preamble loads: drawn whole
        re.compile(
            r"(?P<tex>\\begin\{(align|gather|multline|flalign|eqnarray)(\*?)\}.+\\end\{\2\3\})",
            re.DOTALL,
        ),
        True,
    ),
]
Parts = tuple[tuple[str, bool], ...]
_MARKER = re.compile(r'<!--math:([A-Za-z0-9_=-]*)--><span class="math"[^>]*>[^<]*</span>')


@dataclass(frozen=True)
class Formula:
    """One formula. ``parts`` are its TeX in pieces, True for a cloze's text (drawn in
    the cloze colour); ``written`` is the formula as Anki reads it, delimiters included
    (what MathJax finds, or the ``alt`` of Anki's LaTeX image); a formula that is not
    ``drawable`` (a LaTeX fragment holding text) is shown as written."""

    parts: Parts
    display: bool
    written: str
    drawable: bool = True

    @property
    def tex(self) -> str:
        return "".join(text for text, _ in self.parts)


def _text(fragment: str) -> str:
    return html.unescape(_TAG.sub("", fragment))


def _parts(inner: str) -> Parts:
    """The TeX of ``inner`` (HTML dropped, entities read) with its clozes apart."""
    parts: list[tuple[str, bool]] = []
    pos = 0
    for m in _CLOZE_SPAN.finditer(inner):
        parts.append((_text(inner[pos : m.start()]), False))
        parts.append((_text(m.group(1)), True))
        pos = m.end()
    parts.append((_text(inner[pos:]), False))
    return tuple((text, cloze) for text, cloze in parts if text)


def _mathjax(inner: str, display: bool, dollars: bool = False) -> Formula:
    parts = _parts(inner)
    tex = "".join(text for text, _ in parts)
    opening, closing = ("$$", "$$") if dollars else ("\\[", "\\]") if display else ("\\(", "\\)")
    return Formula(parts, display, opening + tex + closing)


def _latex(inner: str, kind: str) -> Formula:
    """An Anki LaTeX tag; ``written`` is the LaTeX Anki would typeset (its image's alt)."""
    inner = _LATEX_NEWLINE.sub("\n", inner)
    parts = _parts(inner)
    tex = "".join(text for text, _ in parts)
    if kind == "$":
        return Formula(parts, False, f"${tex}$")
    if kind == "$$":
        return Formula(parts, True, f"\\begin{{displaymath}}{tex}\\end{{displaymath}}")
    body = tex.strip()
    for pattern, display in _WHOLE_MATH:
        m = pattern.fullmatch(body)
        if m is not None:
            start = len(tex) - len(tex.lstrip()) + m.start("tex")
            return Formula(_sliced(parts, start, start + len(m.group("tex"))), display, tex)
    return Formula(parts, False, tex, drawable=False)


def _sliced(parts: Parts, start: int, end: int) -> Parts:
    """The pieces of ``parts`` between two character offsets of their joined text."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for text, cloze in parts:
        a, b = max(start - pos, 0), min(end - pos, len(text))
        if a < b:
            out.append((text[a:b], cloze))
        pos += len(text)
    return tuple(out)


def _replace(
    text: str,
    pattern: re.Pattern[str],
    make: Callable[[re.Match[str]], Formula],
    formulas: list[Formula],
    skip: list[tuple[int, int]],
) -> str:
    def repl(m: re.Match[str]) -> str:
        if len(formulas) >= MAX_FORMULAS or any(a <= m.start() < b for a, b in skip):
            return m.group()
        formulas.append(make(m))
        return chr(_PLACEHOLDER + len(formulas) - 1)

    return pattern.sub(repl, text)


def _markdown_formula(m: re.Match[str]) -> Formula:
    if m.group(1) is not None:
        return _mathjax(m.group(1), False)
    if m.group(2) is not None:
        return _mathjax(m.group(2), True)
    return _mathjax(m.group(3), True, dollars=True)


def protect_markdown(text: str) -> tuple[str, list[Formula]]:
    """Markdown with each formula outside code as a placeholder, and the formulas."""
    if "\\(" not in text and "\\[" not in text and "$$" not in text:
        return text, []
    text = _PLACEHOLDERS.sub("", text)
    formulas: list[Formula] = []
    out: list[str] = []
    chunk: list[str] = []

    def flush() -> None:
        joined = "\n".join(chunk)
        skip = [(m.start(), m.end()) for m in _INLINE_CODE.finditer(joined)]
        out.append(_replace(joined, _MARKDOWN_MATH, _markdown_formula, formulas, skip))
        chunk.clear()

    for _, line, code in iter_outside_code(text.split("\n")):
        if code:
            if chunk:
                flush()
            out.append(line)
        else:
            chunk.append(line)
    if chunk:
        flush()
    return "\n".join(out), formulas


def _anki_formula(m: re.Match[str]) -> Formula:
    if m.group(1) is not None:
        return _mathjax(m.group(1), False)
    if m.group(2) is not None:
        return _mathjax(m.group(2), True)
    if m.group(3) is not None:
        return _latex(m.group(3), "latex")
    if m.group(4) is not None:
        return _latex(m.group(4), "$")
    return _latex(m.group(5), "$$")


def protect_html(text: str) -> tuple[str, list[Formula]]:
    """An Anki card side's HTML with each formula outside ``<code>``/``<pre>`` as a
    placeholder, and the formulas."""
    if "\\(" not in text and "\\[" not in text and "[" not in text:
        return text, []
    text = _PLACEHOLDERS.sub("", text)
    formulas: list[Formula] = []
    skip = [(m.start(), m.end()) for m in _HTML_CODE.finditer(text)]
    return _replace(text, _ANKI_MATH, _anki_formula, formulas, skip), formulas


def _marker(formula: Formula) -> str:
    data = json.dumps([formula.parts, formula.display, formula.written, formula.drawable])
    encoded = base64.urlsafe_b64encode(data.encode()).decode()
    title = "formula" if formula.drawable else "LaTeX text: shown as written"
    source = html.escape(formula.written, quote=False)
    return f'<!--math:{encoded}--><span class="math" title="{title}">{source}</span>'


def restore(html_text: str, formulas: list[Formula]) -> str:
    """Put each formula's marker where :func:`protect_markdown`/:func:`protect_html`
    left its placeholder (placeholders a note held itself are dropped)."""
    if not formulas and not _PLACEHOLDERS.search(html_text):
        return html_text

    def repl(m: re.Match[str]) -> str:
        index = ord(m.group()) - _PLACEHOLDER
        return _marker(formulas[index]) if index < len(formulas) else ""

    return _PLACEHOLDERS.sub(repl, html_text)


def _decode(encoded: str) -> Formula | None:
    try:
        parts, display, written, drawable = json.loads(base64.urlsafe_b64decode(encoded))
        return Formula(
            tuple((str(t), bool(c)) for t, c in parts), bool(display), str(written), bool(drawable)
        )
    except (ValueError, TypeError):
        return None


def replace_markers(html_text: str, draw: Callable[[Formula, int], str]) -> str:
    """Card HTML with each marker replaced by ``draw(formula, where it starts)``."""
    if "<!--math:" not in html_text:
        return html_text

    def repl(m: re.Match[str]) -> str:
        formula = _decode(m.group(1))
        return m.group() if formula is None else draw(formula, m.start())

    return _MARKER.sub(repl, html_text)
