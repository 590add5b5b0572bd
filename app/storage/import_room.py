"""Imports, exports and the bundled decks' sync, over the collection."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text

from app.core.errors import BadInputError, CirrusError
from app.core.import_choices import CollectionMode, ImportChoices
from app.core.models import ImportSummary
from app.interop.anki_reviews import AnkiReviews
from app.interop.markdown_pack import write_markdown_pack
from app.interop.reader import PreparedImport, read_source
from app.storage import export_repo, filtered_membership, import_undo, text_duplicates
from app.storage.collection_replace import clear_for_replace
from app.storage.foreign_import import Progress
from app.storage.import_newer import take_newer_schedules
from app.storage.importing import apply_prepared
from app.storage.key_check import check_at_once
from app.storage.media_staging import MediaStaging, discard_own_stages
from app.storage.stats_watch import keeping_stats
from app.storage.sync import imports as sync_imports

if TYPE_CHECKING:
    from app.storage.collection import Collection


class Imports:
    def __init__(self, collection: Collection) -> None:
        self.col = collection

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
        with self.col.temp_folder("import") as tmp:
            prepared = read_source(path, Path(tmp), deck)
            if choices is not None:
                prepared.choices = choices
            return self.apply_import(prepared, now, origin, progress)

    def apply_import(
        self,
        prepared: PreparedImport,
        now: datetime | None = None,
        origin: str = "import",
        progress: Progress | None = None,
    ) -> ImportSummary:
        """Write what :func:`read_source` prepared, in one transaction.

        ``progress`` may raise (for example :class:`ImportCancelled`) to roll back. A
        ``.colpkg`` replaces the collection unless ``prepared.choices`` says merge (a
        backup is written first); text rows that match notes follow the choices too.
        """
        now = now or datetime.now(UTC)
        window = self.col.window(now)
        replacing = (
            prepared.format == "colpkg"
            and prepared.choices.collection == CollectionMode.REPLACE
            and prepared.batch is not None
        )
        backup = self.col.backup(now, "pre-replace") if replacing and self.col.data_dir else None
        media_dir = self.col.media_dir if self.col.data_dir else None
        staging: MediaStaging | None = None
        added_media: list[Path] = []
        try:
            if self.col.data_dir and prepared.media:
                staging = MediaStaging(self.col.data_dir)
            with (
                self.col._write(checked_keys=not self._big(prepared)) as conn,
                keeping_stats(conn),  # rebuilt only if needed
            ):
                removed = 0
                if replacing and prepared.batch is not None:
                    removed = clear_for_replace(conn, window.now, prepared.batch.presets)
                plan = None
                if prepared.format == "csv" and prepared.batch is not None:
                    plan = text_duplicates.plan_duplicates(conn, prepared.batch, prepared.choices)
                    prepared = replace(prepared, batch=plan.batch)
                mark = import_undo.before(conn, prepared, plan.note_ids if plan else ())
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
                if plan is not None:
                    text_duplicates.apply_plan(conn, plan, window.now, summary)
                elif prepared.batch is not None:
                    if not replacing and summary.added < len(prepared.batch.notes):
                        newer = take_newer_schedules(conn, prepared.batch, window.day_end)
                        sync_imports.record(conn, 0, window.now, only=newer)
                    filtered_membership.remember(conn, prepared.batch)
                if replacing:
                    summary.removed, summary.backup = removed, str(backup or "")
                else:  # a replaced collection is taken back from its backup
                    import_undo.after(conn, mark, window.now, str(prepared.path), origin)
        except BaseException:
            for file in added_media:
                file.unlink(missing_ok=True)
            if staging is not None:
                staging.discard()
            elif self.col.data_dir and prepared.media:  # stopped while the folder was made
                discard_own_stages(self.col.data_dir)
            raise
        finally:
            self.col._changed()
        if staging is not None:
            staging.commit()
        return summary

    def _big(self, prepared: PreparedImport) -> bool:
        """Whether the import's foreign keys are quicker checked at once (``key_check``)."""
        batch = prepared.batch
        if batch is None:
            return False
        reviews = batch.reviews
        count = reviews.at_most if isinstance(reviews, AnkiReviews) else len(reviews)
        with self.col._read() as conn:
            existing = conn.execute(
                text(
                    "SELECT (SELECT COALESCE(MAX(id), 0) FROM note) + "
                    "(SELECT COALESCE(MAX(seq), 0) FROM review_log)"
                )
            ).scalar_one()
        return check_at_once(len(batch.notes) + count, int(existing))

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
        ids = self.col.deck_ids(deck)
        if fmt not in ("apkg", "md", "csv"):
            raise BadInputError(f"unknown export format '{fmt}' (apkg, md or csv)")
        try:
            if fmt == "md":
                with self.col._read() as conn:
                    decks, converted = export_repo.markdown_decks(conn, ids)
                write_markdown_pack(decks, out)
                return {
                    "notes": sum(len(d.notes) for d in decks),
                    "decks": len(decks),
                    "converted": converted,
                    "media": 0,
                    "review_logs": 0,
                }
            media_dir = self.col.media_dir if self.col.data_dir else None
            with self.col._read() as conn:
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

    def sync_bundled(self, now: datetime | None, folder: Path, digest: str) -> ImportSummary:
        """Import the bundled decks from ``folder`` (whose files hash to ``digest``: they
        changed since the last start)."""
        summary = self.import_path(folder, now, origin="bundled")
        self.col.set_setting("bundled_hash", digest)
        return summary
