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


def test_a_rescheduling_entry_counts_as_the_previous_answer_either_way(
    col: Collection, write_deck
) -> None:
    """The whole-log pass and the per-answer lookup agree on each answer's previous one,
    a rating-0 entry (a manual reschedule in Anki's log) included."""
    col.import_path(write_deck(deck_text(CARDS.format(tag="alpha"))), T0)
    with col.engine.connect() as conn:
        card = conn.execute(text("SELECT MIN(id) FROM card")).scalar_one()
    day = 86_400_000
    start = int(T0.timestamp() * 1000) - 30 * day
    logs = [("r1", 3, start, 0), ("r2", 0, start + 5 * day, 2), ("r3", 1, start + 25 * day, 2)]
    for i, (log_id, rating, at, state) in enumerate(logs):
        with col.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO review_log (id, card_id, rating, reviewed_at, duration_ms, "
                    "state_before, stability_before, last_review_before, reps_before, "
                    "lapses_before, state_after) VALUES (:i, :c, :r, :t, 0, :s, 30.0, :l, 0, 0, 2)"
                ),
                {"i": log_id, "c": card, "r": rating, "t": at, "s": state, "l": start},
            )
        if i == 0:
            col.refresh_stats()  # the first answer counted; the rest come one by one
    col.refresh_stats()
    incremental = _tables(col)
    assert incremental == _rebuilt(col)
    young_fail = sum(row[8] for row in incremental[0] if row[0] == "all")
    assert young_fail == 1  # 20 days after the reschedule: young, not 25 days: mature
