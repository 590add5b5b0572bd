"""Matching helpers for compiled searches: Anki's wildcards as LIKE patterns and regular
expressions, the JSON text of template-note fields, and SQL literals."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from app.sqlite import sqlite3


def _fields_text() -> str:
    """The fields of a template note joined by ``\\x1f`` (Anki's ``flds``), from their JSON
    (``json.dumps`` with its default separators): escaped backslashes and quotes are set
    aside first, so that ``", "`` can only be a separator."""
    expr = "substr(n.fields, 3, length(n.fields) - 4)"
    steps = [
        ("'\\\\'", "char(1)"),
        ("'\\\"'", "char(2)"),
        ("'\", \"'", "char(31)"),
        ("'\\n'", "char(10)"),
        ("'\\t'", "char(9)"),
        ("'\\r'", "char(13)"),
        ("'\\b'", "char(8)"),
        ("'\\f'", "char(12)"),
        ("char(2)", "'\"'"),
        ("char(1)", "'\\'"),
    ]
    for old, new in steps:
        expr = f"replace({expr}, {old}, {new})"
    return f"(CASE WHEN n.fields = '[]' THEN '' ELSE {expr} END)"


FIELDS_TEXT = _fields_text()


@lru_cache(maxsize=64)
def compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def regexp(pattern: str, value: str | None) -> bool:
    if value is None:
        return False
    return compiled(pattern).search(value) is not None


def tokens(text: str) -> Iterable[tuple[str, bool]]:
    """(character, is_wildcard) of a search-text value with its escapes resolved."""
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            yield text[i + 1], False
            i += 2
            continue
        yield c, c in "*_"
        i += 1


def to_like(text: str) -> str:
    """A search-text value as a LIKE pattern (escape ``\\``): ``*`` any, ``_`` one char."""
    out = []
    for c, wild in tokens(text):
        if wild:
            out.append("%" if c == "*" else "_")
        elif c in "%_\\":
            out.append("\\" + c)
        else:
            out.append(c)
    return "".join(out)


def to_re(text: str, any_char: str = ".") -> str:
    """A search-text value as a regular expression: ``*`` any run, ``_`` one char."""
    out = []
    for c, wild in tokens(text):
        if wild:
            out.append(f"(?:{any_char})*" if c == "*" else any_char)
        else:
            out.append(re.escape(c))
    return "".join(out)


def json_pattern(text: str) -> tuple[str, bool] | None:
    """A LIKE pattern over the JSON text of the fields that every match also matches, and
    whether a match of it is exact in JSON text without escapes (None: no such pattern)."""
    pieces: list[str] = []
    current: list[str] = []
    one_char = False
    for c, wild in tokens(text):
        if wild:
            pieces.append("".join(current))
            current = []
            one_char = one_char or c == "_"
        elif c == "\x1f":
            return None
        else:
            current.append(c)
    pieces.append("".join(current))
    safe = not one_char and not any(
        (p and not p.strip()) or any(c in '[]",\\' or c < " " for c in p) for p in pieces
    )
    escaped = [
        json.dumps(p, ensure_ascii=False)[1:-1].replace("\\", "\\\\").replace("%", "\\%")
        for p in pieces
    ]
    return "%" + "%".join(e.replace("_", "\\_") for e in escaped) + "%", safe


def glob_matcher(name: str) -> Callable[[str], bool]:
    """Anki's field-name match: case-insensitive, with ``*`` and ``_`` as wildcards."""
    pattern = re.compile(to_re(name) + r"\Z", re.IGNORECASE | re.DOTALL)
    return lambda candidate: pattern.match(candidate) is not None


def name_matcher(name: str) -> Callable[[str], bool]:
    """Note type and card names: the whole name, ignoring case, wildcards allowed."""
    return glob_matcher(name)


def sql_real(value: float) -> str:
    """A float as SQL text (SQLite reads 9e999 as infinity)."""
    if value != value:
        return "NULL"
    if value in (float("inf"), float("-inf")):
        return "9e999" if value > 0 else "-9e999"
    return repr(value)


def like_clause(param: str, pattern: str) -> str:
    """``LIKE param``, with the escape clause only when the pattern uses it (quicker)."""
    return f"LIKE {param} ESCAPE '\\'" if "\\" in pattern else f"LIKE {param}"


def anki_tag(tag: str) -> str:
    return tag.replace("/", "::")


def sql_quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_ints(values: Iterable[int]) -> str:
    return ", ".join(str(int(v)) for v in values)


def sort_field(fields: str | None) -> str:
    """Anki's ``sfld`` of a template note, which Anki's free text also matches: its first
    field without HTML, media names kept (``strip_html_preserving_media_filenames``)."""
    from app.storage.text_match_keys import anki_first_field_key

    try:
        values = json.loads(fields or "[]")
    except ValueError:
        return ""
    if not isinstance(values, list) or not values or not isinstance(values[0], str):
        return ""
    return anki_first_field_key(values[0])


def register_functions(db: sqlite3.Connection) -> None:
    """The SQL functions compiled searches call, registered once per connection
    (registering again would expire every statement SQLite has prepared on it)."""
    try:
        db.execute("SELECT cirrus_sort_field(NULL), cirrus_regexp('', NULL)").fetchone()
    except sqlite3.OperationalError:
        db.create_function("cirrus_regexp", 2, regexp, deterministic=True)
        db.create_function("cirrus_sort_field", 1, sort_field, deterministic=True)


def cloze_split(db: sqlite3.Connection) -> tuple[str, str]:
    """SQL conditions: the note's type is not a cloze; and the note is any other."""
    rows = db.execute("SELECT id FROM notetype WHERE cloze")
    if not (ids := ",".join(str(int(r[0])) for r in rows)):
        return "1", "0"
    return (
        f"n.notetype_id NOT IN ({ids})",
        f"(n.notetype_id IS NULL OR n.notetype_id IN ({ids}))",
    )
