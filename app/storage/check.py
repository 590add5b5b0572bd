"""Check a collection: the database file, its references, memory states and media.

Each finding is a :class:`Problem` of a stable ``kind`` (the names ``cirrus check --json``
reports). :func:`check` only reads; :func:`check_and_repair` writes a backup first, fixes
what is safe to fix (see :mod:`app.storage.check_repair`) and checks again, so a problem
is reported as repaired only when the second check no longer finds it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DatabaseError

from app.core.errors import CirrusError
from app.storage.math_images import MATH_FOLDER

if TYPE_CHECKING:
    from app.storage.collection import Collection

log = logging.getLogger(__name__)

LABELS = {
    "integrity": "Database integrity errors",
    "foreign_keys": "Rows that point at rows that do not exist",
    "cards_without_notes": "Cards whose note is gone",
    "notes_without_cards": "Notes without any card",
    "fsrs_state": "Cards with an impossible memory state",
    "orphan_review_logs": "Review-log rows whose card is gone",
    "missing_media": "Media files cards use that are missing",
    "unused_media": "Media files nothing uses",
}
"""Every kind, in the order the checks run, with the words the GUI shows."""

REPAIRS = {
    "integrity": "rebuild the indexes (if that is not enough, restore a backup)",
    "foreign_keys": "drop tags of missing notes, move notes of a missing deck to "
    "'Recovered', give decks of a missing preset the Default preset",
    "cards_without_notes": "delete those cards and their review-log rows",
    "notes_without_cards": "make the note's cards again (as new cards)",
    "fsrs_state": "recompute the memory state from the card's review log",
    "orphan_review_logs": "delete those rows",
    "missing_media": "bring files back from media-unused/ when they are there",
    "unused_media": "move the files to media-unused/ in the data folder",
}
UNUSED_DIR = "media-unused"
_REF = re.compile(r"media/([0-9a-f]{64})(\.[A-Za-z0-9]{1,8})?")
_STORED = re.compile(r"^([0-9a-f]{64})(\.[A-Za-z0-9]{1,8})?$")
_COVERED = {("card", "note"), ("review_log", "card")}
"""Foreign-key violations that have their own kind."""

BAD_MEMORY = (
    "state != 0 AND (stability IS NULL OR typeof(stability) NOT IN ('real', 'integer') "
    "OR NOT (stability > 0 AND stability < 1e300) "
    "OR difficulty IS NULL OR typeof(difficulty) NOT IN ('real', 'integer') "
    "OR NOT (difficulty >= 1 AND difficulty <= 10))"
)
"""Cards that were answered but whose FSRS state cannot be right (NaN is stored as NULL
or as text; infinity fails the range)."""


class RepairRefused(CirrusError):
    """No backup could be written, so nothing was repaired."""

    kind = "backup_failed"


@dataclass
class Problem:
    kind: str
    count: int
    examples: list[str] = field(default_factory=list)
    repaired: bool = False

    @property
    def label(self) -> str:
        return LABELS.get(self.kind, self.kind)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "count": self.count,
            "repaired": self.repaired,
            "message": self.label,
            "examples": self.examples,
        }


@dataclass
class CheckReport:
    problems: list[Problem]
    repaired: bool = False
    """Whether a repair ran."""
    backup: Path | None = None
    """The backup written before the repair."""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def all_repaired(self) -> bool:
        return all(p.repaired for p in self.problems)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": self.ok, "problems": [p.to_json() for p in self.problems]}
        if self.repaired:
            out["backup"] = str(self.backup) if self.backup else None
        return out


def check(engine: Engine, media_dir: Path | None) -> CheckReport:
    """Find every problem; writes nothing."""
    with engine.connect() as conn:
        return CheckReport(find_problems(conn, media_dir))


def check_and_repair(
    engine: Engine, media_dir: Path | None, backup: Callable[[], Path]
) -> CheckReport:
    """Back up, repair what is safe, check again. The backup failing stops everything.

    A file that fails SQLite's integrity check even after its indexes are rebuilt gets
    no other repair: what it reads may be wrong (a note on a damaged page would look
    missing, and its cards deleted), so it is left for a restore."""
    from app.storage.check_repair import repair

    before = check(engine, media_dir)
    if before.ok:
        return before
    try:
        written = backup()
    except CirrusError as exc:
        raise RepairRefused(f"nothing was repaired: a backup comes first, and {exc}") from exc
    repair(engine, media_dir, {p.kind for p in before.problems})
    left = {p.kind for p in check(engine, media_dir).problems}
    for problem in before.problems:
        problem.repaired = problem.kind not in left
    before.repaired = True
    before.backup = written
    return before


def integrity_messages(conn: Connection) -> list[str]:
    """SQLite's integrity check: ``[]`` for a sound file, else what is wrong."""
    try:
        rows = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA integrity_check")]
    except DatabaseError as exc:
        return [str(exc.orig or exc)]
    if rows == ["ok"]:
        return []
    return [line for r in rows for line in r.splitlines() if not line.startswith("*** ")]


def find_problems(conn: Connection, media_dir: Path | None) -> list[Problem]:
    damage = integrity_messages(conn)
    found: list[Problem] = []
    checks: list[Callable[[Connection, Path | None], Problem | None]] = [
        _foreign_keys,
        _cards_without_notes,
        _notes_without_cards,
        _fsrs_state,
        _orphan_review_logs,
        _missing_media,
        _unused_media,
    ]
    for run in checks:
        try:
            problem = run(conn, media_dir)
        except DatabaseError as exc:  # the file is too damaged for this check
            log.error("check %s: %s", run.__name__, exc)
            damage.append(f"{run.__name__.strip('_')} could not be checked: {exc.orig or exc}")
            continue
        if problem is not None and problem.count:
            found.append(problem)
    if damage:
        found.insert(0, Problem("integrity", len(damage), damage[:5]))
    return found


def foreign_key_rows(conn: Connection) -> list[tuple[str, int, str]]:
    """(table, rowid, parent table) of each violation without a kind of its own (rowid 0
    for a table kept by its key, such as ``note_tag``)."""
    rows = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    return [(str(t), int(r or 0), str(p)) for t, r, p, _ in rows if (t, p) not in _COVERED]


def _foreign_keys(conn: Connection, _media: Path | None) -> Problem | None:
    rows = foreign_key_rows(conn)
    return Problem("foreign_keys", len(rows), [f"{t} row {r} -> {p}" for t, r, p in rows[:5]])


def _ids(conn: Connection, sql: str) -> list[int]:
    return [int(r[0]) for r in conn.execute(text(sql))]


CARDS_WITHOUT_NOTES = "SELECT id FROM card WHERE note_id NOT IN (SELECT id FROM note)"
NOTES_WITHOUT_CARDS = (
    "SELECT id FROM note n WHERE retired = 0 AND NOT EXISTS "
    "(SELECT 1 FROM card c WHERE c.note_id = n.id)"
)
ORPHAN_LOGS = "SELECT rowid FROM review_log WHERE card_id NOT IN (SELECT id FROM card)"


def _cards_without_notes(conn: Connection, _media: Path | None) -> Problem:
    ids = _ids(conn, CARDS_WITHOUT_NOTES)
    return Problem("cards_without_notes", len(ids), [f"card {i}" for i in ids[:5]])


def _notes_without_cards(conn: Connection, _media: Path | None) -> Problem:
    ids = _ids(conn, NOTES_WITHOUT_CARDS)
    return Problem("notes_without_cards", len(ids), [f"note {i}" for i in ids[:5]])


def _fsrs_state(conn: Connection, _media: Path | None) -> Problem:
    rows = conn.execute(
        text(f"SELECT id, stability, difficulty FROM card WHERE {BAD_MEMORY}")
    ).all()
    return Problem(
        "fsrs_state",
        len(rows),
        [f"card {i}: stability {s!r}, difficulty {d!r}" for i, s, d in rows[:5]],
    )


def _orphan_review_logs(conn: Connection, _media: Path | None) -> Problem:
    rows = conn.execute(
        text(
            "SELECT card_id, COUNT(*) FROM review_log WHERE card_id NOT IN (SELECT id FROM card) "
            "GROUP BY card_id"
        )
    ).all()
    return Problem(
        "orphan_review_logs",
        sum(int(n) for _, n in rows),
        [f"{n} rows of card {c}" for c, n in rows[:5]],
    )


def referenced_media(conn: Connection) -> dict[str, str]:
    """sha256 -> stored name of every ``media/<sha>.<ext>`` a note or note type uses."""
    found: dict[str, str] = {}
    queries = (
        "SELECT prompt_md || ' ' || front_md || ' ' || answer_md || ' ' || "
        "COALESCE(fields, '') FROM note",
        "SELECT templates || ' ' || css FROM notetype",
    )
    for sql in queries:
        for (value,) in conn.execute(text(sql)):
            for m in _REF.finditer(str(value or "")):
                found.setdefault(m.group(1), m.group(1) + (m.group(2) or ""))
    return found


def stored_files(media_dir: Path | None) -> dict[str, Path]:
    """Every entry of the media folder, by sha256 for stored names, else by file name."""
    out: dict[str, Path] = {}
    if media_dir is None or not media_dir.is_dir():
        return out
    for path in media_dir.iterdir():
        if path.name == MATH_FOLDER and path.is_dir():
            continue  # drawn formulas: a cache, not a note's media
        m = _STORED.match(path.name)
        out[m.group(1) if m and path.is_file() else path.name] = path
    return out


def _missing_media(conn: Connection, media_dir: Path | None) -> Problem | None:
    if media_dir is None:
        return None
    files = stored_files(media_dir)
    missing = sorted(name for sha, name in referenced_media(conn).items() if sha not in files)
    return Problem("missing_media", len(missing), missing[:5])


def unused_media(conn: Connection, media_dir: Path | None) -> tuple[list[Path], list[str]]:
    """(files in the store nothing uses, media rows nothing uses)."""
    used = referenced_media(conn)
    files = stored_files(media_dir)
    rows = [str(r[0]) for r in conn.execute(text("SELECT sha256 FROM media"))]
    return (
        sorted(p for key, p in files.items() if key not in used),
        sorted(sha for sha in rows if sha not in used),
    )


def _unused_media(conn: Connection, media_dir: Path | None) -> Problem | None:
    if media_dir is None:
        return None
    files, rows = unused_media(conn, media_dir)
    keys = {_STORED.sub(r"\1", p.name) for p in files} | set(rows)
    return Problem("unused_media", len(keys), [p.name for p in files[:5]])


def run_check(collection: Collection, repair: bool, now: datetime) -> CheckReport:
    """The collection's check; with ``repair``, a backup first, then the safe fixes."""
    media = collection.media_dir if collection.data_dir else None
    if not repair:
        return check(collection.engine, media)
    try:
        return check_and_repair(
            collection.engine, media, lambda: collection.backup(now, "pre-repair")
        )
    finally:
        collection._changed()
        collection._settings.clear()
