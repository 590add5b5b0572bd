"""A full disk gives a clear message and loses nothing that was saved."""

from __future__ import annotations

from sqlalchemy import text

from app.core.errors import CirrusError
from app.core.models import Rating
from app.storage.collection import Collection
from tests.conftest import FIXTURES, T0


def _fill_up(col: Collection) -> None:
    # The in-memory engine has one connection: capping its size makes SQLite report a full disk.
    with col.engine.connect() as conn:
        pages = conn.execute(text("PRAGMA page_count")).scalar_one()
        conn.execute(text(f"PRAGMA max_page_count = {pages}"))


def test_answer_on_a_full_disk_is_refused_cleanly(col: Collection) -> None:
    col.import_path(FIXTURES / "decks" / "sample.md", T0)
    card = col.next_card(T0)
    col.answer(card.card_id, Rating.GOOD, T0)
    saved = col.card(card.card_id)
    _fill_up(col)
    other = col.next_card(T0).card_id
    failed = False
    for step in range(200):
        before, logs = col.card(other), col.totals()["review_logs"]
        try:
            col.answer(other, Rating.GOOD, T0 + (step + 1) * (T0 - T0.replace(hour=11)))
        except CirrusError as exc:
            assert "disk is full" in str(exc)
            assert col.card(other) == before  # the transaction rolled back whole
            assert col.totals()["review_logs"] == logs
            failed = True
            break
    assert failed, "the capped database never filled up"
    assert col.card(card.card_id) == saved
