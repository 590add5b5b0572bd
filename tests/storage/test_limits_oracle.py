"""Per-deck daily limits against the real Anki (its v3 scheduler): the same deck tree,
presets, cards and answers on both sides give the same counts for every deck, and
studying a deck gives exactly the counts shown for it."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from app.core.models import CardState, Rating
from app.storage.collection import Collection

anki_collection = pytest.importorskip("anki.collection")

NAMES = ["A", "A::B", "A::B::C", "A::D", "E", "E::F", "G"]


def _scenario(seed: int) -> dict:
    rng = random.Random(seed)
    names = sorted(rng.sample(NAMES, rng.randint(3, len(NAMES))))
    presets = [(rng.randint(0, 8), rng.randint(0, 10)) for _ in range(3)]
    decks = {
        name: {"preset": rng.randrange(4), "new": rng.randint(0, 6), "review": rng.randint(0, 6)}
        for name in names
    }
    answers = [(rng.choice(names), rng.choice(["new", "review"])) for _ in range(rng.randint(0, 6))]
    return {
        "presets": presets,
        "decks": decks,
        "answers": answers,
        "default": (rng.randint(2, 9), rng.randint(3, 12)),
    }


class AnkiSide:
    def __init__(self, folder: Path, sc: dict) -> None:
        self.col = anki_collection.Collection(str(folder / "anki.anki2"))
        col = self.col
        default = col.decks.get_config(1)
        default["new"]["perDay"], default["rev"]["perDay"] = sc["default"]
        col.decks.update_config(default)
        conf_ids = [1]
        for i, (new, rev) in enumerate(sc["presets"]):
            conf = col.decks.get_config(col.decks.add_config_returning_id(f"P{i}"))
            conf["new"]["perDay"], conf["rev"]["perDay"] = new, rev
            col.decks.update_config(conf)
            conf_ids.append(conf["id"])
        model = col.models.by_name("Basic")
        self.cards: dict[tuple[str, str], list[int]] = {}
        for name, spec in sc["decks"].items():
            did = col.decks.id(name)
            deck = col.decks.get(did)
            deck["conf"] = conf_ids[spec["preset"]]
            col.decks.save(deck)
            for kind in ("new", "review"):
                ids = []
                for i in range(spec[kind]):
                    note = col.new_note(model)
                    note["Front"], note["Back"] = f"{name} {kind} {i}", "x"
                    col.add_note(note, did)
                    card = note.cards()[0]
                    if kind == "review":
                        card.type = card.queue = 2
                        card.due = col.sched.today
                        card.ivl = 5
                        col.update_card(card)
                    ids.append(card.id)
                self.cards[(name, kind)] = ids

    def answer(self, name: str, kind: str) -> bool:
        ids = self.cards[(name, kind)]
        if not ids:
            return False
        card = self.col.get_card(ids.pop(0))
        card.start_timer()
        self.col.sched.answerCard(card, 4)
        return True

    def counts(self) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}

        def walk(node, prefix: str) -> None:
            for child in node.children:
                name = f"{prefix}::{child.name}" if prefix else child.name
                out[name] = (child.new_count, child.review_count)
                walk(child, name)

        walk(self.col.sched.deck_due_tree(), "")
        out.pop("Default", None)
        return out


class CirrusSide:
    def __init__(self, folder: Path, sc: dict, now: datetime) -> None:
        self.now = now
        self.col = Collection.in_memory(tz=UTC, rng=random.Random(1))
        decks = folder / "decks"
        decks.mkdir()
        for i, (name, spec) in enumerate(sc["decks"].items()):
            cards = "".join(
                f"## {name} {kind} {n}\n<!-- id: {kind}{n} -->\nx\n\n"
                for kind in ("new", "review")
                for n in range(spec[kind])
            )
            (decks / f"d{i}.md").write_text(
                f"---\ndeck: {name}\nid: deck{i}\n---\n\n{cards}", encoding="utf-8"
            )
        self.col.import_path(decks, now)
        col = self.col
        with col.engine.begin() as conn:
            conn.execute(
                text("UPDATE preset SET new_per_day = :n, reviews_per_day = :r WHERE id = 1"),
                {"n": sc["default"][0], "r": sc["default"][1]},
            )
            preset_ids = [1]
            for i, (new, rev) in enumerate(sc["presets"]):
                preset_ids.append(
                    conn.execute(
                        text(
                            "INSERT INTO preset (name, desired_retention, learning_steps, "
                            "relearning_steps, new_per_day, reviews_per_day, maximum_interval, "
                            "fuzz) VALUES (:name, 0.9, '[60, 600]', '[600]', :n, :r, 36500, 1)"
                        ),
                        {"name": f"P{i}", "n": new, "r": rev},
                    ).lastrowid
                )
            self.cards: dict[tuple[str, str], list[int]] = {}
            for name, spec in sc["decks"].items():
                conn.execute(
                    text("UPDATE deck SET preset_id = :p WHERE name = :name"),
                    {"p": preset_ids[spec["preset"]], "name": name},
                )
                for kind in ("new", "review"):
                    rows = conn.execute(
                        text(
                            "SELECT c.id FROM card c JOIN note n ON n.id = c.note_id "
                            "JOIN deck d ON d.id = n.deck_id WHERE d.name = :name "
                            "AND n.prompt_md LIKE :p ORDER BY n.position"
                        ),
                        {"name": name, "p": f"{name} {kind} %"},
                    ).all()
                    ids = [int(r[0]) for r in rows]
                    if kind == "review":
                        for cid in ids:
                            conn.execute(
                                text(
                                    "UPDATE card SET state = 2, stability = 5, difficulty = 5, "
                                    "due = :due, last_review = :last, reps = 3 WHERE id = :id"
                                ),
                                {
                                    "due": int((now - timedelta(hours=1)).timestamp() * 1000),
                                    "last": int((now - timedelta(days=5)).timestamp() * 1000),
                                    "id": cid,
                                },
                            )
                    self.cards[(name, kind)] = ids
        col._changed()

    def answer(self, name: str, kind: str) -> bool:
        ids = self.cards[(name, kind)]
        if not ids:
            return False
        self.col.answer(ids.pop(0), Rating.EASY, self.now)
        return True

    def counts(self) -> dict[str, tuple[int, int]]:
        _roots, counts = self.col.deck_tree(self.now)
        return {name: (c.new, c.review) for name, c in counts.items()}


@pytest.mark.parametrize("seed", range(12))
def test_deck_counts_equal_ankis(tmp_path: Path, seed: int, request: pytest.FixtureRequest) -> None:
    sc = _scenario(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    anki = AnkiSide(tmp_path, sc)
    try:
        cirrus = CirrusSide(tmp_path, sc, now)
        request.addfinalizer(cirrus.col.close)
        assert cirrus.counts() == anki.counts(), "before any answer"
        for name, kind in sc["answers"]:
            assert cirrus.answer(name, kind) == anki.answer(name, kind)
            assert cirrus.counts() == anki.counts(), (name, kind)
    finally:
        anki.col.close()


@pytest.mark.parametrize("seed", range(6))
def test_studying_a_deck_gives_its_counts(
    tmp_path: Path, seed: int, request: pytest.FixtureRequest
) -> None:
    sc = _scenario(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    cirrus = CirrusSide(tmp_path, sc, now)
    request.addfinalizer(cirrus.col.close)
    col = cirrus.col
    for deck in [*sc["decks"], "A", "E"]:
        shown = col.counts(now, deck) if deck in cirrus.counts() else None
        if shown is None:
            continue
        new = review = 0
        while (card := col.next_card(now, deck)) is not None:
            state = card.memory.state
            new += state == CardState.NEW
            review += state == CardState.REVIEW
            col.answer(card.card_id, Rating.EASY, now)
        assert (new, review) == (shown.new, shown.review), deck
