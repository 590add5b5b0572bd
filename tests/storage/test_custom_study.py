from __future__ import annotations

from datetime import timedelta

from app.core.day_summary import reasons, session_line
from app.core.models import Rating
from app.storage.collection import Collection
from tests.conftest import T0, deck_text


def _deck(n: int) -> str:
    return "".join(f"## q {i}\n<!-- id: q{i} -->\nA {i}\n\n" for i in range(n))


def test_the_done_screen_says_why_nothing_is_left(col: Collection, write_deck) -> None:
    col.import_path(write_deck(deck_text(_deck(25))), T0)
    for i in range(20):
        card = col.next_card(T0)
        col.answer(card.card_id, Rating.AGAIN if i < 2 else Rating.EASY, T0, duration_ms=6000)
    # The two forgotten cards are in learning, due in a minute; the limit stops new ones.
    now = T0 + timedelta(seconds=30)
    summary = col.custom_study.summary(now, "Test::Sub")
    assert (summary.answers, summary.again) == (20, 2)
    assert summary.minutes == 2.0
    assert summary.left.new == 0 and summary.limited_new == 5
    assert summary.next_learning is not None
    text = " ".join(reasons(summary, now))
    assert "5 new cards wait: today's new-card limit is reached." in text
    assert "Learning cards come back later today" in text
    assert "Today: 20 cards in 2 min · Again 10%" in session_line(summary)


def test_buried_siblings_are_counted(col: Collection, write_deck) -> None:
    col.import_path(write_deck(deck_text("## Term\n<!-- id: t; type: reversed -->\nDef\n")), T0)
    card = col.next_card(T0)
    col.answer(card.card_id, Rating.EASY, T0)
    summary = col.custom_study.summary(T0, None)
    assert summary.buried_siblings == 1
    assert "1 sibling card of cards you answered today waits until tomorrow." in reasons(
        summary, T0
    )


def test_custom_study_sessions(col: Collection, write_deck) -> None:
    col.import_path(write_deck(deck_text(_deck(30), tags="[t, service/aks]")), T0)
    answered = []
    for i in range(20):
        card = col.next_card(T0)
        answered.append(card.card_id)
        col.answer(card.card_id, Rating.AGAIN if i % 5 == 0 else Rating.EASY, T0)
    study = col.custom_study
    assert study.forgotten(T0, None) == answered[::5]
    assert col.counts(T0).new == 0
    study.raise_limits(T0, "Test::Sub", 5, 0)
    assert col.counts(T0, "Test::Sub").new == 5
    ahead = study.ahead(T0, None, days=30)
    assert len(ahead) == 16 and set(ahead) <= set(answered)
    assert len(study.tagged(None, "service/aks")) == 30
    assert study.tags("service/") == ["service/aks"]


def test_the_day_summary_counts_follow_suspends_and_answers(col: Collection, write_deck) -> None:
    col.import_path(write_deck(deck_text(_deck(30))), T0)
    first = col.custom_study.summary(T0, None)
    assert first.available.new == 30 and first.answers == 0
    card = col.next_card(T0)
    col.answer(card.card_id, Rating.GOOD, T0, duration_ms=4000)
    other = col.next_card(T0)
    col.card_actions.suspend(other.card_id)  # a write beside the answer path
    later = col.custom_study.summary(T0 + timedelta(seconds=5), None)
    assert (later.answers, later.available.new, later.available.learning) == (1, 28, 1)


def test_the_deck_list_descriptions_come_with_every_deck(col: Collection, write_deck) -> None:
    col.import_path(write_deck(deck_text(_deck(3))), T0)
    descriptions = col.deck_descriptions()
    assert set(descriptions) == {d.name for d in col.decks(T0)}
    assert descriptions == {d.name: d.description for d in col.decks(T0)}
