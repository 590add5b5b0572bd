"""Quicker exact forms of field matches in compiled searches.

A value for a note type's first field that starts with a plain run of characters
(``front:question 1*``) is looked for at the start of the fields' JSON text, where a
``LIKE`` stops at the first character that differs (as Anki's ``flds LIKE 'question 1%'``
does), rather than anywhere in it; ``run*`` needs nothing more.
"""

from __future__ import annotations

from app.storage.search_text import tokens

_JSON_SPECIAL = frozenset('"\\')
"""Characters ``json.dumps`` escapes, besides control characters."""


def json_safe(text: str) -> bool:
    """``text`` is written unchanged in JSON text (``ensure_ascii=False``)."""
    return not any(c in _JSON_SPECIAL or c < " " for c in text)


def field_prefix(text: str) -> tuple[str, bool] | None:
    """A LIKE pattern (escape ``\\``) over the JSON text of the fields that every note
    whose first field matches ``text`` also matches, anchored at that field's start,
    and whether it is exact (``text`` is a plain run then one trailing ``*``); None
    when ``text`` starts with a wildcard or a character JSON escapes."""
    run: list[str] = []
    rest: list[tuple[str, bool]] = []
    for c, wild in tokens(text):
        if rest or wild:
            rest.append((c, wild))
        else:
            run.append(c)
    prefix = "".join(run)
    if not prefix or not json_safe(prefix) or "\x1f" in prefix:
        return None
    escaped = "".join("\\" + c if c in "%_\\" else c for c in prefix)
    return '["' + escaped + "%", rest == [("*", True)]
