"""Typed answers compared as Anki compares them: per-character marks in Anki's HTML.

The output has Anki's structure and classes (``typeGood``, ``typeBad``, ``typeMissed``):
what was typed, an arrow, then the expected text, each run of characters marked. The
page style sheet (``app.core.render.page_css``) gives the classes their colours.
"""

from __future__ import annotations

import html
import re
import unicodedata
from difflib import SequenceMatcher

_TAG = re.compile(r"<[^>]*>")


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def clean_expected(text: str) -> str:
    """The expected string without HTML (Anki strips it from the field), NFC-normalised."""
    plain = html.unescape(_TAG.sub("", text.replace("<br>", " ").replace("&nbsp;", " ")))
    return unicodedata.normalize("NFC", plain.strip())


def compare_answer(expected: str, typed: str, *, ignore_case: bool = False) -> str:
    """Anki's comparison HTML of ``typed`` against ``expected``.

    ``ignore_case`` compares letters without regard to case (``{{type:ci:Field}}`` and
    Cirrus's non-exact typed cards), while the marks keep the characters as written.
    """
    expected = unicodedata.normalize("NFC", expected.strip())
    typed = unicodedata.normalize("NFC", typed)
    if not typed:
        return f"<code id=typeans>{_escape(expected)}</code>"
    fold = (
        (lambda s: "".join(c.lower() if len(c.lower()) == 1 else c for c in s))
        if (ignore_case)
        else (lambda s: s)
    )
    matcher = SequenceMatcher(None, fold(typed), fold(expected), autojunk=False)
    typed_out: list[str] = []
    expected_out: list[str] = []
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        typed_part, expected_part = typed[a0:a1], expected[b0:b1]
        if tag == "equal":
            typed_out.append(_span("typeGood", typed_part))
            expected_out.append(_span("typeGood", expected_part))
        elif tag == "delete":
            typed_out.append(_span("typeBad", typed_part))
        elif tag == "insert":
            typed_out.append(_span("typeMissed", "-" * len(expected_part)))
            expected_out.append(_span("typeMissed", expected_part))
        else:
            typed_out.append(_span("typeBad", typed_part))
            expected_out.append(_span("typeMissed", expected_part))
    if fold(typed) == fold(expected):
        return f"<code id=typeans>{''.join(typed_out)}</code>"
    return (
        f"<code id=typeans>{''.join(typed_out)}<br><span id=typearrow>&darr;</span><br>"
        f"{''.join(expected_out)}</code>"
    )


def _span(cls: str, text: str) -> str:
    return f"<span class={cls}>{_escape(text)}</span>"


_OPEN, _SEP, _CLOSE = "\U000ffff0", "\U000ffff1", "\U000ffff2"
_MARKER = re.compile(f"{_OPEN}([^{_SEP}]*){_SEP}([^{_CLOSE}]*){_CLOSE}")


def type_marker(expected: str, ignore_case: bool) -> str:
    """Where a template's ``{{type:...}}`` stands: the study screen puts its box or result there."""
    flags = "ci" if ignore_case else ""
    return f"{_OPEN}{flags}{_SEP}{html.escape(expected, quote=False)}{_CLOSE}"


def find_type_marker(text: str) -> tuple[str, bool] | None:
    """The expected answer and its ignore-case flag from the first marker in ``text``."""
    m = _MARKER.search(text)
    if m is None:
        return None
    return html.unescape(m.group(2)), m.group(1) == "ci"


def replace_type_markers(text: str, replacement: str) -> str:
    """Every marker replaced: the last by ``replacement``, earlier ones by nothing.

    An answer template's ``{{FrontSide}}`` repeats the question's box; as in Anki, the
    comparison goes where the answer side's own ``{{type:}}`` stands.
    """
    parts = _MARKER.split(text)
    last = len(parts) - 3
    out = [parts[0]]
    for index in range(1, len(parts), 3):
        out.append(replacement if index == last else "")
        out.append(parts[index + 2])
    return "".join(out)
