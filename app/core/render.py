"""Cards as sanitised HTML: Markdown with highlighted code, cloze, options; no scripts.

The output is for ``QTextBrowser``'s rich-text engine (a subset of HTML 4 and CSS 2).
Cirrus's own colours are inline styles; ``class`` attributes and ``<font>`` are kept so
an Anki note type's style sheet (class selectors) applies; never JavaScript.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from functools import lru_cache

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from app.core.choice import ChoiceOption, split_choice
from app.core.cloze import fill_placeholders, render_cloze
from app.core.models import NoteKind

_REMOTE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")
_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "input",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "rb",
    "rp",
    "rt",
    "ruby",
    "s",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
_ATTRIBUTES = {
    "*": {"style", "title", "class"},
    "a": {"href"},
    "font": {"color", "size", "face"},
    "img": {"src", "alt", "width", "height"},
    "input": {"type", "checked", "disabled"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
}
_STYLES = {
    "color",
    "background",
    "background-color",
    "font-weight",
    "font-style",
    "text-decoration",
    "border",
    "padding",
    "margin",
    "text-align",
    "font-size",
    "font-family",
    "line-height",
    "vertical-align",
}


class _LocalImages(Treeprocessor):
    """Remote images are never fetched: they become their alt text."""

    def run(self, root: ET.Element) -> None:
        for parent in root.iter():
            for index, child in enumerate(list(parent)):
                if child.tag == "img" and _REMOTE.match(child.get("src", "")):
                    alt = child.get("alt") or "image"
                    span = ET.Element("span", {"title": "remote image, not loaded"})
                    span.text = f"[{alt}]"
                    span.tail = child.tail
                    parent.remove(child)
                    parent.insert(index, span)


class _LocalImagesExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_LocalImages(md), "cirrus_local_images", 0)


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


def _allow_attribute(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src" and _REMOTE.match(value):
        return None
    return value


def sanitise(html: str) -> str:
    """Keep formatting, drop scripts, frames, event handlers and remote image sources."""
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        attribute_filter=_allow_attribute,
        url_schemes={"http", "https", "mailto"},
        filter_style_properties=_STYLES,
        link_rel=None,
    )


_CONVERTERS: dict[bool, markdown.Markdown] = {}


def markdown_html(text: str, dark: bool = False) -> str:
    """Markdown to sanitised HTML (one converter per palette, reset between uses)."""
    converter = _CONVERTERS.get(dark)
    if converter is None:
        converter = _CONVERTERS[dark] = _converter(dark)
    return _boxes(sanitise(converter.reset().convert(text)), dark)


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
        return _qt_ruby(sanitise(answer if reveal else front), dark)
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


_CSS_URL = re.compile(r"url\s*\(|@import|expression\s*\(", re.IGNORECASE)


def sanitise_css(css: str) -> str:
    """A note type's style sheet without anything that could load a resource."""
    return "" if _CSS_URL.search(css) else css


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
