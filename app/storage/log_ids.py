"""Review-log ids: UUID strings (32 lowercase hex digits) in Python, 16 bytes on disk.

An id that is not such a string (one merged from another device's journal, say) is
stored as the text it is, so every id comes back exactly as it went in.
"""

from __future__ import annotations

_HEX = frozenset("0123456789abcdef")


def to_db(log_id: str) -> bytes | str:
    """The value stored in ``review_log.id`` for ``log_id``."""
    if len(log_id) == 32 and _HEX.issuperset(log_id):
        return bytes.fromhex(log_id)
    return log_id


def from_db(value: bytes | str) -> str:
    """The id as Python code sees it, from a ``review_log.id`` value."""
    return value.hex() if isinstance(value, bytes) else str(value)


def text_sql(column: str) -> str:
    """SQL giving ``column`` (a ``review_log.id``) as the id's text, for comparing with the
    ids other tables keep as text."""
    return f"(CASE typeof({column}) WHEN 'blob' THEN lower(hex({column})) ELSE {column} END)"
