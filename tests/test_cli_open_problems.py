"""A collection that cannot be opened: one clear line, exit 2, and nothing replaced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.storage.collection import DB_NAME, Collection
from tests.conftest import FIXTURES, T0
from tests.read_only_folder import read_only_folder

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


def test_a_read_only_folder_is_called_read_only(tmp_path: Path, capsys) -> None:
    with read_only_folder(tmp_path) as folder:
        code, out, _ = run(capsys, "import", str(SAMPLE), "--json", "--data-dir", str(folder))
        assert code == 2
        assert out["kind"] == "read_only"
        assert "read-only" in out["error"] and "damaged" not in out["error"]
        # Reading still works: the file cannot change, so SQLite reads it in place.
        code, out, _ = run(capsys, "decks", "--json", "--data-dir", str(folder))
        assert code == 0 and out["totals"]["notes"] == 5
        code, out, _ = run(capsys, "stats", "--json", "--by", "deck", "--data-dir", str(folder))
        assert code == 0 and out["groups"][0]["cards"] == 7
