"""The Collection: the one door through which the GUI, the CLI and tests use a data folder."""

from __future__ import annotations

import logging
import random
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from app.core.deck_tree import DeckNode, subtree_ids
from app.core.errors import BadInputError, CirrusError
from app.core.limits import Available
from app.core.models import (
    DeckSummary,
    ImportSummary,
    Memory,
    QueueCounts,
    Rating,
    StudyCard,
)
from app.core.scheduling import CardScheduler
from app.core.statistics import GroupStats, StatsReport
from app.core.study_day import day_start, next_day_start
from app.core.timeconv import from_ms, to_ms
from app.interop.markdown_pack import write_markdown_pack
from app.interop.reader import PreparedImport, read_source
from app.storage import (
    backups,
    export_repo,
    leftovers,
    migrations,
    review_repo,
    stats_repo,
    study_repo,
)
from app.storage.bundled import bundled_decks_dir, tree_hash
from app.storage.check import CheckReport
from app.storage.custom_study import CustomStudy
from app.storage.deck_options import DeckOptions
from app.storage.engine import file_engine, memory_engine
from app.storage.exams import Exams
from app.storage.file_check import check_file, classify
from app.storage.foreign_import import Progress
from app.storage.importing import apply_prepared
from app.storage.lock import FolderLock, FolderReadOnlyError, LockedError, holds
from app.storage.media_staging import MediaStaging
from app.storage.queue_limits import DailyLimits
from app.storage.read_view import view_engine
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
        # Caches for the answer loop; every write through this object keeps them right.
        self._settings: dict[str, Any] = {}
        self._limits = DailyLimits()
        self._exams: Exams | None = None
        self._deck_options: DeckOptions | None = None
        self._leeches: set[str] = set()
        """Answers of this session that made a card a leech (undo takes that back too)."""
        # This process's hold on the data folder; None for a read-only view.
        self._lock: FolderLock | None = None
        # Why this is a read-only view (None when it can write).
        self.locked_by: LockedError | FolderReadOnlyError | None = None

    # -- opening and closing -------------------------------------------------------------

    @classmethod
    def open(
        cls,
        data_dir: Path,
        *,
        tz: tzinfo | None = None,
        rng: random.Random | None = None,
        doing: str = "",
    ) -> Collection:
        """Open (creating or upgrading) the collection in ``data_dir`` to read and write.

        Takes the data folder's lock until :meth:`close`; raises :class:`LockedError`
        naming the other process when one has the collection open (``doing`` says what
        was refused), :class:`FolderReadOnlyError` for a folder that cannot be written and
        :class:`CollectionDamagedError` for a file that is empty, cut short or not SQLite.
        """
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CirrusError(f"cannot create the data folder {data_dir}: {exc.strerror}") from exc
        lock = FolderLock.acquire(data_dir, doing)
        try:
            path = data_dir / DB_NAME
            check_file(path)
            _upgrade_file(path, data_dir / "backups")
            collection = cls(file_engine(path), data_dir, tz=tz, rng=rng)
            # this process holds the folder now: what killed ones left can go
            backup_dirs = {data_dir / "backups", collection.backup_dir()}
            leftovers.sweep(data_dir, backup_dirs, collection.engine)
        except BaseException:
            lock.release()
            raise
        collection._lock = lock
        return collection

    @classmethod
    def open_for_reading(
        cls, data_dir: Path, *, tz: tzinfo | None = None, rng: random.Random | None = None
    ) -> Collection:
        """Open to read: as :meth:`open` when the folder is free, else a read-only view.

        The view reads the file while the other process writes it (SQLite's WAL lets
        readers in); any write through it raises the :class:`LockedError` it was opened
        under. Statistics still work: their aggregates are refreshed in memory only.
        """
        try:
            return cls.open(data_dir, tz=tz, rng=rng)
        except (LockedError, FolderReadOnlyError) as exc:
            refused = exc
        engine = view_engine(data_dir / DB_NAME, refused)
        collection = cls(engine, data_dir, tz=tz, rng=rng)
        collection.locked_by = refused
        return collection

    @property
    def read_only(self) -> bool:
        return self.locked_by is not None

    @classmethod
    def in_memory(cls, *, tz: tzinfo | None = None, rng: random.Random | None = None) -> Collection:
        engine = memory_engine()
        raw = engine.raw_connection()
        try:
            db = raw.driver_connection
            assert isinstance(db, sqlite3.Connection)
            db.isolation_level = None
            migrations.migrate(db)
            db.isolation_level = "DEFERRED"
        finally:
            raw.close()
        return cls(engine, None, tz=tz, rng=rng)

    def close(self) -> None:
        self.engine.dispose()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @property
    def db_path(self) -> Path | None:
        return self.data_dir / DB_NAME if self.data_dir else None

    @property
    def media_dir(self) -> Path:
        if self.data_dir is None:
            raise CirrusError("an in-memory collection has no media folder")
        return self.data_dir / "media"

    def temp_folder(self, purpose: str) -> tempfile.TemporaryDirectory[str]:
        """A work folder inside the data folder; one a killed process left behind is
        removed at the next open."""
        if self.data_dir is None:
            return tempfile.TemporaryDirectory(prefix=f"cirrus-{purpose}-")
        return leftovers.temp_folder(self.data_dir, purpose)

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One transaction; a full disk or a locked file becomes a clear error."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except OperationalError as exc:
            if self.locked_by is not None and "readonly" in str(exc.orig):
                raise self.locked_by from exc
            raise CirrusError(_db_problem(exc)) from exc

    def _read(self) -> Any:
        return self.engine.connect()

    # -- settings ------------------------------------------------------------------------

    def setting(self, key: str, default: Any = None) -> Any:
        if key not in self._settings:
            with self._read() as conn:
                self._settings[key] = get_setting(conn, key, None)
        value = self._settings[key]
        return default if value is None else value

    def set_setting(self, key: str, value: Any) -> None:
        with self._write() as conn:
            set_setting(conn, key, value)
        self._settings[key] = value

    def _changed(self) -> None:
        """Forget cached decks, presets and today's counters after a bulk change."""
        self._limits.reset()
        self._schedulers.clear()

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

    def _deck_list(self, conn: Connection) -> list[tuple[int, str, int]]:
        return self._limits.decks(conn)

    def _presets(self, conn: Connection) -> dict[int, int]:
        return self._limits.presets(conn)

    def deck_ids(self, deck: str | None = None) -> list[int]:
        """Ids of the deck named ``deck`` and its children (every deck when None)."""
        with self._read() as conn:
            names = [(i, n) for i, n, _ in self._deck_list(conn)]
        ids = subtree_ids(names, deck)
        if deck is not None and not ids:
            raise BadInputError(f"no deck named '{deck}'")
        return ids

    def decks(self, now: datetime) -> list[DeckSummary]:
        """Every deck with its own counts (children not included)."""
        with self._read() as conn:
            today = study_repo.deck_counts(conn, self.window(now))
            sizes = study_repo.deck_sizes(conn)
            rows = conn.execute(
                text("SELECT id, uid, name, description FROM deck ORDER BY position, name")
            ).all()
        out = []
        for deck_id, uid, name, description in rows:
            notes, cards, suspended = sizes.get(int(deck_id), (0, 0, 0))
            own = today.get(int(deck_id), Available())
            new, learning, due = own.new, own.learning, own.review
            out.append(
                DeckSummary(
                    int(deck_id),
                    uid,
                    name,
                    description,
                    notes,
                    cards,
                    new,
                    learning,
                    due,
                    suspended,
                )
            )
        return out

    def deck_tree(self, now: datetime) -> tuple[list[DeckNode], dict[str, QueueCounts]]:
        """The deck tree and, per node name, today's counts including child decks."""
        window = self.window(now)
        with self._read() as conn:
            raw = study_repo.deck_counts(conn, window)
            tree = self._limits.tree(conn, window)
        roots = tree.roots
        counts = {node.name: tree.counts(node, raw) for root in roots for node in root.walk()}
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
        return dict(
            zip(("decks", "notes", "cards", "review_logs", "media"), map(int, row), strict=True)
        )

    # -- studying ------------------------------------------------------------------------

    def next_card(self, now: datetime, deck: str | None = None) -> StudyCard | None:
        """The card to show next when studying ``deck`` (with its sub-decks), or None."""
        ids = self.deck_ids(deck)
        window = self.window(now)
        with self._read() as conn:
            tree = self._limits.tree(conn, window)
            new_ok: set[int] = set()
            review_ok: set[int] = set()
            for node in self._limits.nodes(conn, deck):
                new, review = tree.allowed(node)
                new_ok |= new
                review_ok |= review
            return study_repo.next_card(conn, ids, window, sorted(new_ok), sorted(review_ok))

    def counts(self, now: datetime, deck: str | None = None) -> QueueCounts:
        """What studying ``deck`` (with its sub-decks) gives today, limits applied."""
        ids = self.deck_ids(deck)
        window = self.window(now)
        with self._read() as conn:
            tree = self._limits.tree(conn, window)
            raw = study_repo.deck_counts(conn, window, ids)
            nodes = self._limits.nodes(conn, deck)
        parts = [tree.counts(node, raw) for node in nodes]
        return QueueCounts(
            new=sum(p.new for p in parts),
            learning=sum(p.learning for p in parts),
            review=sum(p.review for p in parts),
        )

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

    def _scheduler(self, conn: Connection, preset_id: int) -> CardScheduler:
        if preset_id not in self._schedulers:
            settings = study_repo.preset_settings(conn, preset_id)
            self._schedulers[preset_id] = CardScheduler(settings)
        return self._schedulers[preset_id]

    def preview(self, card: StudyCard, now: datetime) -> dict[Rating, timedelta]:
        """The interval each rating would give this card now."""
        with self._read() as conn:
            scheduler = self._scheduler(conn, self._presets(conn)[card.deck_id])
        return scheduler.preview(card.memory, now)

    def answer(
        self,
        card_id: int,
        rating: Rating,
        now: datetime,
        duration_ms: int = 0,
        early_ok: bool = False,
    ) -> str:
        """Rate a card. When this returns, the answer and its log are on disk.

        ``early_ok`` marks a "study weakest" session: a card answered before it is due is
        logged as an early review (``kind`` 1). FSRS schedules it from the real elapsed time,
        as it does any review; true retention leaves early reviews out, since they would
        overstate how much a learner keeps at the scheduled intervals.

        Returns the review log id.
        """
        window = self.window(now)
        with self._write() as conn:
            card = study_repo.load_card(conn, card_id)
            if card is None:
                raise BadInputError(f"no card with id {card_id}")
            preset = self._presets(conn)[card.deck_id]
            order = None
            if card.memory.due is None:
                order = conn.execute(
                    text("SELECT due FROM card WHERE id = :i"), {"i": card_id}
                ).scalar()
            scheduler = self._scheduler(conn, preset)
            after = scheduler.review(card.memory, rating, now, self.rng)
            after = self.exams.adjust(conn, scheduler, after, now, preset)
            due = card.memory.due
            early = int(early_ok and due is not None and due > now)
            log_id = review_repo.write_answer(
                conn, card_id, card.memory, after, rating, window.now, duration_ms, order, early
            )
            if after.lapses > card.memory.lapses and self.deck_options.after_lapse(
                conn, card_id, after.lapses, preset
            ):
                self._leeches.add(log_id)
        self._limits.answered(card.deck_id, card.memory.state, window.day_start)
        self._undo.append(log_id)
        return log_id

    @property
    def deck_options(self) -> DeckOptions:
        """Presets, which deck uses which, "today only" limits, leeches."""
        if self._deck_options is None:
            self._deck_options = DeckOptions(self)
        return self._deck_options

    @property
    def custom_study(self) -> CustomStudy:
        """Today's summary of a deck and custom study sessions."""
        return CustomStudy(self)

    @property
    def exams(self) -> Exams:
        """Practice exams, the predicted score and exam mode."""
        if self._exams is None:
            self._exams = Exams(self)
        return self._exams

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo(self) -> int | None:
        """Take back the last answer of this session. Returns the card id, or None."""
        while self._undo:
            log_id = self._undo.pop()
            try:
                with self._write() as conn:
                    stats_repo.forget(conn, log_id, self._model(conn), self._day_offset())
                    card_id = review_repo.revert_answer(conn, log_id)
                    if card_id is None:
                        raise _NothingToUndo
                    if log_id in self._leeches:
                        self._leeches.discard(log_id)
                        self.deck_options.undo_leech(conn, card_id)
            except _NothingToUndo:
                continue
            finally:
                self._limits.forget_today()
            return card_id
        return None

    # -- statistics ----------------------------------------------------------------------

    def _model(self, conn: Connection) -> tuple[float, float]:
        """FSRS forgetting-curve constants (factor, decay) of the default preset."""
        settings = study_repo.preset_settings(conn, 1)
        decay = -settings.parameters[20]
        return 0.9 ** (1 / decay) - 1, decay

    def _day_offset(self) -> int:
        """Milliseconds to add to a UTC time so that whole days split at the rollover hour."""
        now = datetime.now(UTC)
        local = now.astimezone(self.tz) if self.tz is not None else now.astimezone()
        utc_offset = local.utcoffset() or timedelta(0)
        return int(utc_offset.total_seconds() * 1000) - self.rollover_hour * 3_600_000

    def study_day(self, moment: datetime) -> int:
        """The study-day number of ``moment`` (as used by the statistics tables)."""
        return (to_ms(moment) + self._day_offset()) // stats_repo.DAY_MS

    def stats(self, by: str, now: datetime, at: datetime | None = None) -> list[GroupStats]:
        """Statistics per group (``service``, ``domain``, ``deck`` or ``tag:PREFIX``).

        ``at`` is the projection date (the exam), default now.
        """
        if by not in ("service", "domain", "deck") and not by.startswith("tag:"):
            raise BadInputError(f"cannot group by '{by}' (service, domain, deck, tag:PREFIX)")
        self.refresh_stats()
        with self._read() as conn:
            return stats_repo.group_stats(
                conn, by, self.study_day(now), to_ms(now), to_ms(at or now), self._model(conn)
            )

    def weakest_cards(self, by: str, key: str, now: datetime, limit: int = 30) -> list[int]:
        """Studied cards of one group, lowest recall first, for a "study weakest" session."""
        with self._read() as conn:
            return stats_repo.weakest_cards(conn, by, key, to_ms(now), self._model(conn), limit)

    def report(self, by: str, now: datetime, at: datetime) -> StatsReport:
        """Everything the statistics window shows, in one call (run it off the GUI thread)."""
        groups = self.stats(by, now, at)
        today = self.study_day(now)
        offset = self._day_offset()
        prefix = {"service": "tag:service/", "domain": "tag:domain/", "deck": "deck:"}.get(
            by, "tag:" + by.removeprefix("tag:")
        )
        with self._read() as conn:
            model = self._model(conn)
            days = stats_repo.day_series(conn, "all", today - 365)
            stability, difficulty, recall = stats_repo.distributions(conn, to_ms(now), model)
            report = StatsReport(
                by=by,
                now=now,
                at=at,
                today=today,
                groups=groups,
                days=days,
                weekly=stats_repo.weekly_retention(conn, prefix, today - 7 * 26),
                forecast=stats_repo.forecast(conn, to_ms(now), offset, 30),
                stability=stability,
                difficulty=difficulty,
                recall=recall,
                calibration={
                    g.key: stats_repo.calibration(conn, _calibration_key(by, g.key, conn))
                    for g in groups
                },
            )
        return report

    def memories(self, deck: str | None = None) -> list[Memory]:
        """Scheduling state of every active card (for simulations and plans)."""
        ids = self.deck_ids(deck)
        with self._read() as conn:
            return study_repo.memories(conn, ids)

    def optimize(self, preset_id: int = 1) -> Any:
        """Fit FSRS parameters to the preset's review log (needs the ``optimizer`` extra)."""
        from app.core.optimizer import optimize
        from app.storage.optimize_repo import load_reviews

        with self._read() as conn:
            current = study_repo.preset_settings(conn, preset_id).parameters
            reviews = load_reviews(conn, preset_id)
        return optimize(reviews, current, self.rollover_hour, self.tz)

    def apply_parameters(self, parameters: Sequence[float], preset_id: int = 1) -> None:
        from app.storage.optimize_repo import apply_parameters

        with self._write() as conn:
            apply_parameters(conn, preset_id, list(parameters))
        self._changed()

    def refresh_stats(self) -> None:
        """Bring the statistics aggregates up to date with the review log."""
        with self._write() as conn:
            stats_repo.refresh(conn, self._model(conn), self._day_offset())

    # -- importing -----------------------------------------------------------------------

    def import_path(
        self,
        path: Path,
        now: datetime | None = None,
        origin: str = "import",
        progress: Progress | None = None,
        deck: str | None = None,
    ) -> ImportSummary:
        """Import a deck file or pack, an Anki package, a text file or an Obsidian vault.

        All or nothing: on any error the collection (media included) is left as it was.
        """
        with self.temp_folder("import") as tmp:
            prepared = read_source(path, Path(tmp), deck)
            return self.apply_import(prepared, now, origin, progress)

    def apply_import(
        self,
        prepared: PreparedImport,
        now: datetime | None = None,
        origin: str = "import",
        progress: Progress | None = None,
    ) -> ImportSummary:
        """Write what :func:`read_source` prepared, in one transaction.

        ``progress`` may raise (for example :class:`ImportCancelled`) to roll back.
        """
        window = self.window(now or datetime.now(UTC))
        media_dir = self.media_dir if self.data_dir else None
        staging = MediaStaging(self.data_dir) if self.data_dir and prepared.media else None
        added_media: list[Path] = []
        try:
            with self._write() as conn:
                summary = apply_prepared(
                    conn,
                    prepared,
                    media_dir,
                    window.now,
                    window.day_end,
                    origin,
                    added_media,
                    progress,
                    staging.folder if staging else None,
                )
                stats_repo.rebuild(conn)  # tags and decks may have changed
        except BaseException:
            for file in added_media:
                file.unlink(missing_ok=True)
            if staging is not None:
                staging.discard()
            raise
        finally:
            self._changed()
        if staging is not None:
            staging.commit()
        return summary

    def export(
        self,
        out: Path,
        fmt: str,
        deck: str | None = None,
        with_history: bool = False,
        now: datetime | None = None,
    ) -> dict[str, int]:
        """Write the notes of ``deck`` (all decks when None) as ``apkg``, ``md`` or ``csv``."""
        now = now or datetime.now(UTC)
        ids = self.deck_ids(deck)
        if fmt not in ("apkg", "md", "csv"):
            raise BadInputError(f"unknown export format '{fmt}' (apkg, md or csv)")
        try:
            if fmt == "md":
                with self._read() as conn:
                    decks, converted = export_repo.markdown_decks(conn, ids)
                write_markdown_pack(decks, out)
                return {
                    "notes": sum(len(d.notes) for d in decks),
                    "decks": len(decks),
                    "converted": converted,
                    "media": 0,
                    "review_logs": 0,
                }
            media_dir = self.media_dir if self.data_dir else None
            with self._read() as conn:
                batch = export_repo.export_batch(conn, ids, media_dir, with_history)
            if fmt == "apkg":
                from app.interop.anki_export import write_apkg

                write_apkg(batch, out, now, with_history)
            else:
                from app.interop.text_export import write_text_notes

                write_text_notes(batch, out)
        except OSError as exc:
            raise CirrusError(f"cannot write {out}: {exc.strerror or exc}") from exc
        return {
            "notes": len(batch.notes),
            "cards": sum(len(n.cards) for n in batch.notes),
            "media": len(batch.media),
            "review_logs": len(batch.reviews),
        }

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

    # -- checking ------------------------------------------------------------------------

    def check(self, repair: bool = False, now: datetime | None = None) -> CheckReport:
        """Check the database and the media store (see :mod:`app.storage.check`); with
        ``repair``, write a backup first and fix what is safe to fix."""
        from app.storage import check

        media = self.media_dir if self.data_dir else None
        if not repair:
            return check.check(self.engine, media)
        try:
            return check.check_and_repair(
                self.engine, media, lambda: self.backup(now or datetime.now(UTC), "pre-repair")
            )
        finally:
            self._changed()
            self._settings.clear()

    # -- backups -------------------------------------------------------------------------

    def backup_dir(self) -> Path:
        custom = self.setting("backup_dir")
        if custom:
            return Path(custom)
        if self.data_dir is None:
            raise CirrusError("an in-memory collection has no backup folder")
        return self.data_dir / "backups"

    def backup(self, now: datetime, prefix: str = "cirrus") -> Path:
        """Write a backup now and rotate old ones (``prefix`` other than ``cirrus``: a
        copy kept aside, outside the rotation)."""
        if self.db_path is None:
            raise CirrusError("an in-memory collection cannot be backed up")
        target = backups.write_backup(self.db_path, self.backup_dir(), now, prefix)
        if prefix == "cirrus":
            backups.rotate(self.backup_dir(), now=now)
        return target

    def backup_if_due(self, now: datetime) -> Path | None:
        """At most one automatic backup a day."""
        last = backups.last_backup_time(self.backup_dir(), now)
        if last is not None and now - last < timedelta(days=1):
            return None
        return self.backup(now)


def restore_backup(data_dir: Path, backup: Path, now: datetime) -> Path:
    """Replace the collection in ``data_dir`` with ``backup``; the collection must be closed.

    Refused (:class:`LockedError`) while any process, this one included, has it open.
    Returns the copy of what was replaced (``backups/pre-restore-*.sqlite.zst``).
    """
    if holds(data_dir):
        raise CirrusError("close the collection before restoring a backup into it")
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = FolderLock.acquire(data_dir, "restore a backup")
    try:
        return _restore_locked(data_dir, backup, now)
    finally:
        lock.release()


def _restore_locked(data_dir: Path, backup: Path, now: datetime) -> Path:
    db_path = data_dir / DB_NAME
    incoming = data_dir / (DB_NAME + ".restoring")
    try:
        backups.unpack_backup(backup, incoming)
        kept = _keep_replaced(db_path, data_dir / "backups", now)
        for suffix in ("-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
        incoming.replace(db_path)
    finally:
        incoming.unlink(missing_ok=True)
    _upgrade_file(db_path, data_dir / "backups")
    return kept or db_path


def _keep_replaced(db_path: Path, backup_dir: Path, now: datetime) -> Path | None:
    """Save the collection a restore replaces; a damaged one is copied byte for byte."""
    if not db_path.exists():
        return None
    try:
        return backups.write_backup(db_path, backup_dir, now, prefix="pre-restore")
    except sqlite3.DatabaseError:
        stamp = now.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
        target = backup_dir / f"damaged-{stamp}.sqlite"
        try:
            backup_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(db_path, target)
        except OSError as exc:
            raise CirrusError(f"cannot keep a copy of {db_path}: {exc.strerror}") from exc
        return target


def _upgrade_file(path: Path, backup_dir: Path) -> None:
    """Create or migrate the database file, copying it aside before an upgrade."""
    try:
        db = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise classify(path, exc) from exc
    try:
        version = migrations.schema_version(db)
        if 0 < version < migrations.LATEST:
            db.close()
            backups.write_backup(
                path, backup_dir, datetime.now(UTC), prefix=f"pre-upgrade-v{version}"
            )
            db = sqlite3.connect(path, isolation_level=None)
        elif version == 0 and _has_tables(db):
            raise BadInputError(f"{path} is not a Cirrus collection")
        migrations.migrate(db)
        db.execute("PRAGMA journal_mode = WAL")
    except migrations.NewerSchemaError as exc:
        raise CirrusError(str(exc)) from exc
    except sqlite3.OperationalError as exc:
        raise classify(path, exc) from exc
    except sqlite3.DatabaseError as exc:
        raise BadInputError(f"{path} is not a Cirrus collection or is damaged ({exc})") from exc
    finally:
        db.close()


def _has_tables(db: sqlite3.Connection) -> bool:
    return bool(db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] > 0)


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


class _NothingToUndo(Exception):
    """The answer was taken back already, or the card was answered again since."""


def _calibration_key(by: str, key: str, conn: Connection) -> str:
    if by == "deck":
        deck_id = conn.execute(text("SELECT id FROM deck WHERE name = :n"), {"n": key}).scalar()
        return f"deck:{deck_id}"
    prefix = {"service": "service/", "domain": "domain/"}.get(by, by.removeprefix("tag:"))
    return f"tag:{prefix}{key}"
