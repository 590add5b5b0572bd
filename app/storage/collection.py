"""The Collection: the one door through which the GUI, the CLI and tests use a data folder."""

from __future__ import annotations

import logging
import random
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from app.core.deck_tree import DeckNode
from app.core.errors import BadInputError, CirrusError
from app.core.models import (
    DeckSummary,
    ImportSummary,
    Memory,
    QueueCounts,
    Rating,
    StudyCard,
)
from app.core.scheduling import CardScheduler
from app.core.timeconv import from_ms, to_ms
from app.sqlite import sqlite3
from app.storage import (
    answering,
    collection_file,
    leftovers,
    study_repo,
)
from app.storage.bundled import bundled_decks_dir, tree_hash
from app.storage.collection_file import DB_NAME, _db_problem
from app.storage.day_window import DayWindows
from app.storage.engine import raw_connection
from app.storage.held_connection import HeldConnection
from app.storage.key_check import keys_at_once
from app.storage.lock import FolderLock, FolderReadOnlyError, LockedError
from app.storage.queue_limits import DailyLimits
from app.storage.rooms import Rooms
from app.storage.search_cache import SearchStatements
from app.storage.settings_repo import get_setting, set_setting
from app.storage.study_queue import StudyQueue
from app.storage.today_counts import TodayCounts

if TYPE_CHECKING:  # imported when first used, not on every start
    from app.core.import_choices import ImportChoices
    from app.core.search import Node as SearchNode
    from app.core.statistics import GroupStats, StatsReport
    from app.interop.reader import PreparedImport
    from app.storage.card_list import CardListRow
    from app.storage.check import CheckReport
    from app.storage.foreign_import import Progress
    from app.storage.sync import SyncReport

log = logging.getLogger(__name__)


class Collection(Rooms):
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
        self._held = HeldConnection(engine)  # see held_connection: no pool per call
        self.data_dir = data_dir
        self.tz = tz
        self._days = DayWindows(tz)
        self.rng = rng or random.Random()
        self._undo: list[str] = []
        self._schedulers: dict[int, CardScheduler] = {}
        # Caches for the answer loop; every write through this object keeps them right.
        self._settings: dict[str, Any] = {}
        self._limits = DailyLimits()
        self._today = TodayCounts()
        self._queue = StudyQueue(self._today.answered_today)
        self._leeches: set[str] = set()
        """Answers of this session that made a card a leech (undo takes that back too)."""
        self._search_model: tuple[float, float, float] | None = None
        self._search_statements = SearchStatements()
        # This process's hold on the data folder; None for a read-only view.
        self._lock: FolderLock | None = None
        # Why this is a read-only view (None when it can write).
        self.locked_by: LockedError | FolderReadOnlyError | None = None
        self.undone = ""
        """What the last :meth:`undo` took back ("Answer", "Bury", "Delete note", ...)."""

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
        return collection_file.open_writable(cls, data_dir, tz, rng, doing)

    @classmethod
    def open_for_reading(
        cls, data_dir: Path, *, tz: tzinfo | None = None, rng: random.Random | None = None
    ) -> Collection:
        """Open to read: as :meth:`open` when the folder is free, else a read-only view.

        The view reads the file while the other process writes it (SQLite's WAL lets
        readers in); any write through it raises the :class:`LockedError` it was opened
        under. Statistics still work: their aggregates are refreshed in memory only.
        """
        return collection_file.open_for_reading(cls, data_dir, tz, rng)

    @classmethod
    def open_readonly(cls, data_dir: Path, *, tz: tzinfo | None = None) -> Collection:
        """Open the collection in ``data_dir`` to read only, without its lock, upgrade or
        any write (searches beside a running Cirrus; a folder it may not write)."""
        from app.storage.readonly import open_readonly

        return open_readonly(cls, data_dir, tz)

    @property
    def read_only(self) -> bool:
        return self.locked_by is not None

    @classmethod
    def in_memory(cls, *, tz: tzinfo | None = None, rng: random.Random | None = None) -> Collection:
        return cls(collection_file.memory_database(), None, tz=tz, rng=rng)

    def close(self) -> None:
        self._today.forget()  # (waits for counts still being made on their own connection)
        self._held.close()
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
    def _write(self, checked_keys: bool = True) -> Iterator[Connection]:
        """One transaction; a full disk or a locked file becomes a clear error.

        ``checked_keys=False``: SQLite checks no foreign key row by row; every one is
        checked at once before the commit instead (``key_check``), for big imports."""
        write = self._held.write() if checked_keys else keys_at_once(self._held.write())
        with self._db_errors(), write as conn:
            yield conn

    @contextmanager
    def _db_errors(self) -> Iterator[None]:
        """A full disk, a locked or read-only file in the block: a clear error."""
        try:
            yield
        except (OperationalError, sqlite3.OperationalError) as exc:
            # the answer path writes through sqlite3 itself: its errors come unwrapped
            orig = exc.orig if isinstance(exc, OperationalError) else exc
            if self.locked_by is not None and "readonly" in str(orig):
                raise self.locked_by from exc
            raise CirrusError(_db_problem(orig)) from exc

    def _read(self) -> Any:
        return self._held.read()

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
        self._today.forget()
        self._queue.forget()
        self._schedulers.clear()
        self._search_model = None

    @property
    def rollover_hour(self) -> int:
        return int(self.setting("day_rollover_hour", 4))

    def window(self, now: datetime) -> study_repo.DayWindow:
        return self._days.window(now, self.rollover_hour)

    # -- decks ---------------------------------------------------------------------------

    def _deck_list(self, conn: Connection) -> list[tuple[int, str, int]]:
        return self._limits.decks(conn)

    def _presets(self, conn: Connection) -> dict[int, int]:
        return self._limits.presets(conn)

    def deck_ids(self, deck: str | None = None) -> list[int]:
        """Ids of the deck named ``deck`` and its children (every deck when None)."""
        if self._limits.known_decks() is None:
            with self._read() as conn:
                self._deck_list(conn)
        ids = self._limits.subtree(deck)
        if deck is not None and not ids:
            raise BadInputError(f"no deck named '{deck}'")
        return ids

    def decks(self, now: datetime) -> list[DeckSummary]:
        """Every deck with its own counts (children not included)."""
        with self._read() as conn:
            return study_repo.deck_summaries(conn, self.window(now))

    def deck_descriptions(self) -> dict[str, str]:
        with self._read() as conn:
            return study_repo.deck_descriptions(conn)

    def prefetch_counts(self, now: datetime) -> None:
        """Start making today's counts in the background, on a connection of their own,
        for the deck list asked for soon after (the main window being built meanwhile).
        A write in between, by any connection, makes the deck list count again."""
        path = self.db_path
        if path is None or self.read_only:
            return
        with self._read() as conn:
            self._today.prefetch(raw_connection(conn), path, self.window(now))

    def deck_tree(self, now: datetime) -> tuple[list[DeckNode], dict[str, QueueCounts]]:
        """The deck tree and, per node name, today's counts including child decks."""
        window = self.window(now)
        with self._read() as conn:
            raw = self._today.get(conn, window)
            tree = self._limits.tree(conn, window)
        roots = tree.roots
        counts = {node.name: tree.counts(node, raw) for root in roots for node in root.walk()}
        return roots, counts

    def totals(self) -> dict[str, int]:
        """How many decks, notes, cards, review-log rows and media files there are."""
        with self._read() as conn:
            return study_repo.totals(conn)

    # -- studying ------------------------------------------------------------------------

    def next_card(self, now: datetime, deck: str | None = None) -> StudyCard | None:
        """The card to show next when studying ``deck`` (with its sub-decks), or None."""
        ids = self.deck_ids(deck)
        window = self.window(now)
        with self._read() as conn:
            new_ok, review_ok = self._limits.allowed(conn, window, deck)
            return study_repo.next_card(conn, ids, window, new_ok, review_ok, self._queue)

    def counts(self, now: datetime, deck: str | None = None) -> QueueCounts:
        """What studying ``deck`` (with its sub-decks) gives today, limits applied."""
        self.deck_ids(deck)  # an unknown deck is refused
        window = self.window(now)
        with self._read() as conn:
            tree = self._limits.tree(conn, window)
            raw = self._today.get(conn, window)
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
        preset = self._limits.known_preset(card.deck_id)
        scheduler = self._schedulers.get(preset) if preset is not None else None
        if scheduler is None:  # else no connection is needed (each answer shows this)
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
        return answering.answer(self, card_id, rating, now, duration_ms, early_ok)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo(self) -> int | None:
        """Take back the last answer of this session. Returns the card id, or None."""
        return answering.undo(self)

    # -- searching: app/storage/search_room.py -----------------------------------------

    def search_cards(
        self,
        query: str | SearchNode,
        order: str | None = None,
        descending: bool = False,
        limit: int | None = None,
        now: datetime | None = None,
    ) -> list[int]:
        """Ids of the cards an Anki-syntax search (text or ``app.core.search`` tree)
        matches; ``order`` one of ``app.storage.search_room.ORDERS``, None for no
        particular order (the quickest). An unreadable query raises ``SearchError``."""
        return self.searching.cards(query, order, descending, limit, now)

    def card_rows(self, ids: Sequence[int], now: datetime | None = None) -> list[CardListRow]:
        """What a card list shows for ``ids``, in that order."""
        return self.searching.rows(ids, now)

    # -- statistics: app/storage/statistics_room.py -----------------------------------

    def _model(self, conn: Connection) -> tuple[float, float]:
        return self.statistics.model(conn)

    def _day_offset(self) -> int:
        return self.statistics.day_offset()

    def study_day(self, moment: datetime) -> int:
        return self.statistics.study_day(moment)

    def stats(self, by: str, now: datetime, at: datetime | None = None) -> list[GroupStats]:
        return self.statistics.stats(by, now, at)

    def weakest_cards(self, by: str, key: str, now: datetime, limit: int = 30) -> list[int]:
        return self.statistics.weakest_cards(by, key, now, limit)

    def report(self, by: str, now: datetime, at: datetime) -> StatsReport:
        return self.statistics.report(by, now, at)

    def memories(self, deck: str | None = None) -> list[Memory]:
        return self.statistics.memories(deck)

    def optimize(self, preset_id: int = 1) -> Any:
        return self.statistics.optimize(preset_id)

    def apply_parameters(self, parameters: Sequence[float], preset_id: int = 1) -> None:
        self.statistics.apply_parameters(parameters, preset_id)

    def refresh_stats(self) -> None:
        self.statistics.refresh_stats()

    # -- importing and exporting: app/storage/import_room.py ---------------------------

    def import_path(
        self,
        path: Path,
        now: datetime | None = None,
        origin: str = "import",
        progress: Progress | None = None,
        deck: str | None = None,
        choices: ImportChoices | None = None,
    ) -> ImportSummary:
        """Import a deck file or pack, an Anki package, a text file or an Obsidian vault.

        All or nothing: on any error the collection (media included) is left as it was.
        """
        return self._imports().import_path(path, now, origin, progress, deck, choices)

    def apply_import(
        self,
        prepared: PreparedImport,
        now: datetime | None = None,
        origin: str = "import",
        progress: Progress | None = None,
    ) -> ImportSummary:
        return self._imports().apply_import(prepared, now, origin, progress)

    def export(
        self,
        out: Path,
        fmt: str,
        deck: str | None = None,
        with_history: bool = False,
        now: datetime | None = None,
    ) -> dict[str, int]:
        return self._imports().export(out, fmt, deck, with_history, now)

    def sync_bundled(
        self, now: datetime | None = None, folder: Path | None = None
    ) -> ImportSummary | None:
        """Bring the bundled decks up to date; None when they have not changed (told
        without loading the import code: most starts)."""
        folder = folder or bundled_decks_dir()
        if folder is None:
            return None
        digest = tree_hash(folder)
        if self.setting("bundled_hash") == digest:
            return None
        return self._imports().sync_bundled(now, folder, digest)

    # -- checking ------------------------------------------------------------------------

    def check(self, repair: bool = False, now: datetime | None = None) -> CheckReport:
        """Check the database and the media store (see :mod:`app.storage.check`); with
        ``repair``, write a backup first and fix what is safe to fix."""
        from app.storage.check import run_check

        return run_check(self, repair, now or datetime.now(UTC))

    # -- notes and sync: app/storage/note_room.py, app/storage/sync/ -------------------

    def sync(self, folder: Path | None = None, now: datetime | None = None) -> SyncReport:
        """Send this device's changes to the sync folder and merge the others' (docs/sync.md)."""
        from app.storage.sync import sync_collection

        return sync_collection(self, folder, now)

    # -- backups -------------------------------------------------------------------------

    def backup_dir(self) -> Path:
        return collection_file.backup_dir(self.setting("backup_dir"), self.data_dir)

    def backup(self, now: datetime, prefix: str = "cirrus") -> Path:
        """Write a backup now and rotate old ones (``prefix`` other than ``cirrus``: a
        copy kept aside, outside the rotation)."""
        return collection_file.backup(self.db_path, self.backup_dir(), now, prefix)

    def backup_if_due(self, now: datetime) -> Path | None:
        """At most one automatic backup a day."""
        return collection_file.backup_if_due(self.db_path, self.backup_dir(), now)
