from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import text

from app.core.errors import BadInputError
from app.core.models import Rating
from app.core.presets import LEECH_SUSPEND, format_steps, is_leech, parse_steps
from app.storage.collection import Collection
from tests.conftest import T0, deck_text


def _cards(n: int, prefix: str = "q") -> str:
    return "".join(f"## {prefix} {i}\n<!-- id: {prefix}{i} -->\nAnswer {i}\n\n" for i in range(n))


def _two_decks(col: Collection, write_deck) -> None:
    write_deck(deck_text(_cards(30, "a"), "Top::A", "a"), "a.md")
    path = write_deck(deck_text(_cards(30, "b"), "Top::B", "b"), "b.md")
    col.import_path(path.parent, T0)


def test_presets_are_added_cloned_renamed_saved_and_deleted(col: Collection, write_deck) -> None:
    _two_decks(col, write_deck)
    options = col.deck_options
    default = options.deck_preset("Top::A")
    assert default.id == 1 and default.new_per_day == 20
    light = options.add("Light")
    options.save(replace(options.preset(light), new_per_day=5, learning_steps=(60, 300)))
    clone = options.add("Light", clone_of=light)  # a second "Light" gets a new name
    assert options.preset(clone).name == "Light 2"
    assert options.preset(clone).new_per_day == 5
    with pytest.raises(BadInputError):
        options.save(replace(options.preset(clone), name="Light"))
    with pytest.raises(BadInputError):
        options.save(replace(options.preset(clone), desired_retention=1.5))
    options.assign("Top::A", light)
    assert options.usage()[light] == 1
    assert options.delete(light) == 1
    assert options.deck_preset("Top::A").id == 1
    with pytest.raises(BadInputError):
        options.delete(1)


def test_a_preset_applies_to_its_decks_and_children(col: Collection, write_deck) -> None:
    _two_decks(col, write_deck)
    options = col.deck_options
    light = options.add("Light")
    options.save(replace(options.preset(light), new_per_day=3))
    assert options.assign("Top", light, children=True) == 3  # Top gets a deck of its own
    assert col.counts(T0, "Top::A").new == 3
    assert col.counts(T0, "Top").new == 3  # Top's own limit caps its children
    options.save(replace(options.preset(light), new_per_day=7))
    assert col.counts(T0, "Top::B").new == 7  # saved options reach the queue at once
    assert col.counts(T0, "Top").new == 7


def test_today_only_limits(col: Collection, write_deck) -> None:
    _two_decks(col, write_deck)
    options = col.deck_options
    options.set_today_limits("Top::A", T0, (25, 200))
    assert options.today_limits("Top::A", T0) == (25, 200)
    assert col.counts(T0, "Top::A").new == 25
    tomorrow = T0 + timedelta(days=1)
    assert options.today_limits("Top::A", tomorrow) is None
    assert col.counts(tomorrow, "Top::A").new == 20
    options.set_today_limits("Top::A", T0, None)
    assert col.counts(T0, "Top::A").new == 20


def test_leeches_are_tagged_suspended_and_undone(col: Collection, write_deck) -> None:
    col.import_path(write_deck(deck_text(_cards(1))), T0)
    options = col.deck_options
    options.save(replace(options.preset(1), leech_threshold=2, leech_action=LEECH_SUSPEND))
    card = col.next_card(T0)
    now = T0
    col.answer(card.card_id, Rating.GOOD, now)
    col.answer(card.card_id, Rating.GOOD, now + timedelta(minutes=10))
    for lapse in range(2):
        now = col.card(card.card_id).memory.due + timedelta(minutes=1)
        col.answer(card.card_id, Rating.AGAIN, now)
        if lapse == 0:
            now += timedelta(minutes=11)
            col.answer(card.card_id, Rating.GOOD, now)

    def tags() -> list[str]:
        with col.engine.connect() as conn:
            return [r[0] for r in conn.execute(text("SELECT tag FROM note_tag"))]

    def suspended() -> bool:
        with col.engine.connect() as conn:
            return bool(conn.execute(text("SELECT suspended FROM card")).scalar_one())

    assert col.card(card.card_id).memory.lapses == 2
    assert "leech" in tags() and suspended()
    col.undo()
    assert "leech" not in tags() and not suspended()


def test_burying_siblings_can_be_turned_off(col: Collection, write_deck) -> None:
    col.import_path(
        write_deck(deck_text("## Term\n<!-- id: t; type: reversed -->\nDefinition\n")), T0
    )
    first = col.next_card(T0)
    col.answer(first.card_id, Rating.EASY, T0)
    assert col.next_card(T0) is None  # the reversed sibling waits until tomorrow
    options = col.deck_options
    options.save(replace(options.preset(1), bury_new=False))
    sibling = col.next_card(T0)
    assert sibling is not None and sibling.card_id != first.card_id


def test_new_cards_in_random_order(col: Collection, write_deck) -> None:
    col.import_path(write_deck(deck_text(_cards(20))), T0)
    options = col.deck_options
    options.save(replace(options.preset(1), new_order=1))
    seen = []
    for _ in range(20):
        card = col.next_card(T0)
        seen.append(card.prompt)
        col.answer(card.card_id, Rating.EASY, T0)
    assert sorted(seen) == sorted(f"q {i}" for i in range(20))
    assert seen != [f"q {i}" for i in range(20)]


def test_leech_rule_and_steps() -> None:
    assert [n for n in range(1, 20) if is_leech(n, 8)] == [8, 12, 16]
    assert parse_steps("1m 10m 1h 1d") == (60, 600, 3600, 86400)
    assert parse_steps("30s, 5") == (30, 300)
    assert format_steps((60, 600, 86400, 30)) == "1m 10m 1d 30s"
    with pytest.raises(ValueError):
        parse_steps("ten minutes")
