"""`cirrus import` takes Anki's import choices as flags: --duplicates, --match, --merge."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import FIXTURES
from tests.test_cli import run


def _import(capsys, data: Path, path: Path, *flags: str) -> dict:
    code, out, err = run(capsys, "import", str(path), "--json", "--data-dir", str(data), *flags)
    assert code == 0, err
    return json.loads(out)


def test_text_duplicates_and_match_flags(tmp_path: Path, capsys) -> None:
    rows = tmp_path / "rows.tsv"
    rows.write_text("#separator:tab\n#deck:Words\nsol\tsun\nluna\tmoon\n", encoding="utf-8")
    code, out, _ = run(capsys, "import", str(rows), "--preview", "--json")
    assert code == 0 and json.loads(out)["cards"] == 2
    data = tmp_path / "data"
    assert _import(capsys, data, rows)["added"] == 2
    rows.write_text("#separator:tab\n#deck:Words\nsol\tSonne\n", encoding="utf-8")
    kept = _import(capsys, data, rows, "--duplicates", "keep")
    assert (kept["added"], kept["updated"], kept["skipped"]) == (0, 0, 1)
    elsewhere = rows.with_name("other.tsv")
    elsewhere.write_text("#separator:tab\n#deck:Other\nsol\tSol\n", encoding="utf-8")
    added = _import(capsys, data, elsewhere, "--match", "deck")  # not in deck Other: new
    assert (added["added"], added["updated"]) == (1, 0)
    updated = _import(capsys, data, rows)  # the default: update every match of the type
    assert updated["updated"] == 2
    both = _import(capsys, data, rows, "--duplicates", "duplicate")
    assert (both["added"], both["updated"]) == (1, 0)


def test_colpkg_replaces_by_default_and_merges_with_the_flag(tmp_path: Path, capsys) -> None:
    data = tmp_path / "data"
    package = FIXTURES / "anki" / "collection.colpkg"
    first = _import(capsys, data, package)
    assert first["backup"] and Path(first["backup"]).exists() and "removed" in first
    code, out, _ = run(capsys, "import", str(package), "--merge", "--data-dir", str(data))
    assert code == 0 and "backup" not in out and "0 added" in out


def test_previews_count_the_cards_the_import_makes(tmp_path: Path, capsys) -> None:
    reversed_rows = tmp_path / "both.tsv"
    reversed_rows.write_text(
        "#separator:tab\n#notetype:Basic (and reversed card)\nsol\tsun\nluna\tmoon\n",
        encoding="utf-8",
    )
    for path in (reversed_rows, FIXTURES / "decks" / "sample.md"):
        code, out, _ = run(capsys, "import", str(path), "--preview", "--json")
        preview = json.loads(out)
        imported = _import(capsys, tmp_path / "data", path)
        assert code == 0 and preview["cards"] == imported["cards"] > preview["notes"]


def test_a_flag_wins_over_the_files_header(tmp_path: Path, capsys) -> None:
    rows = tmp_path / "rows.tsv"
    rows.write_text("#separator:tab\n#if matches:keep current\nsol\tsun\n", encoding="utf-8")
    code, out, _ = run(capsys, "import", str(rows), "--preview", "--json")
    assert code == 0 and json.loads(out)["file_choices"] == {"duplicates": "keep"}
    data = tmp_path / "data"
    _import(capsys, data, rows)
    rows.write_text("#separator:tab\n#if matches:keep current\nsol\tSonne\n", encoding="utf-8")
    assert _import(capsys, data, rows)["skipped"] == 1  # the header: keep
    assert _import(capsys, data, rows, "--duplicates", "update")["updated"] == 1
