"""What survives sanitising: card HTML and note-type CSS that cannot load anything.

The card view loads images from the media store only, so the only image source kept is
a media-store name (``media/<sha256>.<ext>``). Remote URLs, absolute and relative paths,
``file:`` and ``data:`` sources become the image's alt text; CSS ``url(...)``,
``@import`` and ``expression(...)`` are removed from style attributes and style sheets;
attributes such as ``background=`` are not kept at all.
"""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import nh3

from app.core import input_limits as limits

MEDIA_SRC = re.compile(r"^media/[0-9a-f]{64}(?:\.[A-Za-z0-9]{1,8})?$")
"""The one form of image source that survives: a name in the media store."""
MAX_IMAGE_SIDE = 4096
"""Width and height attributes above this are dropped (Qt would scale to them)."""

TAGS = {
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
ATTRIBUTES = {
    "*": {"style", "title", "class"},
    "a": {"href"},
    "font": {"color", "size", "face"},
    "img": {"src", "alt", "width", "height"},
    "input": {"type", "checked", "disabled"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
}
STYLES = {
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
_CSS_LOADS = re.compile(
    r"url\s*\(|@import|expression\s*\(|image\s*\(|image-set\s*\(|\bsrc\s*:|\\|&#|/\*",
    re.IGNORECASE,
)
"""Anything in CSS that can fetch a resource (or hide such a thing behind an escape)."""
_IMG = re.compile(r"<img\b[^>]*>")
_MARKUP = re.compile(r"[<>&\r\x00\xa0\ufeff]")
"""What the sanitiser could change in text: without any, it gives the text back as is."""
_ATTR = re.compile(r'\s([a-z-]+)="([^"]*)"')


def _allow_attribute(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src":
        return value if MEDIA_SRC.match(value) else None
    if attr == "style" and _CSS_LOADS.search(value):
        return None
    if attr in ("width", "height"):
        return value if value.isdigit() and int(value) <= MAX_IMAGE_SIDE else None
    return value


def _image_or_alt(m: re.Match[str], keep_media: bool = True) -> str:
    attrs = dict(_ATTR.findall(m.group()))
    if keep_media and "src" in attrs:
        return m.group()
    alt = attrs.get("alt") or "image"  # already escaped by the sanitiser
    css_class = f' class="{attrs["class"]}"' if attrs.get("class") else ""
    return f'<span{css_class} title="image not shown">[{alt}]</span>'


CLEAN_OPTIONS: dict[str, Any] = {
    "tags": TAGS,
    "attributes": ATTRIBUTES,
    "attribute_filter": _allow_attribute,
    "url_schemes": {"http", "https", "mailto"},
    "filter_style_properties": STYLES,
    "link_rel": None,
}
_CLEANER = nh3.Cleaner(**CLEAN_OPTIONS)
"""Built once: ``nh3.clean`` converts these options anew on every call, which costs
more than cleaning a card's text."""

_TAG_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^<>]*?(/?)>")
_ANY_TAG = re.compile(r"<[^<>]*>")
_VOID = {"area", "base", "br", "col", "hr", "img", "input", "link", "meta", "source", "wbr"}


def html_depth(html: str) -> int:
    """How deeply the elements of ``html`` nest (an estimate, in one linear pass)."""
    depth = deepest = 0
    for m in _TAG_TOKEN.finditer(html):
        closing, name, self_closing = m.groups()
        if closing:
            depth = max(depth - 1, 0)
        elif not self_closing and name.lower() not in _VOID:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def plain_text_html(text: str, why: str) -> str:
    """The fallback for a card too large or too deeply nested to format."""
    shown = text[: limits.MAX_PLAIN_CHARS]
    cut = len(text) > len(shown)
    more = f"\n[... {len(text) - len(shown):,} more characters not shown]" if cut else ""
    return (
        f"<p><i>This card {why} to format; it is shown as plain text.</i></p>"
        f"<pre>{html_lib.escape(shown)}{more}</pre>"
    )


def without_images(html: str) -> str:
    """Sanitised HTML with every image as its alt text, for widgets whose own loader
    would read files (a ``QLabel``)."""
    return _IMG.sub(lambda m: _image_or_alt(m, keep_media=False), html)


def sanitise(html: str) -> str:
    """Keep formatting; drop scripts, frames, event handlers, and every image source or
    style that is not in the media store (an image without one shows its alt text).

    HTML too large or too deeply nested to format in time is shown as plain text."""
    if len(html) > limits.MAX_FORMATTED_CHARS:
        return plain_text_html(_ANY_TAG.sub("", html), "is too large")
    if _MARKUP.search(html) is None:
        return html  # no tag, entity or character the sanitiser would touch: kept as is
    # each level of nesting opens with a "<": fewer of them than the limit need no scan
    if html.count("<") > limits.MAX_NESTING and html_depth(html) > limits.MAX_NESTING:
        return plain_text_html(_ANY_TAG.sub("", html), "is nested too deeply")
    plain = plain_markup(html)
    if plain is not None:
        return plain
    return _IMG.sub(_image_or_alt, _CLEANER.clean(html))


_PLAIN_TAG = re.compile(r"<(/?)([a-z]+)( id=(?:answer|\"answer\"))?\s*(/?)>")
_PLAIN_CONTAINERS = frozenset(
    {"b", "i", "u", "s", "em", "strong", "code", "kbd", "sub", "sup", "del", "span", "div"}
)
_PLAIN_VOID = frozenset({"br", "hr"})
_TEXT_MARKUP = re.compile(r"[<>&\r\x00\xa0\ufeff]")


def plain_markup(html: str) -> str | None:
    """What the cleaner would give for text with only simple formatting (tags without
    attributes, properly nested, and Anki's ``<hr id=answer>``), worked out without it;
    None for anything else.

    Most cards' HTML is of this kind. The cleaner parses the whole document each time,
    and called once per card between the database's work it costs several times what it
    costs in a loop (its code is no longer in the processor's caches)."""
    out: list[str] = []
    open_tags: list[str] = []
    pos = 0
    for m in _PLAIN_TAG.finditer(html):
        text = html[pos : m.start()]
        if _TEXT_MARKUP.search(text):
            return None
        out.append(text)
        closing, name, answer_id, self_closing = m.groups()
        if name in _PLAIN_VOID:
            if closing:
                return None
            out.append(f"<{name}>")
        elif name not in _PLAIN_CONTAINERS or answer_id or self_closing:
            return None
        elif closing:
            if not open_tags or open_tags.pop() != name:
                return None
            out.append(m.group())
        else:
            open_tags.append(name)
            out.append(m.group())
        pos = m.end()
    tail = html[pos:]
    if open_tags or _TEXT_MARKUP.search(tail):
        return None
    out.append(tail)
    return "".join(out)


_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.DOTALL)
_AT_RULE = re.compile(r"@(?:import|font-face|namespace)[^;{}]*(?:;|\{[^}]*\}|$)", re.IGNORECASE)
_PIECE = re.compile(r"[^;{}]+")


def sanitise_css(css: str) -> str:
    """A note type's style sheet without anything that could load a resource: comments,
    ``@import`` and ``@font-face`` rules go, and so does every declaration holding
    ``url(...)``, ``expression(...)``, ``image(...)``, ``src:`` or a CSS escape."""
    css = _AT_RULE.sub("", _COMMENT.sub("", css))

    def piece(m: re.Match[str]) -> str:
        return "" if _CSS_LOADS.search(m.group()) or "@" in m.group() else m.group()

    return _PIECE.sub(piece, css)
