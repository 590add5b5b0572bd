"""Scheduling state of an Anki package built by the real Anki, compared with what Anki
reads from the same file: cards in a filtered deck, new-card positions past a million,
and review-log rows of filtered and manual kinds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app.core.models import ANKI_REVLOG_KIND, Rating, ReviewKind
from app.storage.collection import Collection
from tests.conftest import T0
from tests.interop.anki_oracle import export, import_into_anki, new_anki

DAY_MS = 86_400_000
SEARCHES = ("rated:1", "rated:1:3", "introduced:1")


def _answer(col: Any, card_id: int, ease: int) -> None:
    card = col.get_card(card_id)
    card.start_timer()
    col.sched.answerCard(card, ease)


def _package(tmp_path: Path, legacy: bool) -> Path:
    col = new_anki(tmp_path / "anki")
    try:
        basic = col.models.by_name("Basic")
        home = col.decks.id("Home")
        ids = []
        for i in range(7):
            note = col.new_note(basic)
            note["Front"], note["Back"] = f"question {i}", "answer"
            col.add_note(note, home)
            ids.append(note.cards()[0].id)
        for card_id in ids[:4]:
            _answer(col, card_id, 4)  # learning answers: new cards graduate to review
        col.sched.set_due_date([ids[1]], "0")  # a manual row; then a true review
        _answer(col, ids[1], 3)
        col.sched.set_due_date([ids[2]], "7")
        col.sched.set_due_date([ids[6]], "3")  # a new card given a due date: no answer
        col.sched.schedule_cards_as_new([ids[3]], restore_position=True, reset_counts=False)
        for card_id, position in ((ids[4], 3_000_000), (ids[5], 1_500_000)):
            col.sched.reposition_new_cards(
                card_ids=[card_id],
                starting_from=position,
                step_size=1,
                randomize=False,
                shift_existing=False,
            )
        cram = col.decks.new_filtered("Cram")
        deck = col.decks.get(cram)
        deck["terms"] = [["deck:Home is:review", 100, 0]]
        deck["resched"] = False
        col.decks.save(deck)
        col.sched.rebuild_filtered_deck(cram)
        _answer(col, ids[0], 3)  # in the filtered deck, without rescheduling
        return export(col, tmp_path / ("legacy.apkg" if legacy else "modern.apkg"), legacy=legacy)
    finally:
        col.close()


def _anki_reading(package: Path, folder: Path) -> dict[str, Any]:
    col = import_into_anki(package, folder)
    try:
        cards, new_order, filtered = {}, [], 0
        for cid in col.find_cards(""):
            card = col.get_card(cid)
            front = card.note()["Front"]
            home = col.decks.name(card.odid or card.did)
            due = card.odue if card.odid else card.due
            filtered += bool(card.odid)
            if card.type == 0:
                new_order.append((due, front))
                cards[front] = (home, None)
            else:
                cards[front] = (home, (col.crt + due * 86_400) * 1000 // DAY_MS)
        revlog = sorted(
            (rid, ease, kind) for rid, ease, kind in col.db.all("SELECT id, ease, type FROM revlog")
        )
        rated = {
            query: sorted(col.get_card(c).note()["Front"] for c in col.find_cards(query))
            for query in SEARCHES
        }
        return {
            "rated": rated,
            "cards": cards,
            "new_order": [front for _, front in sorted(new_order)],
            "revlog": revlog,
            "in_filtered": filtered,
        }
    finally:
        col.close()


@pytest.mark.parametrize("legacy", [False, True])
def test_schedule_state_equals_anki_s(tmp_path: Path, legacy: bool) -> None:
    package = _package(tmp_path, legacy)
    expected = _anki_reading(package, tmp_path / "oracle")
    assert expected["in_filtered"] >= 2  # the package really has cards in a filtered deck
    assert {kind for *_, kind in expected["revlog"]} >= {0, 1, 3, 4}
    col = Collection.open(tmp_path / "cirrus")
    try:
        col.import_path(package, T0)
        with col.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT n.prompt_md, d.name, c.state, c.due FROM card c "
                    "JOIN note n ON n.id = c.note_id JOIN deck d ON d.id = n.deck_id"
                )
            ).all()
            logs = conn.execute(
                text("SELECT reviewed_at, rating, kind FROM review_log ORDER BY reviewed_at")
            ).all()
        cards = {
            front: (deck, None if state == 0 else int(due) // DAY_MS)
            for front, deck, state, due in rows
        }
        assert cards == expected["cards"]
        assert [tuple(r) for r in logs] == [
            (rid, ease, int(ANKI_REVLOG_KIND.get(kind, ReviewKind.SCHEDULED)))
            for rid, ease, kind in expected["revlog"]
        ]
        home = next(g for g in col.stats("deck", T0) if g.key == "Home")
        counts = home.retention["all"]
        counted = counts.young_pass + counts.young_fail + counts.mature_pass + counts.mature_fail
        assert counted == sum(1 for *_, kind in expected["revlog"] if kind == 1)
        for query, fronts in expected["rated"].items():
            found = sorted(col.card(i).prompt for i in col.search_cards(query))
            assert found == fronts, query
        new_order = []
        after = datetime.now(UTC) + timedelta(days=1)  # after the package's own reviews
        while (card := col.next_card(after, "Home")) is not None and card.memory.state == 0:
            new_order.append(card.prompt)
            col.answer(card.card_id, Rating.EASY, after)
        assert new_order == expected["new_order"]
    finally:
        col.close()
