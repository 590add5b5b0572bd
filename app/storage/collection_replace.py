"""Make room for a whole-collection package (``.colpkg``) that replaces the collection.

Anki's "replace my collection": afterwards the notes, cards, decks, presets and review
log are the package's. What Cirrus has that an Anki package cannot hold stays: the
bundled Markdown decks (with their cards and answers), exam attempts, settings (the sync
device id among them) and the media store (content-addressed files; notes of an older
backup still find theirs). The caller writes a backup first and runs this in the same
transaction as the import, so a failed import leaves the collection as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from sqlalchemy import Connection, text

from app.interop.anki_presets import ANKI_DEFAULT_ID, to_preset
from app.interop.foreign import ForeignPreset
from app.storage import presets_repo
from app.storage.row_snapshot import delete_notes, ids_sql

KEPT_ORIGIN = "bundled"


def clear_for_replace(conn: Connection, now_ms: int, presets: Mapping[int, ForeignPreset]) -> int:
    """Remove every note, deck and preset the package replaces; returns the notes removed."""
    gone = [
        (int(i), str(uid))
        for i, uid in conn.execute(
            text("SELECT id, uid FROM note WHERE origin != :o"), {"o": KEPT_ORIGIN}
        )
    ]
    ids = [i for i, _ in gone]
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        conn.execute(text(f"DELETE FROM note_edit WHERE note_id IN ({ids_sql(chunk)})"))
        delete_notes(conn, chunk)
    if gone:  # a sync tells the other devices (as for any deletion)
        conn.execute(
            text(
                'INSERT OR REPLACE INTO deletion (kind, "key", deleted_at) '
                "VALUES ('note', :k, :t)"
            ),
            [{"k": uid, "t": now_ms} for _, uid in gone],
        )
    conn.execute(
        text("DELETE FROM deck WHERE origin != :o AND id NOT IN (SELECT deck_id FROM note)"),
        {"o": KEPT_ORIGIN},
    )
    conn.execute(
        text(
            f"DELETE FROM preset WHERE id != {presets_repo.DEFAULT_ID} "
            "AND id NOT IN (SELECT preset_id FROM deck)"
        )
    )
    conn.execute(
        text(
            "DELETE FROM notetype WHERE id NOT IN (SELECT notetype_id FROM note "
            "WHERE notetype_id IS NOT NULL)"
        )
    )
    conn.execute(text("DELETE FROM setting WHERE key = 'anki_filtered_decks'"))
    # earlier imports cannot be taken back any more: their notes are gone, ids may be reused
    conn.execute(text("UPDATE import_run SET undone = 1"))
    default = presets.get(ANKI_DEFAULT_ID)
    current = presets_repo.get(conn, presets_repo.DEFAULT_ID)
    if default is not None and current is not None:  # the package's default options
        presets_repo.save(conn, replace(to_preset(default), id=current.id, name=current.name))
    return len(gone)
