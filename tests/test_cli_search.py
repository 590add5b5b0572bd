"""``cirrus search``: JSON cards, a parse error pointing at its column, read-only."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from app.cli import main
from tests.conftest import FIXTURES

KEYS = {
    "id",
    "note_guid",
    "ord",
    "deck",
    "due",
    "interval_days",
    "stability",
    "difficulty",
    "retrievability",
    "reviews",
    "lapses",
    "suspended",
    "flag",
}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    folder = str(tmp_path / "data")
    code, _, _ = run(capsys, "import", str(FIXTURES / "decks" / "sample.md"), "--data-dir", folder)
    assert code == 0
    return folder


def test_search_json_lists_the_cards(data: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "search", "deck:Sample* service:service-bus", "--json", "--data-dir", data
    )
    assert code == 0
    result = json.loads(out)
    assert result["query"] == "deck:Sample* service:service-bus"
    assert result["count"] == len(result["cards"]) == 6  # reversed: 2 cards, cloze c1 c2: 2
    assert all(set(card) == KEYS for card in result["cards"])
    dlq = [c for c in result["cards"] if c["note_guid"] == "sample-messaging/sb-dlq"]
    assert sorted(c["ord"] for c in dlq) == [0, 1]
    assert {c["deck"] for c in result["cards"]} == {"Sample::Messaging"}
    assert all(c["due"] is None and c["reviews"] == 0 for c in result["cards"])


def test_search_text_output_and_limit(data: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "search", "deck:Sample*", "--limit", "2", "--data-dir", data)
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 4  # header, two cards, count
    assert lines[-1].endswith("(2 shown)")


def test_parse_error_exits_2_with_the_column(data: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "search", "deck:x (tag:a OR", "--data-dir", data)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "column" in err and "Traceback" not in err
    code, out, _ = run(capsys, "search", "flag:9", "--json", "--data-dir", data)
    assert code == 2
    assert json.loads(out)["kind"] == "search_syntax"
    assert "column 6" in json.loads(out)["error"]


def test_search_writes_nothing(data: str, capsys: pytest.CaptureFixture[str]) -> None:
    db = Path(data) / "collection.sqlite"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    code, out, _ = run(capsys, "search", "is:new", "--json", "--data-dir", data)
    assert code == 0 and json.loads(out)["count"] > 0
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_search_without_a_collection_is_refused(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "search", "dog", "--data-dir", str(tmp_path / "empty"))
    assert code == 2 and "no collection" in err


def test_search_refuses_an_older_schema_it_may_not_upgrade(
    data: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.sqlite import sqlite3

    db = sqlite3.connect(Path(data) / "collection.sqlite")
    db.execute("PRAGMA user_version = 3")
    db.close()
    code, _, err = run(capsys, "search", "dog", "--data-dir", data)
    assert code == 2 and "older Cirrus" in err and "open it once" in err
