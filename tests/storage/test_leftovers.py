"""Leftovers of killed processes are removed at the next open; committed media survive."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from app.storage import media_staging
from app.storage.collection import Collection
from tests.conftest import T0


def dead_pid() -> int:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(child.stdout)


def media_pack(root: Path, count: int, name: str = "pack") -> Path:
    """A Markdown pack of ``count`` cards, each with its own picture (unique per ``name``)."""
    pack = root / name
    (pack / "img").mkdir(parents=True)
    cards = []
    for i in range(count):
        body = f"{name}/{i}".encode() * 64
        (pack / "img" / f"p{i}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + body)
        cards.append(f"## Card {i}?\n<!-- id: c{i} -->\n\n![p](img/p{i}.png)\n")
    (pack / "deck.md").write_text(
        f"---\ndeck: Pictures::{name}\nid: {name}\n---\n\n" + "\n".join(cards),
        encoding="utf-8",
    )
    return pack


def media_state(data: Path) -> tuple[set[str], set[str]]:
    """(stored files in the media folder, sha256 of every media row)."""
    col = Collection.open(data)
    try:
        with col.engine.connect() as conn:
            rows = {r[0] for r in conn.execute(text("SELECT sha256 FROM media"))}
    finally:
        col.close()
    media = data / "media"
    files = {p.name.split(".")[0] for p in media.iterdir()} if media.is_dir() else set()
    return files, rows


def test_open_removes_what_killed_processes_left(tmp_path: Path) -> None:
    data = tmp_path / "data"
    Collection.open(data).close()
    pid = dead_pid()
    work = data / "tmp" / f"import-{pid}-abc"
    (work / "media").mkdir(parents=True)
    for i in range(5):
        (work / "media" / f"{i}.jpg").write_bytes(b"x")
    stage = data / "tmp" / f"stage-{pid}-def"
    stage.mkdir()
    (stage / ("a" * 64 + ".png")).write_bytes(b"never committed")
    busy = data / "tmp" / "import-1-live"  # pid 1 runs: its folder is in use
    busy.mkdir()
    (data / "media").mkdir()
    (data / "media" / ("b" * 64 + ".png.part")).write_bytes(b"half")
    (data / "collection.sqlite.restoring").write_bytes(b"half a backup")
    backups = data / "backups"
    backups.mkdir()
    (backups / ".backup-x1y2.sqlite").write_bytes(b"raw copy")
    (backups / "cirrus-20261126-120000.sqlite.zst.part").write_bytes(b"half")
    good = backups / "cirrus-20261125-120000.sqlite.zst"
    good.write_bytes(b"a finished backup")
    usb = tmp_path / "usb"
    col = Collection.open(data)
    col.set_setting("backup_dir", str(usb))
    col.backup(T0)
    col.close()
    (usb / ".backup-q.sqlite").write_bytes(b"raw copy")

    Collection.open(data).close()

    assert sorted(p.name for p in (data / "tmp").iterdir()) == ["import-1-live"]
    assert list((data / "media").iterdir()) == []
    assert not (data / "collection.sqlite.restoring").exists()
    assert sorted(p.name for p in backups.iterdir()) == [good.name]
    assert [p.name for p in usb.iterdir()] == ["cirrus-20261126-120000.sqlite.zst"]


def test_media_of_a_committed_import_killed_before_the_move_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    pack = media_pack(tmp_path, 12)
    col = Collection.open(data)
    monkeypatch.setattr(media_staging.MediaStaging, "commit", lambda self: 0)  # "killed"
    summary = col.import_path(pack, T0)
    col.close()
    assert summary.media == 12
    (stage,) = (data / "tmp").iterdir()
    assert len(list(stage.iterdir())) == 12
    stage.rename(stage.with_name(f"stage-{dead_pid()}-x"))  # its process is gone
    monkeypatch.undo()

    files, rows = media_state(data)
    assert len(rows) == 12
    assert files == rows
    assert list((data / "tmp").iterdir()) == []


def test_a_failed_import_leaves_no_media_and_no_staging(tmp_path: Path) -> None:
    from app.core.errors import ImportCancelled

    data = tmp_path / "data"
    pack = media_pack(tmp_path, 12)
    col = Collection.open(data)

    def cancel(done: int, total: int) -> None:
        raise ImportCancelled("cancelled")

    with pytest.raises(ImportCancelled):
        col.import_path(pack, T0, progress=cancel)
    col.close()
    assert not (data / "media").exists() or list((data / "media").iterdir()) == []
    assert list((data / "tmp").iterdir()) == []


def test_an_import_stopped_while_making_its_staging_folder_leaves_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM (raised as KeyboardInterrupt) between the folder's creation and its use."""
    from app.storage import media_staging

    made = media_staging.new_temp_folder

    def made_then_stopped(data_dir: Path, purpose: str) -> Path:
        made(data_dir, purpose)
        raise KeyboardInterrupt

    monkeypatch.setattr(media_staging, "new_temp_folder", made_then_stopped)
    data = tmp_path / "data"
    col = Collection.open(data)
    with pytest.raises(KeyboardInterrupt):
        col.import_path(media_pack(tmp_path, 3), T0)
    col.close()
    assert list((data / "tmp").iterdir()) == []
