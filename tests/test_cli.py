from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from tests.conftest import FIXTURES


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_decks_json_lists_bundled_decks_with_counts(tmp_path: Path, capsys) -> None:
    code, out, _ = run(capsys, "decks", "--json", "--data-dir", str(tmp_path))
    assert code == 0
    data = json.loads(out)
    assert data["totals"]["decks"] == len(data["decks"]) >= 16
    first = data["decks"][0]
    assert set(first) >= {"name", "uid", "notes", "cards", "new", "learning", "due", "suspended"}
    assert sum(d["cards"] for d in data["decks"]) == data["totals"]["cards"]
    assert all(d["name"].startswith("AI-200::") for d in data["decks"])


def test_import_json_then_reimport(tmp_path: Path, capsys) -> None:
    deck = str(FIXTURES / "decks" / "sample.md")
    code, out, _ = run(capsys, "--data-dir", str(tmp_path), "import", deck, "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["format"], data["added"], data["notes"], data["cards"]) == ("markdown", 5, 5, 7)
    code, out, _ = run(capsys, "import", deck, "--json", "--data-dir", str(tmp_path))
    assert json.loads(out)["unchanged"] == 5


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text("---\ndeck: X\nid: x\n---\n\n## Q\n<!-- id: a; colour: red -->\n")
    code, out, err = run(capsys, "import", str(bad), "--data-dir", str(tmp_path / "d"))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "bad.md:7:" in err and "Traceback" not in err
    code, out, _ = run(capsys, "import", str(bad), "--json", "--data-dir", str(tmp_path / "d"))
    assert code == 2
    assert json.loads(out)["kind"] == "deck_parse"


def test_missing_file_and_wrong_format(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "import", str(tmp_path / "nope.md"), "--data-dir", str(tmp_path))
    assert code == 2 and "no such file" in err
    other = tmp_path / "photo.jpg"
    other.write_bytes(b"\xff\xd8\xff")
    code, _, err = run(capsys, "import", str(other), "--data-dir", str(tmp_path))
    assert code == 2 and "not a format Cirrus imports" in err


def test_lint_reports_problems_with_lines(tmp_path: Path, capsys) -> None:
    deck = tmp_path / "d.md"
    deck.write_text(
        "---\ndeck: X\nid: x\ntags: [domain/1-containers]\n---\n\n"
        "## Q1\n<!-- id: a; source: https://learn.microsoft.com/x; verified: 2026-11-01 -->\nA\n\n"
        "## Q2\n<!-- id: b -->\n\n- [ ] one\n- [x] two\n\n???\n\nB ![x](media/missing.png)\n"
    )
    code, out, _ = run(capsys, "lint", str(deck))
    assert code == 2
    assert f"{deck}:7: card needs exactly one service/<slug> tag" in out
    assert f"{deck}:11: card has no source" in out
    assert f"{deck}:11: multiple-choice card has 2 options" in out
    assert f"{deck}:11: media file 'media/missing.png' not found" in out
    assert f"length cue: {deck}: right option longest in 0 of 1 choice cards (0%)" in out
    code, out, _ = run(capsys, "lint", str(deck), "--json")
    assert json.loads(out)["errors"] >= 4
    assert json.loads(out)["length_cue"] == [
        {"path": str(deck), "choice": 1, "longest": 0, "share": 0.0}
    ]


def test_backup_and_restore_commands(tmp_path: Path, capsys) -> None:
    data = str(tmp_path / "data")
    run(capsys, "import", str(FIXTURES / "decks" / "sample.md"), "--data-dir", data)
    code, out, _ = run(capsys, "backup", "--json", "--data-dir", data)
    assert code == 0
    backup = json.loads(out)["backup"]
    code, out, _ = run(capsys, "restore", backup, "--json", "--data-dir", str(tmp_path / "new"))
    assert code == 0
    assert json.loads(out)["totals"]["notes"] >= 5


def test_config_validates_values(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "config", "day_rollover_hour", "25", "--data-dir", str(tmp_path))
    assert code == 2 and "0 to 23" in err
    code, out, _ = run(capsys, "config", "day_rollover_hour", "6", "--data-dir", str(tmp_path))
    assert code == 0 and "= 6" in out


@pytest.mark.parametrize(
    "line",
    [
        [],
        ["--data-dir", "folder"],
        ["--data-dir", "folder", "--smoke"],
        ["--open", "deck.apkg"],
        ["--open"],
        ["--json", "--data", "folder"],  # an abbreviation, as argparse allows
    ],
)
def test_a_window_start_reads_its_line_as_the_full_parser_does(line: list[str]) -> None:
    """The window's start skips building the sub-commands' parsers; it must read the same
    options from the same line."""
    from app.cli import _parse, _parser

    assert vars(_parse(line)) == vars(_parser().parse_args(line))


def test_a_line_naming_a_command_or_asking_for_help_gets_the_full_parser(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from app.cli import _parse

    assert _parse(["--data-dir", "folder", "decks"]).command == "decks"
    with pytest.raises(SystemExit):
        _parse(["--help"])
    assert "search" in capsys.readouterr().out  # the sub-commands are listed
    with pytest.raises(SystemExit):
        _parse(["nonsense"])
    assert "invalid choice: 'nonsense'" in capsys.readouterr().err
