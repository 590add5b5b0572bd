"""Values of an Anki collection's rows, checked: a clear error names the row and column.

Packages from old or broken exporters hold NULLs, text where numbers belong, JSON
strings or lists where objects belong, and numbers no clock could reach.
"""

from __future__ import annotations

import json
from typing import Any

from app.core.errors import BadInputError


def number(value: object, what: str, low: int = -(2**53), high: int = 2**53) -> int:
    """An integer column's value, or a clear error naming the row and column."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        shown = "NULL" if value is None else f"{type(value).__name__} {value!r:.40}"
        raise BadInputError(f"the Anki collection: {what} is not a number ({shown})")
    if not low <= value <= high:
        raise BadInputError(f"the Anki collection: {what} is out of range ({value})")
    return value


def text(value: object, what: str) -> str:
    """A text column's value, or a clear error naming the row and column."""
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise BadInputError(f"the Anki collection: {what} is not UTF-8 text") from None
    if not isinstance(value, str):
        shown = "NULL" if value is None else type(value).__name__
        raise BadInputError(f"the Anki collection: {what} is not text ({shown})")
    return value


def json_object(raw: object, what: str) -> dict[str, Any]:
    """A JSON column that must hold an object (legacy packages sometimes hold a string
    or a list there)."""
    try:
        value = json.loads(text(raw, what) or "{}")
    except (json.JSONDecodeError, RecursionError) as exc:
        raise BadInputError(f"the Anki collection: {what} is not valid JSON") from exc
    if not isinstance(value, dict):
        kind = type(value).__name__.replace("str", "a string").replace("list", "a list")
        raise BadInputError(f"the Anki collection: {what} is {kind}, not a JSON object")
    return value


def json_text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise BadInputError(f"the Anki collection: {what} is not text")
    return value


def ordered(items: object, what: str, owner: str) -> list[tuple[int, str, dict[str, Any]]]:
    """(ord, name, item) of a note type's fields or templates, sorted, ords unique."""
    if not isinstance(items, list):
        raise BadInputError(f"the Anki collection: {what} are not a list")
    out: list[tuple[int, str, dict[str, Any]]] = []
    seen: set[int] = set()
    for item in items:
        if not isinstance(item, dict):
            raise BadInputError(f"the Anki collection: {what} hold a non-object")
        ord_ = number(item.get("ord"), f"{what}: an ord", 0, 10_000)
        if ord_ in seen:
            raise BadInputError(
                f"the Anki collection: {owner} has two {what.split()[-1]} numbered {ord_}"
            )
        seen.add(ord_)
        out.append((ord_, json_text(item.get("name"), f"{what}: a name"), item))
    return sorted(out, key=lambda entry: entry[0])


def blob(value: object, what: str) -> bytes:
    if value is None:
        return b""
    if not isinstance(value, bytes):
        raise BadInputError(f"the Anki collection: {what} are not binary ({type(value).__name__})")
    return value
