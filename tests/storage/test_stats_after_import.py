"""An import leaves the statistics aggregates alone unless it moves counted answers to
another deck or tag; either way they equal a rebuild from the whole review log."""

from __future__ import annotations

from sqlalchemy import text

from app.core.models import Rating
from app.storage import stats_repo
from app.storage.collection import Collection
from tests.conftest import T0, deck_text

CARDS = "## One\n<!-- id: one; tags: service/{tag} -->\nx\n\n## Two\n<!-- id: two -->\ny\n"


def _tables(col: Collection) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with col.engine.connect() as conn:
        day = conn.execute(text("SELECT * FROM review_day_stats ORDER BY 1, 2")).all()
        cal = conn.execute(text("SELECT * FROM calibration_stats ORDER BY 1, 2")).all()
    return [tuple(r) for r in day], [tuple(r) for r in cal]


def _rebuilt(col: Collection) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with col.engine.begin() as conn:
        stats_repo.rebuild(conn)
    col.refresh_stats()
    return _tables(col)


def _watermark(col: Collection) -> int:
    return int(col.setting(stats_repo.WATERMARK, 0))


def _answer_all(col: Collection) -> None:
    while (card := col.next_card(T0)) is not None:
        col.answer(card.card_id, Rating.GOOD, T0)


def test_adding_a_deck_keeps_the_aggregates(col: Collection, write_deck) -> None:
    col.import_path(write_deck(deck_text(CARDS.format(tag="alpha"))), T0)
    _answer_all(col)
    col.refresh_stats()
    mark = _watermark(col)
    assert mark > 0
    other = deck_text(CARDS.format(tag="beta"), deck="Other", uid="other")
    col.import_path(write_deck(other, name="other.md"), T0)
    col._settings.clear()
    assert _watermark(col) == mark  # nothing was thrown away
    kept = _tables(col)
    assert kept == _rebuilt(col)


def test_a_retagged_note_moves_its_answers(col: Collection, write_deck) -> None:
    path = write_deck(deck_text(CARDS.format(tag="alpha")))
    col.import_path(path, T0)
    _answer_all(col)
    answered = {g.key: g.reviews for g in col.stats("service", T0)}["alpha"]
    assert answered > 0
    write_deck(deck_text(CARDS.format(tag="beta")))  # same file, the tag changed
    col.import_path(path, T0)
    stats = {g.key: g.reviews for g in col.stats("service", T0)}
    assert stats.get("beta") == answered and not stats.get("alpha")
    assert _tables(col) == _rebuilt(col)
