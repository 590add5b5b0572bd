"""An import base lists the package's rows of a card by their Anki revlog ids: it covers
exactly the review ids a listing of every id covered, and a base written in that older
form (sent by an older Cirrus, kept in a collection or a sync folder) replays the same."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from app.core.models import Rating
from app.storage.collection import Collection
from app.storage.import_reviews import log_id
from app.storage.sync import base_rows, imports
from tests.anki_fsrs_packages import anki_packages
from tests.conftest import T0

CARDS = (
    "SELECT n.uid, c.ord, c.state, c.step, c.stability, c.difficulty, c.due, c.last_review, "
    "c.reps, c.lapses FROM card c JOIN note n ON n.id = c.note_id ORDER BY n.uid, c.ord"
)


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return anki_packages(tmp_path_factory.mktemp("anki"))


def _pending(col: Collection) -> dict[str, dict[str, Any]]:
    with col.engine.connect() as conn:
        return dict(imports.waiting(conn))


def _log_ids(col: Collection) -> dict[str, set[str]]:
    """Every card's review-log ids, as text: what the listing form covered."""
    out: dict[str, set[str]] = {}
    with col.engine.connect() as conn:
        for key, rid in conn.execute(
            text(
                "SELECT n.uid || '/' || c.ord, lower(hex(r.id)) FROM review_log r "
                "JOIN card c ON c.id = r.card_id JOIN note n ON n.id = c.note_id"
            )
        ):
            out.setdefault(str(key), set()).add(str(rid))
    return out


def _card_id(col: Collection, prompt: str) -> int:
    with col.engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT c.id FROM card c JOIN note n ON n.id = c.note_id WHERE n.prompt_md = :p"
                ),
                {"p": prompt},
            ).scalar_one()
        )


def test_the_compact_base_covers_exactly_the_ids_of_the_card_log(
    tmp_path: Path, packages: tuple[Path, Path]
) -> None:
    first, second = packages
    col = Collection.open(tmp_path / "c", tz=UTC, rng=random.Random(1))
    try:
        col.import_path(first, T0)
        bases, logs = _pending(col), _log_ids(col)
        assert len(bases) == 4  # the four cards Anki answered before the first export
        for key, base in bases.items():
            assert base_rows.covered(key, base) == logs[key]
            assert base_rows.SOURCES in base and base_rows.ROWS not in base  # no id listed
        # answered here, then a later export of the same collection merges over the card
        answered = col.answer(_card_id(col, "anki question 0"), Rating.GOOD, T0 + timedelta(1))
        col.import_path(second, T0 + timedelta(2))
        bases, logs = _pending(col), _log_ids(col)
        (key,) = [k for k, b in bases.items() if answered in b.get(base_rows.ROWS, [])]
        assert base_rows.covered(key, bases[key]) == logs[key]
        assert len(logs[key]) > 2  # the answer given here and the package's rows
        assert bases[key][base_rows.ROWS] == [answered]  # only the answer given here
        for key, base in bases.items():
            assert base_rows.covered(key, base) == logs[key]
    finally:
        col.close()


def _old_form(base: dict[str, Any], ids: set[str]) -> dict[str, Any]:
    """The base as it was written when every covered id (``ids``) was listed."""
    return {
        "state": base_rows.state(base),
        "rows": sorted(ids),
        "as_of": base["as_of"],
        "imported_at": base["imported_at"],
    }


def _cards(col: Collection) -> list[tuple]:
    with col.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(CARDS))]


def _synced_pair(
    root: Path, package: Path, old_form: bool
) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """A laptop imports and answers an imported card, then syncs; a desktop syncs. Returns
    the laptop's cards before the sync, and both computers' cards after it."""
    share = root / "share"
    share.mkdir(parents=True)
    laptop = Collection.open(root / "laptop", tz=UTC, rng=random.Random(1))
    desktop = Collection.open(root / "desktop", tz=UTC, rng=random.Random(2))
    try:
        laptop.import_path(package, T0)
        imported = _log_ids(laptop)
        laptop.answer(_card_id(laptop, "anki question 2"), Rating.HARD, T0 + timedelta(3))
        if old_form:
            with laptop.engine.begin() as conn:
                for key, base in _pending(laptop).items():
                    conn.execute(
                        text(
                            'UPDATE sync_register SET "values" = :v WHERE kind = :k AND "key" = :y'
                        ),
                        {
                            "v": json.dumps({"base": _old_form(base, imported[key])}),
                            "k": imports.PENDING,
                            "y": key,
                        },
                    )
        before = _cards(laptop)
        laptop.sync(share, T0 + timedelta(3, minutes=1))
        desktop.sync(share, T0 + timedelta(3, minutes=2))
        return before, _cards(laptop), _cards(desktop)
    finally:
        laptop.close()
        desktop.close()


def test_a_base_in_the_old_listing_form_replays_the_same(
    tmp_path: Path, packages: tuple[Path, Path]
) -> None:
    before, laptop_new, desktop_new = _synced_pair(tmp_path / "new", packages[0], False)
    before_old, laptop_old, desktop_old = _synced_pair(tmp_path / "old", packages[0], True)
    # the sync changes nothing on the computer that imported and answered
    assert laptop_new == before == before_old == laptop_old
    assert desktop_new == laptop_new
    assert desktop_old == laptop_new
    answered = [r for r in desktop_old if r[8] == 4]  # three rows from Anki, one from here
    assert len(answered) == 1


def test_a_base_with_a_broken_listing_is_not_used(tmp_path: Path) -> None:
    col = Collection.open(tmp_path / "c", tz=UTC)
    try:
        with col.engine.begin() as conn:
            for key, sources in (("guid:a/0", "not base64!"), ("guid:b/0", "gA==")):
                base = {"state": [2, None, 3.0, 5.0, 1, 0, 1, 0], "as_of": 0, "sources": sources}
                conn.execute(
                    text(
                        'INSERT INTO sync_register (kind, "key", "values", stamps) '
                        "VALUES ('import', :y, :v, '{}')"
                    ),
                    {"y": key, "v": json.dumps({"base": base})},
                )
            assert imports.base_of(conn, "guid:a/0") is None
            assert imports.base_of(conn, "guid:b/0") is None  # a number cut short
    finally:
        col.close()


@given(st.lists(st.integers(0, 2**47), max_size=40).map(sorted))
def test_source_numbers_come_back_as_written(numbers: list[int]) -> None:
    assert base_rows.decode(base_rows.encode(numbers)) == numbers


def test_rows_not_derived_from_the_package_are_listed_by_id() -> None:
    key = "guid:abc/1"
    derived = [(7, at, log_id("abc", 1, str(at))) for at in (1_700_000_000_000, 5, 0)]
    others = [
        (7, 1_700_000_000_001, uuid.uuid4().bytes),  # an answer given here
        (7, 9, log_id("abc", 1, "another source")),  # from a package, not by its time
        (7, -4, log_id("abc", 1, "-4")),  # a time before 1970
        (7, 3, "merged-text-id"),  # an id kept as text
        (7, 11, log_id("abd", 1, "11")),  # another card's
    ]
    for rows in (derived, derived + others):
        ids, sources = base_rows.split(key, rows)
        base = {base_rows.ROWS: ids, base_rows.SOURCES: base_rows.encode(sources)}
        assert base_rows.covered(key, base) == {
            r.hex() if isinstance(r, bytes) else r for _, _, r in rows
        }
        assert sources == [0, 5, 1_700_000_000_000]


def test_a_few_cards_read_their_rows_as_all_the_cards_do(
    tmp_path: Path, packages: tuple[Path, Path]
) -> None:
    col = Collection.open(tmp_path / "c", tz=UTC, rng=random.Random(1))
    try:
        col.import_path(packages[0], T0)
        answered = _card_id(col, "anki question 0")
        col.answer(answered, Rating.GOOD, T0 + timedelta(1))  # after the import: left out
        with col.engine.connect() as conn:
            cards = [int(r[0]) for r in conn.execute(text("SELECT id FROM card ORDER BY id"))]
            (upto,) = conn.execute(text("SELECT MAX(seq) - 1 FROM review_log")).one()
            every = imports._histories(conn, [(cid, upto) for cid in cards])  # read through
            one = imports._histories(conn, [(answered, upto)])  # looked up by card
        assert len(cards) > 2
        assert sorted(one[0]) == sorted(every[cards.index(answered)])
        assert one[0] and all(r[0] == answered for r in one[0])
    finally:
        col.close()
