"""The review-log rows an import base covers, written small.

A row an import brings has an id derived from where it came from (see
:func:`app.storage.import_reviews.log_id`): an Anki review's id is
``uuid5(namespace, "guid/ord/revlog id")``, and Anki's revlog id is the review's time.
So a base lists such a row by that number alone (``"sources"``: the sorted numbers, each
as its difference from the one before, in LEB128 varints, base64): the reader derives
the same ids from the card's key. A row whose id is not so derived (an answer given in
Cirrus before a newer package merged over the card) is listed by its id (``"rows"``).
The writer lists a row by number only when the derived id is the row's id, so a base
covers exactly the ids it did when every one was listed; bases written that way (every
id in ``"rows"``, no ``"sources"``) are read as they were.

The card's state is the list of :data:`STATE` values (``"state"``), or, in the first
form, an object of them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from app.storage.import_reviews import LOG_NAMESPACE, log_id

STATE = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")
ROWS = "rows"
SOURCES = "sources"
_PREFIX = LOG_NAMESPACE.bytes


def _prefix(key: str) -> bytes:
    """What a derived id of the card ``key`` (``<note uid>/<ord>``) hashes before the
    source number: the note's guid and the card's number (as :func:`log_id` does)."""
    uid, _, ord_text = key.rpartition("/")
    return _PREFIX + f"{uid.removeprefix('guid:')}/{int(ord_text)}/".encode()


def derived(key: str, sources: Iterable[int]) -> list[bytes]:
    """The ids (16 bytes) of the card's rows with these source numbers."""
    uid, _, ord_text = key.rpartition("/")
    guid, ord_ = uid.removeprefix("guid:"), int(ord_text)
    return [log_id(guid, ord_, str(source)) for source in sources]


Row = tuple[int, int, bytes | str]
"""A log row as the writer reads it: card id, time, stored id."""


def split(key: str, rows: Sequence[Row]) -> tuple[list[str], list[int]]:
    """The card's rows as ids to list and source numbers to list."""
    return split_all([(key, rows)])[0]


def split_all(cards: Sequence[tuple[str, Sequence[Row]]]) -> list[tuple[list[str], list[int]]]:
    """:func:`split` for many cards at once. The usual case, every row an import's, is
    checked in one pass over all the cards' ids; otherwise card by card, row by row."""
    times = _all_derived(cards)
    if times is not None:
        return [([], sources) for sources in times]
    return [_split_rows(key, rows) for key, rows in cards]


def _candidate(at: int, rid: bytes | str) -> bool:
    return isinstance(rid, bytes) and len(rid) == 16 and at >= 0


def _all_derived(cards: Sequence[tuple[str, Sequence[Row]]]) -> list[list[int]] | None:
    """Each card's sorted times if every row's id is the one derived from its card and
    time, else None: the ids side by side against the hashes side by side, one byte column
    at a time (the version and variant bits set in the hash's columns 6 and 8 as a
    derived id has them)."""
    sha1 = hashlib.sha1
    hashes: list[bytes] = []
    ids: list[bytes | str] = []
    times: list[list[int]] = []
    for key, rows in cards:
        ats = [row[1] for row in rows]
        prefix = _prefix(key)
        hashes += [sha1(prefix + b"%d" % at).digest() for at in ats]
        ids += [row[2] for row in rows]
        times.append(ats)
    try:
        have = b"".join(ids)  # type: ignore[arg-type]  # a text id: TypeError
    except TypeError:
        return None
    if set(map(len, ids)) - {16} or min(map(min, filter(None, times)), default=0) < 0:
        return None
    made = b"".join(hashes)
    for column in range(16):
        mine = made[column::20]
        if column in _SET_BITS:
            mine = mine.translate(_SET_BITS[column])
        if mine != have[column::16]:
            return None
    for ats in times:
        ats.sort()
    return times


_SET_BITS = {
    6: bytes((b & 0x0F) | 0x50 for b in range(256)),
    8: bytes((b & 0x3F) | 0x80 for b in range(256)),
}


def _split_rows(key: str, rows: Sequence[Row]) -> tuple[list[str], list[int]]:
    ids: list[str] = []
    sources: list[int] = []
    candidates = [(at, rid) for _, at, rid in rows if _candidate(at, rid)]
    made = derived(key, [at for at, _ in candidates])
    matched = {rid for (_, rid), want in zip(candidates, made, strict=True) if rid == want}
    for _, at, rid in rows:
        if rid in matched:
            sources.append(at)
        else:
            ids.append(rid.hex() if isinstance(rid, bytes) else str(rid))
    return sorted(ids), sorted(sources)


def encode(sources: Sequence[int]) -> str:
    """Sorted non-negative numbers as base64 of the varints of their differences."""
    out = bytearray()
    previous = 0
    for number in sources:
        step = number - previous
        previous = number
        while step > 0x7F:
            out.append((step & 0x7F) | 0x80)
            step >>= 7
        out.append(step)
    return base64.b64encode(bytes(out)).decode("ascii")


def decode(value: str) -> list[int]:
    """The numbers :func:`encode` wrote; ``ValueError`` for anything else."""
    try:
        data = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError("not a list of source numbers") from exc
    numbers: list[int] = []
    total = step = shift = 0
    for byte in data:
        step |= (byte & 0x7F) << shift
        if byte & 0x80:
            shift += 7
            continue
        total += step
        numbers.append(total)
        step = shift = 0
    if shift:
        raise ValueError("a source number is cut short")
    return numbers


def covered(key: str, base: dict[str, Any]) -> set[str]:
    """The review-log ids (as text) the base of the card ``key`` covers."""
    ids = {str(r) for r in base.get(ROWS) or ()}
    sources = base.get(SOURCES)
    if isinstance(sources, str) and sources:
        ids.update(rid.hex() for rid in derived(key, decode(sources)))
    return ids


def state(base: dict[str, Any]) -> dict[str, Any]:
    """The card's state the base gives (either form)."""
    value = base["state"]
    if isinstance(value, dict):
        return value
    return dict(zip(STATE, value, strict=True))


def readable(base: object) -> bool:
    """Whether ``base`` is a base this version can start a replay from."""
    if not isinstance(base, dict):
        return False
    value = base.get("state")
    if isinstance(value, list) and len(value) != len(STATE):
        return False
    if not isinstance(value, (dict, list)) or not isinstance(base.get(ROWS, []), list):
        return False
    sources = base.get(SOURCES, "")
    if not isinstance(sources, str):
        return False
    try:
        decode(sources)
    except ValueError:
        return False
    return True
