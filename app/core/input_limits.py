"""Limits on everything Cirrus reads from outside (packages, archives, text, vaults).

Every importer checks these before it extracts anything (declared sizes, member
counts, compression ratios, free disk space) and again while it extracts (bytes
actually produced, streamed in blocks, never a whole member in memory). A refusal
is a :class:`BadInputError` that names the member and the limit; the work folder is
thrown away, so nothing is written. The defaults are far above what a real deck
needs: the largest shared Anki decks hold a few thousand media files and a few
hundred MB. ``docs/security.md`` lists them for users.
"""

from __future__ import annotations

from app.core.errors import BadInputError

MB = 1024 * 1024
GB = 1024 * MB

MAX_FILE_BYTES = 100 * MB
"""One media file, or one member of an archive other than the collection."""
MAX_TOTAL_BYTES = 2 * GB
"""Everything one package, archive or vault unpacks to, together."""
MAX_MEMBERS = 50_000
"""Members of one archive, or files looked at in one folder or vault."""
MAX_RATIO = 300
"""Uncompressed / compressed size of one member (zip bombs reach 1,000 and more)."""
RATIO_FLOOR = 4 * MB
"""Members smaller than this are not held to :data:`MAX_RATIO` (tiny files compress
wildly)."""
MAX_DATABASE_BYTES = 1 * GB
"""The SQLite collection inside an Anki package."""
MAX_TEXT_BYTES = 100 * MB
"""One CSV / TSV file, Markdown deck file or Obsidian note."""
MAX_META_BYTES = 32 * MB
"""Small members read into memory: the media map and ``meta``."""
MAX_ZSTD_WINDOW = 128 * MB
"""zstd's window (memory a decoder must hold); zstd's own default limit."""
MAX_NOTES = 2_000_000
MAX_CARDS = 4_000_000
MAX_REVIEW_LOG = 10_000_000
"""Rows of an Anki collection's ``notes``, ``cards`` and ``revlog`` tables."""
MAX_FORMATTED_CHARS = 100_000
"""A card side longer than this is shown as plain text, not formatted."""
MAX_NESTING = 100
"""Lists, quotes or HTML elements nested deeper than this: shown as plain text."""
MAX_PLAIN_CHARS = 100_000
"""How much of a card shown as plain text is shown."""
FREE_SPACE_MARGIN = 256 * MB
"""Free disk space left over after the largest possible extraction."""


def _size(n: int) -> str:
    if n >= GB:
        return f"{n / GB:g} GB"
    if n >= MB:
        return f"{n / MB:g} MB"
    return f"{n:,} bytes"


def refuse(source: object, member: str, limit: str, name: str | None = None) -> BadInputError:
    """The error for a member over a limit: names both (and the file name the member
    stands for, when it has one, as Anki's numbered media members do)."""
    where = f"{source}: " if source else ""
    called = f" ('{name}')" if name else ""
    return BadInputError(f"{where}'{member}'{called} {limit}; refused")


def check_count(source: object, count: int, limit: int | None = None) -> None:
    limit = MAX_MEMBERS if limit is None else limit
    if count > limit:
        raise BadInputError(
            f"{source}: holds {count:,} files, more than the limit of {limit:,}; refused"
        )


def check_declared(
    source: object,
    member: str,
    size: int,
    compressed: int,
    limit: int | None = None,
    name: str | None = None,
) -> None:
    """A member's sizes as the archive declares them, before it is extracted."""
    limit = MAX_FILE_BYTES if limit is None else limit
    if size > limit:
        raise refuse(
            source, member, f"unpacks to {_size(size)}, over the limit of {_size(limit)}", name
        )
    if size > RATIO_FLOOR and size > MAX_RATIO * max(compressed, 1):
        raise refuse(
            source,
            member,
            f"is compressed {size // max(compressed, 1):,} to 1, over the limit of "
            f"{MAX_RATIO} to 1 (a zip bomb?)",
            name,
        )


def check_total(source: object, total: int, limit: int | None = None) -> None:
    limit = MAX_TOTAL_BYTES if limit is None else limit
    if total > limit:
        raise BadInputError(
            f"{source}: unpacks to {_size(total)}, over the limit of {_size(limit)}; refused"
        )


def check_free_space(where: object, free: int, needed: int) -> None:
    """``free`` bytes on the disk of ``where`` must hold ``needed`` plus the margin."""
    if free < needed + FREE_SPACE_MARGIN:
        raise BadInputError(
            f"{where}: not enough free disk space ({_size(free)} free, {_size(needed)} "
            f"needed plus {_size(FREE_SPACE_MARGIN)} to spare); refused"
        )


def check_rows(source: object, table: str, count: int, limit: int) -> None:
    if count > limit:
        raise BadInputError(
            f"{source}: the table '{table}' holds {count:,} rows, more than the limit of "
            f"{limit:,}; refused"
        )


def describe(limit: int) -> str:
    """A size limit as people read it (``100 MB``)."""
    return _size(limit)
