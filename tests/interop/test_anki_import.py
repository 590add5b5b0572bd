"""Anki packages made by the real Anki (and genanki) import as Anki itself reads them."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import text

from app.core.import_choices import CollectionMode, ImportChoices
from app.core.models import Rating
from app.storage.collection import Collection
from tests.conftest import FIXTURES, T0

ANKI = FIXTURES / "anki"
PACKAGES = ["genanki_basic.apkg", "legacy_export.apkg", "modern_export.apkg", "collection.colpkg"]


def _expected(package: str) -> dict:
    stem = package.rsplit(".", 1)[0]
    return json.loads((ANKI / f"{stem}.expected.json").read_text())


@pytest.fixture
def imported(tmp_path: Path, request: pytest.FixtureRequest) -> tuple[Collection, dict]:
    col = Collection.open(tmp_path / "data")
    col.import_path(ANKI / request.param, T0)
    yield col, _expected(request.param)
    col.close()


def _rows(col: Collection, sql: str) -> list[tuple]:
    with col.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def _original_fields(col: Collection, fields: list[str]) -> list[str]:
    names = {f"media/{sha}": name for sha, name in _rows(col, "SELECT sha256, name FROM media")}
    out = []
    for value in fields:
        for stored, name in names.items():
            ext = Path(name).suffix.lower()
            value = value.replace(f'"{stored}{ext}"', f'"{name}"')
        out.append(value)
    return out


@pytest.mark.parametrize("imported", PACKAGES, indirect=True)
def test_counts_equal_what_anki_reads(imported) -> None:
    col, expected = imported
    counts = expected["counts"]
    totals = col.totals()
    assert totals["notes"] == counts["notes"]
    assert totals["cards"] == counts["cards"]
    assert totals["review_logs"] == counts["revlog"]
    assert totals["media"] == counts["media_files"]
    ((suspended, buried, flagged, memory),) = _rows(
        col,
        (
            "SELECT SUM(suspended), SUM(buried_until IS NOT NULL), SUM(flag > 0), "
            "SUM(stability IS NOT NULL) FROM card"
        ),
    )
    assert suspended == counts["suspended_cards"]
    assert buried == counts["buried_cards"]
    assert flagged == counts["flagged_cards"]
    assert memory == counts["cards_with_memory_state"]
    tags = {t.replace("/", "::") for (t,) in _rows(col, "SELECT DISTINCT tag FROM note_tag")}
    assert len(tags) == counts["tags"]
    assert sorted(tags)[:3] == expected["tags"][:3]


@pytest.mark.parametrize("imported", PACKAGES, indirect=True)
def test_decks_and_cards_per_deck(imported) -> None:
    col, expected = imported
    per_deck = dict(
        _rows(
            col,
            (
                "SELECT d.name, COUNT(*) FROM card c JOIN note n ON n.id = c.note_id "
                "JOIN deck d ON d.id = n.deck_id GROUP BY d.name"
            ),
        )
    )
    assert per_deck == expected["cards_per_deck"]
    roots, _ = col.deck_tree(T0)
    names = {node.name for root in roots for node in root.walk()}
    holding = {
        d
        for d in expected["decks"]
        if any(k == d or k.startswith(d + "::") for k in expected["cards_per_deck"])
    }
    assert names == holding


@pytest.mark.parametrize("imported", PACKAGES, indirect=True)
def test_note_types_media_and_sample_notes(imported) -> None:
    col, expected = imported
    used = Counter(
        name
        for (name,) in _rows(
            col, ("SELECT t.name FROM note n JOIN notetype t ON t.id = n.notetype_id")
        )
    )
    assert used == {
        nt["name"]: nt["note_count"] for nt in expected["notetypes"] if nt["note_count"]
    }
    fields_of = {name: json.loads(f) for name, f in _rows(col, "SELECT name, fields FROM notetype")}
    for nt in expected["notetypes"]:
        if nt["note_count"]:
            assert fields_of[nt["name"]] == nt["fields"]
    media = {}
    for sha, name, size in _rows(col, "SELECT sha256, name, size FROM media"):
        stored = col.media_dir / f"{sha}{Path(name).suffix.lower()}"
        media[name] = (size, hashlib.sha1(stored.read_bytes()).hexdigest())
    assert media == {m["name"]: (m["size"], m["sha1"]) for m in expected["media"]}
    for sample in expected["sample_notes"]:
        ((fields, deck, nt),) = _rows(
            col,
            (
                "SELECT n.fields, d.name, t.name FROM note n JOIN deck d ON d.id = n.deck_id "
                f"JOIN notetype t ON t.id = n.notetype_id WHERE n.uid = 'guid:{sample['guid']}'"
            ).replace("'guid:", "'guid:"),
        )
        assert _original_fields(col, json.loads(fields)) == [v for _, v in sample["fields"]]
        assert nt == sample["notetype"]
        assert deck in sample["card_decks"]
        tags = sorted(
            t.replace("/", "::")
            for (t,) in _rows(
                col,
                (
                    "SELECT tag FROM note_tag t JOIN note n ON n.id = t.note_id "
                    f"WHERE n.uid = 'guid:{sample['guid']}'"
                ),
            )
        )
        assert tags == sorted(sample["tags"])


@pytest.mark.parametrize("imported", ["modern_export.apkg", "collection.colpkg"], indirect=True)
def test_history_and_memory_state_kept(imported) -> None:
    col, expected = imported
    for card in expected["cards_with_history"]:
        ((stability, difficulty, reps, lapses, flag, logs),) = _rows(
            col,
            (
                "SELECT c.stability, c.difficulty, c.reps, c.lapses, c.flag, "
                "(SELECT COUNT(*) FROM review_log r WHERE r.card_id = c.id) FROM card c "
                f"JOIN note n ON n.id = c.note_id WHERE n.uid = 'guid:{card['note_guid']}' "
                f"AND c.ord = {card['ord']}"
            ),
        )
        assert (reps, lapses, flag, logs) == (
            card["reps"],
            card["lapses"],
            card["flags"] & 7,
            card["revlog_entries"],
        )
        assert stability == pytest.approx(card["memory_state"]["stability"])
        assert difficulty == pytest.approx(card["memory_state"]["difficulty"])
    ratings = Counter(str(r) for (r,) in _rows(col, "SELECT rating FROM review_log"))
    assert ratings == expected["revlog_by_ease"]


@pytest.mark.parametrize("package", PACKAGES)
def test_reimport_updates_in_place_without_duplicates(tmp_path: Path, package: str) -> None:
    col = Collection.open(tmp_path)
    try:
        first = col.import_path(ANKI / package, T0)
        card = col.next_card(T0)
        col.answer(card.card_id, Rating.GOOD, T0)
        before = col.totals()
        merge = ImportChoices(collection=CollectionMode.MERGE)  # a .colpkg would replace
        again = col.import_path(ANKI / package, T0, choices=merge)
        assert (again.added, again.updated, again.unchanged) == (0, 0, first.added)
        assert col.totals() == before
    finally:
        col.close()


def test_template_cards_render_fields_cloze_and_images(tmp_path: Path) -> None:
    col = Collection.open(tmp_path)
    try:
        col.import_path(ANKI / "genanki_basic.apkg", T0)
        cards = {}
        for (card_id,) in _rows(col, "SELECT id FROM card"):
            card = col.card(card_id)
            cards[(card.prompt, card.ord)] = card
        cloze = cards[("HTTP/3 runs over QUIC.", 1)]
        assert "[protocol]" in cloze.front and "QUIC" not in cloze.front
        assert '<span class="cloze">QUIC</span>' in cloze.answer
        image = next(c for c in cards.values() if "topology" in c.prompt)
        (sha,) = _rows(col, "SELECT sha256 FROM media")[0]
        assert f'src="media/{sha}.png"' in image.answer
        from app.core.type_compare import find_type_marker

        typed = next(c for c in cards.values() if find_type_marker(c.front))
        expected, ignore_case = find_type_marker(typed.front) or ("", True)
        assert expected and not ignore_case
        assert find_type_marker(typed.answer) == (expected, False)
    finally:
        col.close()


def test_new_cards_keep_the_sources_order(tmp_path: Path) -> None:
    from app.interop.foreign import BASIC, ForeignBatch, ForeignCard, ForeignNote
    from app.interop.reader import PreparedImport

    notes = [  # listed A, B, C but Anki's new-card positions say C, A, B
        ForeignNote(
            guid=g,
            notetype="basic",
            fields=(g, "x"),
            deck="D",
            cards=(ForeignCard(ord=0, deck="D", new_position=pos),),
        )
        for g, pos in (("A", 2), ("B", 3), ("C", 1))
    ]
    batch = ForeignBatch(format="apkg", notetypes={"basic": BASIC}, notes=notes)
    col = Collection.open(tmp_path)
    try:
        col.apply_import(PreparedImport(tmp_path / "x.apkg", "apkg", batch=batch), T0)
        shown = []
        for _ in range(3):
            card = col.next_card(T0)
            shown.append(card.prompt)
            col.answer(card.card_id, Rating.EASY, T0)
        assert shown == ["C", "A", "B"]
    finally:
        col.close()
