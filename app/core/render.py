"""Cards as sanitised HTML: Markdown with highlighted code, cloze, options; no scripts.

The output is for ``QTextBrowser``'s rich-text engine (a subset of HTML 4 and CSS 2).
Cirrus's own colours are inline styles; ``class`` attributes and ``<font>`` are kept so
an Anki note type's style sheet (class selectors) applies; never JavaScript.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import LinkInlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from app.core import input_limits as limits
from app.core.choice import ChoiceOption, split_choice
from app.core.cloze import fill_placeholders, render_cloze
from app.core.math_tex import protect_html, protect_markdown, restore
from app.core.models import NoteKind
from app.core.sanitise import MEDIA_SRC, plain_text_html, sanitise, sanitise_css

__all__ = ["card_html", "markdown_html", "option_html", "page_css", "sanitise", "sanitise_css"]


class _LocalImages(Treeprocessor):
    """Images not in the media store are never loaded: they become their alt text."""

    def run(self, root: ET.Element) -> None:
        for parent in root.iter():
            for index, child in enumerate(list(parent)):
                if child.tag == "img" and not MEDIA_SRC.match(child.get("src", "")):
                    alt = child.get("alt") or "image"
                    span = ET.Element("span", {"title": "image not shown"})
                    span.text = f"[{alt}]"
                    span.tail = child.tail
                    parent.remove(child)
                    parent.insert(index, span)


LINK_WINDOW = 1000
"""Characters after ``[`` or ``![`` in which a link must end (keeps parsing linear)."""
MAX_BRACKETS = 8
"""Square brackets nested inside a link's text."""
MAX_HTML_SCAN = 5_000_000
"""Above this :func:`html_scan_cost` a card is shown as plain text (a second or more)."""
_BRACKET = re.compile(r"[\[\]]")


def _link_text(data: str, index: int) -> tuple[str, int, bool]:
    """Python-Markdown's ``getText`` (the text up to the matching ``]``), giving up after
    :data:`MAX_BRACKETS` nested brackets or :data:`LINK_WINDOW` characters."""
    depth = 1
    end = min(len(data), index + LINK_WINDOW)
    pos = index
    while depth <= MAX_BRACKETS and (m := _BRACKET.search(data, pos, end)):
        depth += 1 if m.group() == "[" else -1
        pos = m.end()
        if depth == 0:
            return data[index : pos - 1], pos, True
    return data[index:end], end, False


def _bounded(handle: Callable[[re.Match[str], str], Any]) -> Callable[[re.Match[str], str], Any]:
    """A link pattern's ``handleMatch`` that looks only a little way past its start:
    Python-Markdown scans to the end of the text for the closing bracket, which makes
    a card of many ``![`` quadratic."""

    def handle_match(m: re.Match[str], data: str) -> Any:
        return handle(m, data[: m.end(0) + LINK_WINDOW])

    return handle_match


def _bounded_link(
    get_link: Callable[[str, int], tuple[str, str | None, int, bool]],
) -> Callable[[str, int], tuple[str, str | None, int, bool]]:
    """``getLink`` (the ``(url "title")`` part) within :data:`LINK_WINDOW` characters,
    giving up at once when no ``)`` follows or too many ``(`` come before it."""

    def get(data: str, index: int) -> tuple[str, str | None, int, bool]:
        end = data.find("\n\n", index, index + LINK_WINDOW)
        end = min(len(data), index + LINK_WINDOW) if end < 0 else end
        close = data.find(")", index, end)
        if close < 0 or data.count("(", index, close) > MAX_BRACKETS:
            return "", None, index, False
        return get_link(data[:end], index)

    return get


_TAG_START = re.compile(r"<[a-zA-Z]|>")


def html_scan_cost(text: str) -> int:
    """Characters Python's HTML parser (which Python-Markdown runs over raw HTML) reads
    to find where tags end: each ``<tag`` costs the distance to the next ``>``."""
    cost = pending = pending_sum = 0
    for m in _TAG_START.finditer(text):
        if m.group() == ">":
            cost += pending * m.start() - pending_sum
            pending = pending_sum = 0
        else:
            pending += 1
            pending_sum += m.start()
    return cost + pending * len(text) - pending_sum


_LIST_START = re.compile(r"(?:[-*+]|1[.)])[ \t]+\S")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
_THEMATIC_BREAK = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")


class _ListsAfterText(Preprocessor):
    """A list straight under a line of text starts there, as CommonMark (Obsidian,
    GitHub) reads it: ``It:`` then ``- one`` is a sentence and a list, where
    Python-Markdown wants a blank line between them and shows ``It: - one``. A blank line
    is put in; fenced code and HTML blocks are set aside before this runs."""

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        for line in lines:
            if out and _LIST_START.match(line) and not _THEMATIC_BREAK.match(line):
                above = out[-1]
                if above.strip() and not above[:1].isspace() and not _LIST_ITEM.match(above):
                    out.append("")
            out.append(line)
        return out


class _LocalImagesExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_LocalImages(md), "cirrus_local_images", 0)
        md.preprocessors.register(_ListsAfterText(md), "cirrus_lists_after_text", 15)
        for processor in md.inlinePatterns:
            if isinstance(processor, LinkInlineProcessor):
                # bound this instance's scanning (the class is Python-Markdown's)
                setattr(processor, "handleMatch", _bounded(processor.handleMatch))  # noqa: B010
                setattr(processor, "getText", _link_text)  # noqa: B010
                setattr(processor, "getLink", _bounded_link(processor.getLink))  # noqa: B010


def _converter(dark: bool) -> markdown.Markdown:
    return markdown.Markdown(
        extensions=[
            "tables",
            "sane_lists",
            "pymdownx.superfences",
            "pymdownx.highlight",
            "pymdownx.tasklist",
            "pymdownx.betterem",
            _LocalImagesExtension(),
        ],
        extension_configs={
            "pymdownx.highlight": {
                "noclasses": True,
                "pygments_style": "monokai" if dark else "friendly",
                "guess_lang": False,
            },
        },
    )


_CONVERTERS: dict[bool, markdown.Markdown] = {}


def markdown_html(text: str, dark: bool = False) -> str:
    """Markdown to sanitised HTML (one converter per palette, reset between uses).

    Text too large or nested too deeply to format in time is shown as plain text."""
    if len(text) > limits.MAX_FORMATTED_CHARS:
        return plain_text_html(text, "is too large")
    if markdown_depth(text) > limits.MAX_NESTING:
        return plain_text_html(text, "is nested too deeply")
    if html_scan_cost(text) > MAX_HTML_SCAN:
        return plain_text_html(text, "has too many unclosed HTML tags")
    converter = _CONVERTERS.get(dark)
    if converter is None:
        converter = _CONVERTERS[dark] = _converter(dark)
    protected, formulas = protect_markdown(text)
    try:
        return restore(_boxes(sanitise(converter.reset().convert(protected)), dark), formulas)
    except RecursionError:
        return plain_text_html(text, "is nested too deeply")


_MARKER = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)]|>)(?=[ \t]|$)")
_FENCE = re.compile(r"[ \t]*(?:```|~~~)")


def markdown_depth(text: str) -> int:
    """How deeply lists and quotes nest (indentation counts a level per two columns);
    fenced code does not count. One linear pass."""
    deepest = 0
    fenced = False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        expanded = line.expandtabs(4)
        indent = len(expanded) - len(expanded.lstrip(" "))
        markers, pos = 0, 0
        while (m := _MARKER.match(line, pos)) and m.end() > pos:
            markers += 1
            pos = m.end()
        deepest = max(deepest, markers + indent // 2)
    return deepest


_CODE_BLOCK = re.compile(
    r'<div style="background:\s*([#\w]+)[^"]*"><pre[^>]*>(?:<span></span>)?(?:<code>)?(.*?)'
    r"(?:</code>)?</pre></div>",
    re.DOTALL,
)


def _boxes(html: str, dark: bool) -> str:
    """Code blocks in a padded box and tables with borders (Qt's rich text has no padding
    on ``pre`` and no CSS borders on cells, but honours table attributes)."""
    html = _CODE_BLOCK.sub(
        lambda m: (
            f'<table width="100%" cellspacing="0" cellpadding="10" bgcolor="{m.group(1)}">'
            f"<tr><td><pre>{m.group(2)}</pre></td></tr></table>"
        ),
        html,
    )
    border = "#545d68" if dark else "#c4c9d0"
    return html.replace(
        "<table>",
        f'<table border="1" cellspacing="0" cellpadding="5" '
        f'style="border-collapse: collapse; border-color: {border}">',
    )


@lru_cache(maxsize=512)
def card_html(
    kind: NoteKind,
    ord_: int,
    prompt: str,
    front: str,
    answer: str,
    *,
    reveal: bool,
    dark: bool = False,
) -> str:
    """The HTML body of one side of a card. Cached: a card's text rarely changes.

    The answer side reuses the cached prompt side, so showing it renders only what is new.
    """
    if kind == NoteKind.TEMPLATE:  # already HTML, from the note type's templates
        side, formulas = protect_html(answer if reveal else front)
        return restore(_qt_ruby(sanitise(side), dark), formulas)
    if kind == NoteKind.CLOZE:
        question, spans = render_cloze(_join(f"### {prompt}", front), ord_ + 1, reveal=reveal)
        html = fill_placeholders(markdown_html(question, dark), spans)
        if reveal and answer:
            html += "<hr/>" + markdown_html(answer, dark)
        return html
    if not reveal:
        if kind == NoteKind.REVERSED and ord_ == 1:
            return markdown_html(answer, dark)
        if kind == NoteKind.CHOICE:
            return markdown_html(_join(f"### {prompt}", split_choice(front)[0]), dark)
        return markdown_html(_join(f"### {prompt}", front), dark)
    shown = card_html(kind, ord_, prompt, front, answer, reveal=False, dark=dark)
    if kind == NoteKind.REVERSED and ord_ == 1:
        return shown + "<hr/>" + markdown_html(_join(f"### {prompt}", front), dark)
    if kind == NoteKind.CHOICE:
        shown += _options_html(split_choice(front)[1], dark)
    return shown + "<hr/>" + markdown_html(answer, dark)


_RUBY = re.compile(r"<ruby>(?:<rb>)?(.*?)(?:</rb>)?<rt>(.*?)</rt></ruby>", re.DOTALL)


def _qt_ruby(html: str, dark: bool) -> str:
    """Qt's rich text has no ruby layout: a reading (furigana) follows its base text,
    small and raised, in the muted colour."""
    if "<ruby>" not in html:
        return html
    muted = "#9aa0a6" if dark else "#59636e"
    return _RUBY.sub(rf'\1<sup style="color: {muted}">\2</sup>', html)


def option_html(option: ChoiceOption, dark: bool = False) -> str:
    """One option's text as inline HTML (for option buttons' tooltips and labels)."""
    html = markdown_html(option.text, dark).strip()
    return html.removeprefix("<p>").removesuffix("</p>")


def _options_html(options: list[ChoiceOption], dark: bool) -> str:
    good = "#3fb950" if dark else "#1a7f37"
    items = []
    for option in options:
        mark = "&#10003;" if option.correct else "&#10007;"
        colour = good if option.correct else "#888888"
        items.append(
            f'<li><span style="color: {colour}">{mark}</span> {option_html(option, dark)}</li>'
        )
    return "<ul>" + "".join(items) + "</ul>"


def _join(*parts: str) -> str:
    return "\n\n".join(p for p in parts if p)


def page_css(dark: bool, size: float = 13.5) -> str:
    """Document style sheet for the card view; ``size`` is the base text size in points."""
    text, muted, code_bg, code_fg = (
        ("#e6e6e6", "#9aa0a6", "#2d333b", "#f0f3f6")
        if dark
        else ("#1f2328", "#59636e", "#eff1f3", "#1f2328")
    )
    cloze = "#79c0ff" if dark else "#0550ae"
    good, bad, missed = (
        ("#2a6b3a", "#8a2a2f", "#50545c") if dark else ("#aee9bb", "#ffb0b0", "#c6cbd2")
    )
    return (
        f"body {{ color: {text}; }}"
        f"h3 {{ font-size: {size * 1.2:.1f}pt; font-weight: 600; margin-bottom: 12px; }}"
        f"pre {{ font-family: monospace; font-size: {size * 0.85:.1f}pt; }}"
        f"code {{ font-family: monospace; background-color: {code_bg}; color: {code_fg}; }}"
        f"span.cloze {{ color: {cloze}; font-weight: 600; }}"
        f"td, th {{ padding: 4px 8px; }}"
        f"hr {{ color: {muted}; }}"
        f"span.typeGood {{ background-color: {good}; }}"
        f"span.typeBad {{ background-color: {bad}; }}"
        f"span.typeMissed {{ background-color: {missed}; }}"
        f"code#typeans {{ font-size: {size * 1.1:.1f}pt; }}"
    )
