"""Write a prepared import into the collection, inside the caller's transaction."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlalchemy import Connection, text

from app.core.input_limits import check_free_space
from app.core.models import ImportSummary
from app.interop.bounded import free_bytes
from app.interop.markdown_pack import rewrite_media_links
from app.interop.reader import PreparedImport
from app.storage.deck_sync import apply_decks
from app.storage.foreign_import import Progress, apply_batch
from app.storage.media_store import add_media_file
from app.storage.sync import imports as sync_imports


def apply_prepared(
    conn: Connection,
    prepared: PreparedImport,
    media_dir: Path | None,
    now_ms: int,
    bury_until_ms: int,
    origin: str,
    added_media: list[Path],
    progress: Progress | None = None,
    staging: Path | None = None,
) -> ImportSummary:
    """Write ``prepared``; files it adds to the media store (or to ``staging``, for the
    caller to move into the store after the commit) are listed in ``added_media`` so that
    the caller can remove them if the transaction fails."""
    summary = ImportSummary(format=prepared.format)
    keys_are_names = prepared.batch is not None
    stored: dict[str, str] = {}
    if media_dir is not None:
        needed = sum(file.stat().st_size for file in prepared.media.values())
        check_free_space(media_dir, free_bytes(media_dir), needed)
        for key, file in prepared.media.items():
            name, created = add_media_file(
                conn, media_dir, file, key if keys_are_names else None, staging
            )
            stored[key] = name
            if created:
                added_media.append((staging or media_dir) / name)
    summary.media = len(stored)
    if prepared.batch is not None:
        first_card = conn.execute(text("SELECT COALESCE(MAX(id), 0) + 1 FROM card")).scalar_one()
        apply_batch(conn, prepared.batch, stored, now_ms, bury_until_ms, summary, progress)
        # the schedule the package gave each new card is where its replay starts elsewhere
        sync_imports.record(conn, int(first_card), now_ms)
        return summary
    decks = [
        replace(d, notes=tuple(rewrite_media_links(n, d.uid, stored) for n in d.notes))
        for d in prepared.decks
    ]
    if progress is not None:
        progress(0, len(decks))
    apply_decks(
        conn, decks, "obsidian" if prepared.format == "obsidian" else origin, now_ms, summary
    )
    summary.warnings.extend(prepared.warnings)
    return summary
