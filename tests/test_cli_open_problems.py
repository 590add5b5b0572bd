"""A collection that cannot be opened: one clear line, exit 2, and nothing replaced."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli import main
from app.storage.collection import DB_NAME, Collection
from tests.conftest import FIXTURES, T0

SAMPLE = FIXTURES / "decks" / "sample.md"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else {}), err


@pytest.mark.parametrize(
    "name", ["with space", "100% sure", "what?", "#hash", "a?b=c#d%20e", "Ünïcødé ñ 学习"]
)
def test_data_paths_with_special_characters_work(tmp_path: Path, capsys, name: str) -> None:
    data = tmp_path / name
    code, out, err = run(capsys, "--data-dir", str(data), "import", str(SAMPLE), "--json")
    assert (code, err) == (0, "")
    assert out["added"] == 5
    code, out, _ = run(capsys, "decks", "--json", "--data-dir", str(data))
    assert code == 0
    assert "Sample" in {d["name"].split("::")[0] for d in out["decks"]}
    assert (data / DB_NAME).stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no stray database


def test_a_zero_byte_collection_is_refused_and_kept(tmp_path: Path, capsys) -> None:
    (tmp_path / DB_NAME).write_bytes(b"")
    for command in (["decks"], ["import", str(SAMPLE)], ["stats"]):
        code, out, _ = run(capsys, *command, "--json", "--data-dir", str(tmp_path))
        assert code == 2
        assert out["kind"] == "damaged"
        assert "empty (0 bytes)" in out["error"]
    assert (tmp_path / DB_NAME).stat().st_size == 0  # not replaced by an empty collection
    code = main(["decks", "--data-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("cirrus: ")


def test_a_truncated_collection_is_refused_and_kept(tmp_path: Path, capsys) -> None:
    col = Collection.open(tmp_path)
    col.import_path(SAMPLE, T0)
    col.close()
    path = tmp_path / DB_NAME
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    code, out, _ = run(capsys, "decks", "--json", "--data-dir", str(tmp_path))
    assert code == 2
    assert out["kind"] == "damaged"
    assert "cut short" in out["error"]
    assert path.read_bytes() == whole[: len(whole) // 2]


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A data folder holding a collection, then made read-only (a read-only mount as root,
    where permission bits do not stop writes; the permission bits otherwise)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    mounted = False
    if os.geteuid() == 0:
        made = subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(folder)], capture_output=True)
        if made.returncode != 0:
            pytest.skip("running as root without the right to mount a read-only folder")
        mounted = True
    col = Collection.open(folder)
    col.import_path(SAMPLE, T0)
    col.close()
    if mounted:
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
    else:
        for p in folder.rglob("*"):
            p.chmod(0o555 if p.is_dir() else 0o444)
        folder.chmod(0o555)
    try:
        yield folder
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=True)
        else:
            folder.chmod(0o755)


def test_a_read_only_folder_is_called_read_only(read_only_folder: Path, capsys) -> None:
    code, out, _ = run(capsys, "import", str(SAMPLE), "--json", "--data-dir", str(read_only_folder))
    assert code == 2
    assert out["kind"] == "read_only"
    assert "read-only" in out["error"] and "damaged" not in out["error"]
    # Reading still works where SQLite can read the file in place.
    code, out, _ = run(capsys, "decks", "--json", "--data-dir", str(read_only_folder))
    if code == 0:
        assert out["totals"]["notes"] == 5
    else:
        assert out["kind"] == "read_only" and "damaged" not in out["error"]
