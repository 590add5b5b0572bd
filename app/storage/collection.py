"""The Collection: the one door through which the GUI, the CLI and tests use a data folder."""

from __future__ import annotations

import logging
import random
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from app.core.deck_tree import DeckNode, build_tree, subtree_ids
from app.core.errors import BadInputError, CirrusError
from app.core.models import DeckSummary, ImportSummary, QueueCounts, Rating, StudyCard
from app.core.scheduling import CardScheduler
from app.core.study_day import day_start, next_day_start
from app.core.timeconv import from_ms, to_ms
from app.interop.markdown_pack import open_markdown, rewrite_media_links
from app.storage import backups, migrations, review_repo, study_repo
from app.storage.bundled import bundled_decks_dir, tree_hash
from app.storage.deck_sync import apply_decks
from app.storage.engine import file_engine, memory_engine
from app.storage.media_store import add_media_file
from app.storage.settings_repo import get_setting, set_setting

log = logging.getLogger(__name__)
DB_NAME = "collection.sqlite"


class Collection:
    """A learner's decks, cards and review history in one SQLite file."""

    def __init__(
        self,
        engine: Engine,
        data_dir: Path | None,
        *,
        tz: tzinfo | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.engine = engine
        self.data_dir = data_dir
        self.tz = tz
        self.rng = rng or random.Random()
        self._undo: list[str] = []
        self._schedulers: dict[int, CardScheduler] = {}

    # -- opening and closing -------------------------------------------------------------

    @classmethod
    def open(
        cls, data_dir: Path, *, tz: tzinfo | None = None, rng: random.Random | None = None
    ) -> Collection:
        """Open (creating or upgrading) the collection in ``data_dir``."""
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CirrusError(f"cannot create the data folder {data_dir}: {exc.strerror}") from exc
        path = data_dir / DB_NAME
        _upgrade_file(path, data_dir / "backups")
        return cls(file_engine(path), data_dir, tz=tz, rng=rng)

    @classmethod
    def in_memory(cls, *, tz: tzinfo | None = None, rng: random.Random | None = None) -> Collection:
        engine = memory_engine()
        raw = engine.raw_connection()
        try:
            db = raw.driver_connection
            assert isinstance(db, sqlite3.Connection)
            db.isolation_level = None
            migrations.migrate(db)
            db.isolation_level = ""
        finally:
            raw.close()
        return cls(engine, None, tz=tz, rng=rng)

    def close(self) -> None:
        self.engine.dispose()

    @property
    def db_path(self) -> Path | None:
        return self.data_dir / DB_NAME if self.data_dir else None

    @property
    def media_dir(self) -> Path:
        if self.data_dir is None:
            raise CirrusError("an in-memory collection has no media folder")
        return self.data_dir / "media"

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One transaction; a full disk or a locked file becomes a clear error."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except OperationalError as exc:
            raise CirrusError(_db_problem(exc)) from exc

    def _read(self) -> Any:
        return self.engine.connect()

    # -- settings ------------------------------------------------------------------------

    def setting(self, key: str, default: Any = None) -> Any:
        with self._read() as conn:
            return get_setting(conn, key, default)

    def set_setting(self, key: str, value: Any) -> None:
        with self._write() as conn:
            set_setting(conn, key, value)

    @property
    def rollover_hour(self) -> int:
        return int(self.setting("day_rollover_hour", 4))

    def window(self, now: datetime) -> study_repo.DayWindow:
        return study_repo.DayWindow(
            now=to_ms(now),
            day_start=to_ms(day_start(now, self.rollover_hour, self.tz)),
            day_end=to_ms(next_day_start(now, self.rollover_hour, self.tz)),
        )

    # -- decks ---------------------------------------------------------------------------

    def _deck_names(self, conn: Connection) -> list[tuple[int, str]]:
        rows = conn.execute(text("SELECT id, name FROM deck ORDER BY position, name"))
        return [(int(r[0]), str(r[1])) for r in rows]

    def deck_ids(self, deck: str | None = None) -> list[int]:
        """Ids of the deck named ``deck`` and its children (every deck when None)."""
        with self._read() as conn:
            ids = subtree_ids(self._deck_names(conn), deck)
        if deck is not None and not ids:
            raise BadInputError(f"no deck named '{deck}'")
        return ids

    def decks(self, now: datetime) -> list[DeckSummary]:
        """Every deck with its own counts (children not included)."""
        with self._read() as conn:
            raw = study_repo.deck_counts(conn, self.window(now))
            rows = conn.execute(
                text("SELECT id, uid, name, description FROM deck ORDER BY position, name")
            ).all()
        out = []
        for deck_id, uid, name, description in rows:
            notes, cards, new, learning, due, suspended = raw.get(int(deck_id), (0,) * 6)
            out.append(DeckSummary(int(deck_id), uid, name, description, notes, cards, new,
                                   learning, due, suspended))
        return out

    def deck_tree(self, now: datetime) -> tuple[list[DeckNode], dict[str, QueueCounts]]:
        """The deck tree and, per node name, today's counts including child decks."""
        window = self.window(now)
        with self._read() as conn:
            names = self._deck_names(conn)
            raw = study_repo.deck_counts(conn, window)
            lim = study_repo.limits(conn, window)
            presets = study_repo.deck_presets(conn, [i for i, _ in names])
        roots = build_tree(names)
        counts = {
            node.name: study_repo.limited_counts(raw, presets, lim, node.deck_ids())
            for root in roots
            for node in root.walk()
        }
        return roots, counts

    def totals(self) -> dict[str, int]:
        with self._read() as conn:
            row = conn.execute(
                text(
                    "SELECT (SELECT COUNT(*) FROM deck), (SELECT COUNT(*) FROM note), "
                    "(SELECT COUNT(*) FROM card), (SELECT COUNT(*) FROM review_log), "
                    "(SELECT COUNT(*) FROM media)"
                )
            ).one()
        return dict(zip(("decks", "notes", "cards", "review_logs", "media"), map(int, row),
                        strict=True))

    # -- studying ------------------------------------------------------------------------

    def next_card(self, now: datetime, deck: str | None = None) -> StudyCard | None:
        ids = self.deck_ids(deck)
        window = self.window(now)
        with self._read() as conn:
            return study_repo.next_card(conn, ids, window, study_repo.limits(conn, window))

    def counts(self, now: datetime, deck: str | None = None) -> QueueCounts:
        ids = self.deck_ids(deck)
        window = self.window(now)
        with self._read() as conn:
            return study_repo.queue_counts(conn, ids, window, study_repo.limits(conn, window))

    def next_due(self, now: datetime, deck: str | None = None) -> datetime | None:
        """When the next card that is not new falls due (None if there is none)."""
        ids = self.deck_ids(deck)
        with self._read() as conn:
            value = study_repo.next_due_after(conn, ids, to_ms(now))
        return from_ms(value) if value is not None else None

    def card(self, card_id: int) -> StudyCard:
        with self._read() as conn:
            card = study_repo.load_card(conn, card_id)
        if card is None:
            raise BadInputError(f"no card with id {card_id}")
        return card

    def scheduler_for(self, card_id: int) -> CardScheduler:
        with self._read() as conn:
            preset_id = int(
                conn.execute(
                    text(
                        "SELECT d.preset_id FROM card c JOIN note n ON n.id = c.note_id "
                        "JOIN deck d ON d.id = n.deck_id WHERE c.id = :i"
                    ),
                    {"i": card_id},
                ).scalar_one()
            )
            if preset_id not in self._schedulers:
                settings = study_repo.preset_settings(conn, preset_id)
                self._schedulers[preset_id] = CardScheduler(settings)
        return self._schedulers[preset_id]

    def preview(self, card: StudyCard, now: datetime) -> dict[Rating, timedelta]:
        """The interval each rating would give this card now."""
        return self.scheduler_for(card.card_id).preview(card.memory, now)

    def answer(
        self, card_id: int, rating: Rating, now: datetime, duration_ms: int = 0
    ) -> str:
        """Rate a card. When this returns, the answer and its log are on disk.

        Returns the review log id.
        """
        scheduler = self.scheduler_for(card_id)
        with self._write() as conn:
            card = study_repo.load_card(conn, card_id)
            if card is None:
                raise BadInputError(f"no card with id {card_id}")
            order = None
            if card.memory.due is None:
                order = conn.execute(
                    text("SELECT due FROM card WHERE id = :i"), {"i": card_id}
                ).scalar()
            after = scheduler.review(card.memory, rating, now, self.rng)
            log_id = review_repo.write_answer(
                conn, card_id, card.memory, after, rating, to_ms(now), duration_ms, order
            )
        self._undo.append(log_id)
        return log_id

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo(self) -> int | None:
        """Take back the last answer of this session. Returns the card id, or None."""
        while self._undo:
            log_id = self._undo.pop()
            with self._write() as conn:
                card_id = review_repo.revert_answer(conn, log_id)
            if card_id is not None:
                return card_id
        return None

    # -- importing -----------------------------------------------------------------------

    def import_path(
        self, path: Path, now: datetime | None = None, origin: str = "import"
    ) -> ImportSummary:
        """Import a Markdown deck file, pack folder or zipped pack. All or nothing."""
        now = now or datetime.now(UTC)
        summary = ImportSummary(format="markdown")
        with open_markdown(path) as pack, self._write() as conn:
            stored: dict[str, str] = {}
            for key, file in pack.media.items():
                if self.data_dir is None:
                    break
                stored[key], added = add_media_file(conn, self.media_dir, file)
                summary.media += 1
            decks = [
                d.__class__(**{**d.__dict__, "notes": tuple(
                    rewrite_media_links(n, d.uid, stored) for n in d.notes)})
                for d in pack.decks
            ]
            apply_decks(conn, decks, origin, to_ms(now), summary)
            summary.warnings.extend(pack.warnings)
        return summary

    def sync_bundled(
        self, now: datetime | None = None, folder: Path | None = None
    ) -> ImportSummary | None:
        """Bring the bundled decks up to date; None when they have not changed."""
        folder = folder or bundled_decks_dir()
        if folder is None:
            return None
        digest = tree_hash(folder)
        if self.setting("bundled_hash") == digest:
            return None
        summary = self.import_path(folder, now, origin="bundled")
        self.set_setting("bundled_hash", digest)
        return summary

    # -- backups -------------------------------------------------------------------------

    def backup_dir(self) -> Path:
        custom = self.setting("backup_dir")
        if custom:
            return Path(custom)
        if self.data_dir is None:
            raise CirrusError("an in-memory collection has no backup folder")
        return self.data_dir / "backups"

    def backup(self, now: datetime) -> Path:
        """Write a backup now and rotate old ones."""
        if self.db_path is None:
            raise CirrusError("an in-memory collection cannot be backed up")
        target = backups.write_backup(self.db_path, self.backup_dir(), now)
        backups.rotate(self.backup_dir())
        return target

    def backup_if_due(self, now: datetime) -> Path | None:
        """At most one automatic backup a day."""
        last = backups.last_backup_time(self.backup_dir())
        if last is not None and now - last < timedelta(days=1):
            return None
        return self.backup(now)


def restore_backup(data_dir: Path, backup: Path, now: datetime) -> Path:
    """Replace the collection in ``data_dir`` with ``backup``; the collection must be closed.

    Returns the copy of what was replaced (``backups/pre-restore-*.sqlite.zst``).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    db_path = data_dir / DB_NAME
    incoming = data_dir / (DB_NAME + ".restoring")
    try:
        backups.unpack_backup(backup, incoming)
        kept = (
            backups.write_backup(db_path, data_dir / "backups", now, prefix="pre-restore")
            if db_path.exists()
            else None
        )
        for suffix in ("-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
        incoming.replace(db_path)
    finally:
        incoming.unlink(missing_ok=True)
    _upgrade_file(db_path, data_dir / "backups")
    return kept or db_path


def _upgrade_file(path: Path, backup_dir: Path) -> None:
    """Create or migrate the database file, copying it aside before an upgrade."""
    try:
        db = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise CirrusError(f"cannot open {path}: {exc}") from exc
    try:
        version = migrations.schema_version(db)
        if 0 < version < migrations.LATEST:
            db.close()
            backups.write_backup(path, backup_dir, datetime.now(UTC), prefix=f"pre-upgrade-v{version}")
            db = sqlite3.connect(path, isolation_level=None)
        elif version == 0 and _has_tables(db):
            raise BadInputError(f"{path} is not a Cirrus collection")
        migrations.migrate(db)
        db.execute("PRAGMA journal_mode = WAL")
    except migrations.NewerSchemaError as exc:
        raise CirrusError(str(exc)) from exc
    except sqlite3.DatabaseError as exc:
        raise BadInputError(f"{path} is not a Cirrus collection or is damaged ({exc})") from exc
    finally:
        db.close()


def _has_tables(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] > 0


def _db_problem(exc: OperationalError) -> str:
    message = str(exc.orig) if exc.orig else str(exc)
    if "full" in message:
        return "the disk is full: nothing was saved from this step; free some space and retry"
    if "locked" in message:
        return "the collection is busy in another Cirrus window or process"
    if "readonly" in message or "read-only" in message:
        return "the collection file is read-only"
    log.error("database error: %s", message)
    return f"database error: {message}"
