"""Search on Cirrus's own notes: Markdown fields, services, domains, sources, orders."""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core import search as s
from app.core.search import SearchError, Text, parse
from app.sqlite import sqlite3
from app.storage.collection import Collection
from app.storage.search_props import SearchClock
from app.storage.search_sql import compile_search
from app.storage.search_text import FIELDS_TEXT, register_functions, to_like
from tests.conftest import FIXTURES, T0
from tests.core.test_search_parser import _QUERIES

CLOCK = SearchClock(now=0, day_start=0, day_end=1, factor=19 / 81, decay=-0.5)


@pytest.fixture
def sample(col: Collection) -> Collection:
    col.import_path(FIXTURES / "decks" / "sample.md", T0)
    return col


def _guids(col: Collection, query: str) -> set[str]:
    return {r.note_guid.split("/")[-1] for r in col.card_rows(col.search_cards(query, now=T0))}


def test_markdown_fields_and_free_text(sample: Collection) -> None:
    assert _guids(sample, "sessionid") == {"sb-sessions", "sb-scenario"}
    assert _guids(sample, "prompt:dead-letter*") == {"sb-dlq"}
    assert _guids(sample, "answer:*SessionId*") == {"sb-sessions", "sb-scenario"}
    assert _guids(sample, "front:*summarize*") == {"kql-count"}
    assert _guids(sample, "note:reversed") == {"sb-dlq"}
    assert "sb-premium" in _guids(sample, "note:cloze")


def test_services_domains_sources_and_tags(sample: Collection) -> None:
    every = _guids(sample, "")
    assert _guids(sample, "service:service-bus") == {
        "sb-sessions",
        "sb-dlq",
        "sb-premium",
        "sb-scenario",
    }
    assert _guids(sample, "service:monitor") == {"kql-count"}
    assert _guids(sample, "service:*") == _guids(sample, "tag:service")
    assert _guids(sample, "domain:3-connect") == every  # a deck-level tag
    assert _guids(sample, "tag:domain::3-connect") == _guids(sample, "tag:domain/3-connect")
    assert _guids(sample, "source:*message-sessions*") == {"sb-sessions", "sb-scenario"}
    assert _guids(sample, "source:kusto") == {"kql-count"}
    assert _guids(sample, "-service:service-bus") == every - _guids(sample, "service:service-bus")


def test_reversed_note_has_two_cards_and_card_ord_selects(sample: Collection) -> None:
    rows = sample.card_rows(sample.search_cards("note:reversed", now=T0))
    assert sorted(r.ord for r in rows) == [0, 1]
    assert [r.ord for r in sample.card_rows(sample.search_cards("note:reversed card:2"))] == [1]
    assert rows[0].note_guid == "sample-messaging/sb-dlq"
    assert rows[0].deck == "Sample::Messaging"


def test_orders_limit_and_rows_keep_the_order(sample: Collection) -> None:
    ids = sample.search_cards("", order="sort_field")
    prompts = [r.sort_field for r in sample.card_rows(ids)]
    assert prompts == sorted(prompts)
    backwards = sample.search_cards("", order="sort_field", descending=True)
    assert [r.sort_field for r in sample.card_rows(backwards)] == prompts[::-1]
    assert sample.search_cards("", order="id", limit=2) == sorted(ids)[:2]
    with pytest.raises(ValueError, match="unknown order"):
        sample.search_cards("", order="colour")


def test_answers_change_what_state_and_rated_searches_find(sample: Collection) -> None:
    from app.core.models import Rating

    assert sample.search_cards("is:review") == []
    card = sample.next_card(T0)
    assert card is not None
    sample.answer(card.card_id, Rating.EASY, T0)
    assert sample.search_cards("is:review", now=T0) == [card.card_id]
    assert sample.search_cards("rated:1:4", now=T0) == [card.card_id]
    assert sample.search_cards("rated:1:3", now=T0) == []
    assert card.card_id not in sample.search_cards("is:new", now=T0)
    assert sample.search_cards("introduced:1 prop:reps=1", now=T0) == [card.card_id]


def test_a_bad_query_raises_the_search_error(sample: Collection) -> None:
    with pytest.raises(SearchError) as info:
        sample.search_cards('deck:"unclosed')
    assert info.value.position == 5
    assert info.value.exit_code == 2


def test_read_only_search_works_while_a_writer_holds_the_lock(tmp_path: Path) -> None:
    writer = Collection.open(tmp_path)
    writer.import_path(FIXTURES / "decks" / "sample.md", T0)
    expected = writer.search_cards("service:service-bus")
    db = sqlite3.connect(tmp_path / "collection.sqlite")
    db.execute("BEGIN IMMEDIATE")
    db.execute("UPDATE note SET mtime = mtime + 1")
    reader = Collection.open_readonly(tmp_path)
    try:
        assert reader.search_cards("service:service-bus") == expected
        with pytest.raises(Exception, match=r"readonly"), reader.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE note SET mtime = 0")
    finally:
        reader.close()
        db.rollback()
        db.close()
        writer.close()


# No \x1f: Anki separates fields with it, so no imported field holds one.
_FIELD_CHARS = st.sampled_from([*'ab d"\\,[]:*_%\n\t', "é", "日"])


@settings(max_examples=200)
@given(st.lists(st.text(_FIELD_CHARS, max_size=6), max_size=4))
def test_fields_text_rebuilds_ankis_joined_fields(fields: list[str]) -> None:
    stored = json.dumps(fields, ensure_ascii=False)
    with closing(sqlite3.connect(":memory:")) as db:
        got = db.execute(f"SELECT {FIELDS_TEXT} FROM (SELECT ? AS fields) n", (stored,)).fetchone()
    assert got[0] == "\x1f".join(fields)


@settings(max_examples=300)
@given(
    st.lists(st.text(_FIELD_CHARS, max_size=6), min_size=1, max_size=3),
    st.text(st.sampled_from([*'ab d"\\,[]*_%', "é"]), min_size=1, max_size=4),
)
def test_free_text_on_fields_matches_like_on_ankis_joined_fields(
    fields: list[str], query: str
) -> None:
    """Whatever path the compiled condition takes, it agrees with LIKE on Anki's flds."""
    text = "".join("\\\\" if c == "\\" else c for c in query)  # a search-text value
    with closing(sqlite3.connect(":memory:")) as db:
        register_functions(db)
        db.execute("CREATE TABLE notetype (id, cloze)")
        db.execute("CREATE TABLE note (prompt_md, front_md, answer_md, fields, notetype_id)")
        db.execute(
            "INSERT INTO note VALUES ('', '', '', ?, 1)", (json.dumps(fields, ensure_ascii=False),)
        )
        db.execute("CREATE TABLE flds (v)")
        db.execute("INSERT INTO flds VALUES (?)", ("\x1f".join(fields),))
        like = "%" + to_like(text) + "%"
        expected = db.execute("SELECT v LIKE ? ESCAPE '\\' FROM flds", (like,)).fetchone()[0]
        where, params = compile_search(db, Text(text), CLOCK)
        got = db.execute(f"SELECT {where} FROM note n", params).fetchone()[0]
    assert bool(got) == bool(expected)


@pytest.fixture(scope="module")
def mixed() -> Collection:
    """Markdown notes and Anki notes with several note types."""
    collection = Collection.in_memory()
    collection.import_path(FIXTURES / "decks" / "sample.md", T0)
    collection.import_path(FIXTURES / "anki" / "genanki_basic.apkg", T0)
    yield collection
    collection.close()


@settings(max_examples=300, deadline=None)
@given(_QUERIES)
def test_every_query_that_parses_runs(mixed: Collection, query: str) -> None:
    """No parsed query fails in SQL, and a negated query finds exactly the other cards."""
    sample = mixed
    try:
        tree = parse(query)
    except SearchError:
        return
    ids = sample.search_cards(tree, now=T0)
    assert len(ids) == len(set(ids))
    negated = set(sample.search_cards(s.Not(tree), now=T0)) if tree != s.Everything() else set()
    if "prop:s" not in query and "prop:d" not in query:  # unknown memory: neither side
        assert negated == set(sample.search_cards("", now=T0)) - set(ids)


_DAY = 86_400_000


@settings(max_examples=300)
@given(
    st.sampled_from([0, 1, 2, 3]),
    st.one_of(st.none(), st.integers(-2 * _DAY, 2 * _DAY)),
    st.one_of(st.none(), st.integers(-400 * _DAY, 40 * _DAY)),
    st.one_of(st.none(), st.floats(0.01, 500)),
    st.sampled_from(["<", ">", "<=", ">=", "=", "!="]),
    st.integers(0, 60),
    st.integers(0, _DAY - 1),
)
def test_interval_search_agrees_with_the_interval_it_stands_for(
    state: int,
    near: int | None,
    last: int | None,
    stability: float | None,
    op: str,
    days: int,
    day_start: int,
) -> None:
    """``prop:ivl`` decides most cards by one subtraction; the answer is the interval's
    (cards due within two days of the limit, where the shortcut must not decide)."""
    due = None if near is None or last is None else last + days * _DAY + near
    clock = SearchClock(
        now=day_start, day_start=day_start, day_end=day_start + _DAY, factor=19 / 81, decay=-0.5
    )
    with closing(sqlite3.connect(":memory:")) as db:
        db.execute("CREATE TABLE card (id, state, due, last_review, stability)")
        db.execute("INSERT INTO card VALUES (1, ?, ?, ?, ?)", (state, due, last, stability))
        where, params = compile_search(db, parse(f"prop:ivl{op}{days}"), clock)
        got = db.execute(f"SELECT count(*) FROM card c WHERE {where}", params).fetchone()[0]
        interval = clock.interval_sql()
        expected = db.execute(
            f"SELECT count(*) FROM card c WHERE coalesce({interval}, 0) {op} {days}"
        ).fetchone()[0]
    assert got == expected
