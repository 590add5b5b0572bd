"""Review-log ids: UUID strings (32 lowercase hex digits) in Python, 16 bytes on disk.

An id that is not such a string (one merged from another device's journal, say) is
stored as the text it is, so every id comes back exactly as it went in.
"""

from __future__ import annotations

import os
import time

_HEX = frozenset("0123456789abcdef")


def new_log_id() -> bytes:
    """A new answer's id: a time-ordered UUID (RFC 9562 version 7: milliseconds since
    1970, then 74 random bits), as the 16 bytes stored. Ids that grow with time go at
    the end of the log's id index: a random one lands inside a full page of it (after
    an import built the index packed) and splits that page, several page writes per
    answer instead of one."""
    ms = time.time_ns() // 1_000_000
    value = (ms & (2**48 - 1)) << 80 | int.from_bytes(os.urandom(10), "big")
    value = value & ~(0xF << 76) | 0x7 << 76  # version 7
    value = value & ~(0x3 << 62) | 0x2 << 62  # RFC 9562 variant
    return value.to_bytes(16, "big")


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
