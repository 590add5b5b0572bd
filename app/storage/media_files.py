"""Media files by the names notes give them (``[sound:clip.mp3]``, as Anki named it)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text

from app.storage.media_store import media_path, stored_name

if TYPE_CHECKING:
    from app.storage.collection import Collection


def clip_file(col: Collection, name: str) -> Path | None:
    """The stored file of a clip: ``media/<sha>.<ext>`` (Markdown notes) or the name the
    file had in its package (Anki notes); None when the store has no such file."""
    if col.data_dir is None:
        return None
    wanted = html.unescape(name).strip()
    if wanted.startswith("media/"):
        return media_path(col.media_dir, wanted.removeprefix("media/"))
    with col._read() as conn:
        rows = conn.execute(
            text("SELECT sha256, name FROM media WHERE name = :n ORDER BY sha256"), {"n": wanted}
        ).all()
    for sha, original in rows:
        found = media_path(col.media_dir, stored_name(str(sha), str(original)))
        if found is not None:
            return found
    return None


def clip_label(col: Collection, name: str) -> str:
    """The name to show for a clip: a Markdown note's ``media/<sha>.<ext>`` by the name
    its file had when imported."""
    wanted = html.unescape(name).strip()
    if not wanted.startswith("media/") or col.data_dir is None:
        return wanted
    sha = Path(wanted).stem
    with col._read() as conn:
        row = conn.execute(text("SELECT name FROM media WHERE sha256 = :s"), {"s": sha}).first()
    return str(row[0]) if row is not None else Path(wanted).name
