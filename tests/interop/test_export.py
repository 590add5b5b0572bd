"""Export to Anki, Markdown and text, and back: checked against the real Anki library."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import text

from app.core.models import Rating
from app.storage.collection import Collection
from tests.conftest import FIXTURES, T0


@pytest.fixture
def source(tmp_path: Path) -> Collection:
    col = Collection.open(tmp_path / "source")
    col.import_path(FIXTURES / "decks" / "sample.md", T0)
    col.import_path(FIXTURES / "anki" / "genanki_basic.apkg", T0)
    for _ in range(3):
        card = col.next_card(T0)
        col.answer(card.card_id, Rating.EASY, T0)
    yield col
    col.close()


def _anki_import(package: Path, folder: Path):
    anki_collection = pytest.importorskip("anki.collection")
    from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col = anki_collection.Collection(str(folder / "anki.anki2"))
    col.import_anki_package(
        ImportAnkiPackageRequest(
            package_path=str(package),
            options=ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=False),
        )
    )
    return col


def test_apkg_export_imports_into_real_anki(source: Collection, tmp_path: Path) -> None:
    out = tmp_path / "export.apkg"
    figures = source.export(out, "apkg", with_history=True, now=T0)
    anki = _anki_import(out, tmp_path)
    try:
        nids = anki.find_notes("")
        assert len(nids) == figures["notes"] == source.totals()["notes"]
        assert len(anki.find_cards("")) == source.totals()["cards"]
        ours = {}
        with source.engine.connect() as conn:
            for uid, tags in conn.execute(
                text(
                    "SELECT n.uid, (SELECT group_concat(tag, ' ') FROM note_tag t "
                    "WHERE t.note_id = n.id) FROM note n"
                )
            ):
                ours[uid.removeprefix("guid:")] = sorted(
                    t.replace("/", "::") for t in (tags or "").split()
                )
        notes = {n.guid: n for n in (anki.get_note(nid) for nid in nids)}
        assert {guid: sorted(n.tags) for guid, n in notes.items()} == ours
        cloze = anki.get_note(anki.find_notes('"note:Cloze (genanki)"')[0])
        assert "{{c1::HTTP/3}}" in cloze.fields[0]
        basic = notes["sample-messaging/sb-sessions"]
        assert "<strong>Sessions.</strong>" in basic.fields[1]
        decks = {d.name for d in anki.decks.all_names_and_ids()}
        assert {"Sample::Messaging", "Genanki Demo::Networking", "Genanki Demo::Storage"} <= decks
        media = Path(anki.media.dir())
        files = {p.name: hashlib.sha1(p.read_bytes()).hexdigest() for p in media.iterdir()}
        assert files == {"network_topology.png": _sha1_of_media(source, "network_topology.png")}
        assert anki.db.scalar("select count() from revlog") == source.totals()["review_logs"]
        reviewed = anki.db.scalar("select count() from cards where type = 2")
        assert reviewed == 3
    finally:
        anki.close()


def _sha1_of_media(col: Collection, name: str) -> str:
    with col.engine.connect() as conn:
        sha = conn.execute(text("SELECT sha256 FROM media WHERE name = :n"), {"n": name}).scalar()
    return hashlib.sha1((col.media_dir / f"{sha}.png").read_bytes()).hexdigest()


def test_apkg_export_reimports_into_cirrus_with_history(source: Collection, tmp_path) -> None:
    out = tmp_path / "export.apkg"
    source.export(out, "apkg", with_history=True, now=T0)
    fresh = Collection.open(tmp_path / "fresh")
    try:
        summary = fresh.import_path(out, T0)
        assert summary.notes == source.totals()["notes"]
        assert fresh.totals()["review_logs"] == source.totals()["review_logs"]
        assert fresh.totals()["media"] == 1
        with fresh.engine.connect() as conn:
            states = conn.execute(text("SELECT COUNT(*) FROM card WHERE state = 2")).scalar()
        assert states == 3
    finally:
        fresh.close()


def test_markdown_export_then_import_gives_the_same_notes(source: Collection, tmp_path) -> None:
    from app.core.deck_parser import parse_deck_file

    out = tmp_path / "pack"
    figures = source.export(out, "md", deck="Sample", now=T0)
    assert figures["notes"] == 5 and figures["converted"] == 0
    exported = parse_deck_file(out / "sample-messaging.md")
    original = parse_deck_file(FIXTURES / "decks" / "sample.md")
    strip = [
        (n.prompt, n.front, n.answer, n.kind, n.card_id, n.source, n.verified)
        for n in original.notes
    ]
    assert [
        (n.prompt, n.front, n.answer, n.kind, n.card_id, n.source, n.verified)
        for n in exported.notes
    ] == strip
    summary = source.import_path(out, T0)  # same identities: nothing new, nothing lost
    assert summary.added == 0 and summary.retired == 0


def test_csv_export_reads_back(source: Collection, tmp_path) -> None:
    pytest.importorskip("app.interop.text_notes")
    from app.interop.text_notes import parse_text_notes, read_text

    out = tmp_path / "notes.txt"
    figures = source.export(out, "csv", now=T0)
    batch = parse_text_notes(read_text(out), source=str(out))
    assert len(batch.notes) == figures["notes"] == source.totals()["notes"]
    assert {n.deck for n in batch.notes} >= {"Sample::Messaging", "Genanki Demo::Networking"}


def test_unknown_deck_and_format_are_refused(source: Collection, tmp_path) -> None:
    from app.core.errors import BadInputError

    with pytest.raises(BadInputError, match="no deck named"):
        source.export(tmp_path / "x.apkg", "apkg", deck="Nope")
    with pytest.raises(BadInputError, match="unknown export format"):
        source.export(tmp_path / "x.pdf", "pdf")
