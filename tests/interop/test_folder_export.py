"""A Markdown folder export is written beside its target and renamed into place."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.deck_parser import parse_deck_file
from app.core.errors import CirrusError
from app.interop import folder_write
from app.storage.collection import Collection
from tests.conftest import FIXTURES, T0


@pytest.fixture
def source() -> Collection:
    col = Collection.in_memory()
    col.import_path(FIXTURES / "decks" / "sample.md", T0)
    yield col
    col.close()


def test_a_failed_export_leaves_no_folder_and_no_work_folder(
    source: Collection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "export"
    real_fsync = os.fsync

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(folder_write.os, "fsync", disk_full)
    with pytest.raises(CirrusError, match="No space left"):
        source.export(out, "md", now=T0)
    monkeypatch.setattr(folder_write.os, "fsync", real_fsync)
    assert list(tmp_path.iterdir()) == []  # neither a half folder nor its work folder

    source.export(out, "md", now=T0)
    assert [p.name for p in out.iterdir()] == ["sample-messaging.md"]
    assert len(parse_deck_file(out / "sample-messaging.md").notes) == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]


def test_export_into_an_existing_folder_replaces_its_files_and_keeps_others(
    source: Collection, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    out.mkdir()
    (out / "sample-messaging.md").write_text("old")
    (out / "README.txt").write_text("mine")
    source.export(out, "md", now=T0)
    assert (out / "README.txt").read_text() == "mine"
    assert len(parse_deck_file(out / "sample-messaging.md").notes) == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]


def test_work_folders_of_a_killed_export_are_removed_next_time(
    source: Collection, tmp_path: Path
) -> None:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale = tmp_path / f".export.cirrus-{int(child.stdout)}-abcd1234"
    stale.mkdir()
    (stale / "half.md").write_text("half")
    live = tmp_path / ".export.cirrus-1-abcd1234"  # pid 1 still runs
    live.mkdir()
    source.export(tmp_path / "export", "md", now=T0)
    assert sorted(p.name for p in tmp_path.iterdir()) == [live.name, "export"]


def test_a_file_in_the_way_is_refused(source: Collection, tmp_path: Path) -> None:
    from app.core.errors import BadInputError

    (tmp_path / "export").write_text("a file")
    with pytest.raises(BadInputError, match="is not a folder"):
        source.export(tmp_path / "export", "md", now=T0)
