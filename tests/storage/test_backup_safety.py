"""A backup stamped in the future, and a backup folder that cannot be written."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest

from app.cli import main
from app.storage import backups
from app.storage.backups import BackupFailed
from app.storage.collection import Collection
from tests.conftest import T0


def _stamp(folder: Path, when) -> Path:  # type: ignore[no-untyped-def]
    path = folder / f"cirrus-{when:%Y%m%d-%H%M%S}.sqlite.zst"
    path.write_bytes(b"x")
    return path


def test_a_future_backup_does_not_stop_daily_backups_or_rotation(tmp_path: Path) -> None:
    col = Collection.open(tmp_path / "data")
    folder = col.backup_dir()
    folder.mkdir(parents=True, exist_ok=True)
    future = _stamp(folder, T0 + timedelta(days=400))  # a clock once set a year ahead
    try:
        written = []
        for day in range(10):
            path = col.backup_if_due(T0 + timedelta(days=day))
            assert path is not None, f"day {day}: no daily backup was written"
            written.append(path)
            assert path.exists()  # rotation never removes the backup just written
        assert col.backup_if_due(T0 + timedelta(days=9, hours=3)) is None  # once a day
    finally:
        col.close()
    kept = {p for _, p in backups.rotated_backups(folder)}
    assert kept == set(written[-7:]) | {future}


def test_many_future_backups_keep_only_the_newest_few(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    futures = [_stamp(folder, T0 + timedelta(days=100 + d)) for d in range(10)]
    today = _stamp(folder, T0)
    deleted = backups.rotate(folder, now=T0)
    assert today.exists()
    assert set(deleted) == set(futures[:3])  # the oldest three of the ten future ones
    assert backups.last_backup_time(folder, T0) == T0.replace(microsecond=0)


def _blocked_folder(tmp_path: Path, data: Path) -> Path:
    """A chosen backup folder that can no longer be created (runs as root too): the drive
    it was on is gone and a file now stands where its parent was."""
    folder = tmp_path / "usb" / "cirrus"
    assert main(["config", "backup_dir", str(folder), "--data-dir", str(data)]) == 0
    folder.parent.rename(tmp_path / "usb-gone")
    (tmp_path / "usb").write_text("not a folder")
    return folder


def test_unwritable_backup_folder_is_one_clear_cli_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "data")
    blocked = _blocked_folder(tmp_path, tmp_path / "data")
    capsys.readouterr()
    assert main(["backup", "--data-dir", data]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"cirrus: cannot write backups to {blocked}: a file is in the way")
    assert main(["backup", "--json", "--data-dir", data]) == 1
    reply = json.loads(capsys.readouterr().out)
    assert reply["kind"] == "backup_failed" and str(blocked) in reply["error"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_read_only_backup_folder_says_permission_denied(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    col = Collection.open(tmp_path / "data")
    try:
        col.set_setting("backup_dir", str(folder))
        with pytest.raises(BackupFailed, match="permission denied"):
            col.backup(T0)
    finally:
        col.close()
        folder.chmod(0o700)
    assert list(folder.iterdir()) == []
