"""A text file imported into a collection that already has notes, by the real Anki
(``col.import_csv``) and by Cirrus, with each duplicate handling and match scope: the
notes (deck, fields, tags) come out the same. Also a first field repeated within the
file, the one note type a file names (when Cirrus has two of that name), and a first
field holding only an image."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app.core.import_choices import Duplicates, ImportChoices, MatchScope
from app.storage.collection import Collection
from app.storage.text_match_keys import MediaNames
from tests.conftest import T0
from tests.interop.anki_oracle import export, new_anki
from tests.interop.test_anki_round_trip import PNG

anki_pb = pytest.importorskip("anki.import_export_pb2")
CsvMetadata, ImportCsvRequest = anki_pb.CsvMetadata, anki_pb.ImportCsvRequest

WITH_TAGS = (
    "#separator:tab\n#html:true\n#notetype:Basic\n#deck:Words\n#tags column:3\n"
    "#deck column:4\n"
    "cat\tKatze <b>neu</b>\tanimal new\tOther\n"
    "dog\tHund neu\t\tWords\n"
    "moon\tMond\tsky\tWords\n"
    "sun\tSonne\tanimal\tOther\n"
)
WITHOUT_TAGS = (
    "#separator:tab\n#html:true\n#notetype:Basic\n#deck:Words\n#tags:imported\n"
    "cat\tKatze neu\n"
    "dog\tHund\n"
    "star\tStern\n"
)
_DUPES = {
    Duplicates.UPDATE: CsvMetadata.DupeResolution.UPDATE,
    Duplicates.KEEP: CsvMetadata.DupeResolution.PRESERVE,
    Duplicates.DUPLICATE: CsvMetadata.DupeResolution.DUPLICATE,
}
_SCOPES = {
    MatchScope.NOTETYPE: CsvMetadata.MatchScope.NOTETYPE,
    MatchScope.NOTETYPE_AND_DECK: CsvMetadata.MatchScope.NOTETYPE_AND_DECK,
}


def _collection(folder: Path) -> Any:
    """An Anki collection with notes the file's rows match (a first field in two decks)."""
    col = new_anki(folder)
    basic = col.models.by_name("Basic")
    for front, back, tags, deck in (
        ("cat", "Katze", ["animal"], "Words"),
        ("dog", "Hund", ["animal"], "Words"),
        ("cat", "chat", ["french"], "Other"),
        ("sun", "Sonne", [], "Words"),
    ):
        note = col.new_note(basic)
        note["Front"], note["Back"] = front, back
        note.tags = tags
        col.add_note(note, col.decks.id(deck))
    return col


def _anki_notes(col: Any) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    out = []
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        deck = col.decks.name(note.cards()[0].did)
        out.append((deck, tuple(note.fields), tuple(sorted(note.tags))))
    return sorted(out)


def _cirrus_notes(col: Collection) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    with col.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT d.name, n.fields, (SELECT group_concat(tag, ' ') FROM note_tag t "
                "WHERE t.note_id = n.id) FROM note n JOIN deck d ON d.id = n.deck_id"
            )
        )
        return sorted(
            (str(d), tuple(json.loads(f)), tuple(sorted((t or "").split()))) for d, f, t in rows
        )


@pytest.mark.parametrize("content", [WITH_TAGS, WITHOUT_TAGS], ids=["tags-column", "file-tags"])
@pytest.mark.parametrize("scope", list(MatchScope))
@pytest.mark.parametrize("dupes", list(Duplicates))
def test_text_import_matches_anki(
    tmp_path: Path, content: str, scope: MatchScope, dupes: Duplicates
) -> None:
    csv = tmp_path / "rows.txt"
    csv.write_text(content, encoding="utf-8")
    anki = _collection(tmp_path / "anki")
    try:
        package = export(anki, tmp_path / "before.apkg", legacy=False)
        metadata = anki.get_csv_metadata(str(csv), None)
        metadata.dupe_resolution = _DUPES[dupes]
        metadata.match_scope = _SCOPES[scope]
        anki.import_csv(ImportCsvRequest(path=str(csv), metadata=metadata))
        expected = _anki_notes(anki)
    finally:
        anki.close()
    cirrus = Collection.open(tmp_path / "cirrus")
    try:
        cirrus.import_path(package, T0)
        summary = cirrus.import_path(csv, T0, choices=ImportChoices(dupes, scope))
        assert _cirrus_notes(cirrus) == expected
        cirrus.import_path(csv, T0, choices=ImportChoices(Duplicates.KEEP, scope))
        again = _cirrus_notes(cirrus)  # importing again, keeping what is there, adds nothing
    finally:
        cirrus.close()
    cats = [n for n in expected if n[1][0] == "cat"]
    untouched = ("Words", ("cat", "Katze"), ("animal",))
    if dupes == Duplicates.KEEP:  # the modes lead to different collections
        assert summary.skipped > 0 and summary.updated == 0 and untouched in cats
    elif dupes == Duplicates.DUPLICATE:
        assert len(cats) == 3 and summary.updated == 0
    elif scope == MatchScope.NOTETYPE:
        assert summary.updated > 0 and all("neu" in n[1][1] for n in cats) and len(cats) == 2
    elif content == WITH_TAGS:  # only the cat of the row's deck
        assert untouched in cats and len(cats) == 2
    assert again == expected


def test_undo_import_puts_back_the_notes_a_text_row_updated(tmp_path: Path) -> None:
    anki = _collection(tmp_path / "anki")
    try:
        package = export(anki, tmp_path / "before.apkg", legacy=False)
    finally:
        anki.close()
    csv = tmp_path / "rows.txt"
    csv.write_text(WITH_TAGS, encoding="utf-8")
    cirrus = Collection.open(tmp_path / "cirrus")
    try:
        cirrus.import_path(package, T0)
        before = _cirrus_notes(cirrus)
        summary = cirrus.import_path(csv, T0)
        assert summary.updated == 4 and _cirrus_notes(cirrus) != before  # two cats, dog, sun
        cirrus.editing.undo_import()
        assert _cirrus_notes(cirrus) == before
    finally:
        cirrus.close()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("#if matches:keep current\n", ImportChoices(Duplicates.KEEP)),
        (
            "#if matches:keep both\n#match scope:notetype + deck\n",
            ImportChoices(Duplicates.DUPLICATE, MatchScope.NOTETYPE_AND_DECK),
        ),
        ("#match scope:notetype + deck\n", ImportChoices(match_scope=MatchScope.NOTETYPE_AND_DECK)),
    ],
)
def test_the_files_own_headers_choose_as_in_anki(
    tmp_path: Path, header: str, expected: ImportChoices
) -> None:
    csv = tmp_path / "rows.txt"
    csv.write_text(header + WITH_TAGS, encoding="utf-8")
    anki = _collection(tmp_path / "anki")
    try:
        package = export(anki, tmp_path / "before.apkg", legacy=False)
        metadata = anki.get_csv_metadata(str(csv), None)  # Anki reads the headers itself
        assert (metadata.dupe_resolution, metadata.match_scope) == (
            _DUPES[expected.duplicates],
            _SCOPES[expected.match_scope],
        )
        anki.import_csv(ImportCsvRequest(path=str(csv), metadata=metadata))
        wanted = _anki_notes(anki)
    finally:
        anki.close()
    cirrus = Collection.open(tmp_path / "cirrus")
    try:
        cirrus.import_path(package, T0)
        cirrus.import_path(csv, T0)  # no choices given: the file's
        assert _cirrus_notes(cirrus) == wanted
    finally:
        cirrus.close()


def test_an_update_that_fills_a_template_makes_its_card_as_in_anki(tmp_path: Path) -> None:
    csv = tmp_path / "rows.txt"
    csv.write_text(
        "#separator:tab\n#html:true\n#notetype:Basic (optional reversed card)\n#deck:Words\n"
        "hola\thello\ty\nadios\tbye\t\n",
        encoding="utf-8",
    )
    anki = new_anki(tmp_path / "anki")
    try:
        optional = anki.models.by_name("Basic (optional reversed card)")
        for front, back in (("hola", "hello"), ("adios", "bye")):
            note = anki.new_note(optional)
            note["Front"], note["Back"] = front, back
            anki.add_note(note, anki.decks.id("Words"))
        package = export(anki, tmp_path / "before.apkg", legacy=False)
        metadata = anki.get_csv_metadata(str(csv), None)
        anki.import_csv(ImportCsvRequest(path=str(csv), metadata=metadata))
        expected = sorted(
            (anki.get_card(c).note().fields[0], anki.get_card(c).ord) for c in anki.find_cards("")
        )
    finally:
        anki.close()
    assert ("hola", 1) in expected  # the reverse card the filled field asks for
    cirrus = Collection.open(tmp_path / "cirrus")
    try:
        cirrus.import_path(package, T0)
        summary = cirrus.import_path(csv, T0)
        with cirrus.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT n.prompt_md, c.ord FROM card c JOIN note n ON n.id = c.note_id"
            ).all()
        assert sorted((str(p), int(o)) for p, o in rows) == expected
        assert summary.cards == 2  # hola's two cards (adios is unchanged)
        assert cirrus.next_card(T0) is not None
    finally:
        cirrus.close()


HEAD = "#separator:tab\n#html:true\n#notetype:Basic\n#deck:Words\n"
REPEATED = HEAD + "cat\tKatze 1\ncat\tKatze 2\nowl\tEule 1\nowl\tEule 2\nowl\tEule 3\n"


def _cirrus_named(col: Collection) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """(deck, fields with media under their imported names, tags) of every note."""
    with col.engine.connect() as conn:
        names = MediaNames(conn)
        rows = conn.execute(
            text(
                "SELECT d.name, n.fields, (SELECT group_concat(tag, ' ') FROM note_tag t "
                "WHERE t.note_id = n.id) FROM note n JOIN deck d ON d.id = n.deck_id"
            )
        )
        return sorted(
            (
                str(d),
                tuple(names.original(v).replace('"media/', '"') for v in json.loads(f)),
                tuple(sorted((t or "").split())),
            )
            for d, f, t in rows
        )


def _anki_import(col: Any, csv: Path, dupes: Duplicates, scope: MatchScope) -> None:
    metadata = col.get_csv_metadata(str(csv), None)
    metadata.dupe_resolution = _DUPES[dupes]
    metadata.match_scope = _SCOPES[scope]
    col.import_csv(ImportCsvRequest(path=str(csv), metadata=metadata))


def _basic(col: Any, front: str, back: str, deck: str = "Words", model: Any = None) -> None:
    note = col.new_note(model or col.models.by_name("Basic"))
    note["Front"], note["Back"] = front, back
    col.add_note(note, col.decks.id(deck))


@pytest.mark.parametrize("scope", list(MatchScope))
@pytest.mark.parametrize("dupes", list(Duplicates))
def test_a_first_field_repeated_in_the_file_imports_as_anki_does(
    tmp_path: Path, dupes: Duplicates, scope: MatchScope
) -> None:
    csv = tmp_path / "rows.txt"
    csv.write_text(REPEATED, encoding="utf-8")
    anki = new_anki(tmp_path / "anki")
    try:
        _basic(anki, "cat", "Katze")  # the collection has one cat; no owl
        package = export(anki, tmp_path / "before.apkg", legacy=False)
        _anki_import(anki, csv, dupes, scope)
        expected = _anki_notes(anki)
    finally:
        anki.close()
    owls = [n for n in expected if n[1][0] == "owl"]
    assert len(owls) == 3  # Anki adds each repeated row that matched nothing
    cirrus = Collection.open(tmp_path / "cirrus")
    try:
        cirrus.import_path(package, T0)
        summary = cirrus.import_path(csv, T0, choices=ImportChoices(dupes, scope))
        assert _cirrus_named(cirrus) == expected
        assert not [w for w in summary.warnings if "row skipped" in w]
    finally:
        cirrus.close()


def test_a_repeated_first_field_imported_again_updates_as_anki_does(tmp_path: Path) -> None:
    csv = tmp_path / "rows.txt"
    csv.write_text(REPEATED, encoding="utf-8")
    anki = new_anki(tmp_path / "anki")
    cirrus = Collection.open(tmp_path / "cirrus")
    try:
        for _ in range(2):  # the second time, each owl row matches all three owls
            _anki_import(anki, csv, Duplicates.UPDATE, MatchScope.NOTETYPE)
            cirrus.import_path(csv, T0)
        expected = _anki_notes(anki)
        assert len(expected) == 5
        assert _cirrus_named(cirrus) == expected
    finally:
        anki.close()
        cirrus.close()


def _other_basic(tmp_path: Path) -> Path:
    """A package from another collection, whose own note type is also called Basic (Anki
    renames it on import; Cirrus keeps both names)."""
    other = new_anki(tmp_path / "other", "other")
    try:
        _basic(other, "cat", "from the other Basic", "Other")
        return export(other, tmp_path / "other.apkg", legacy=False)
    finally:
        other.close()


@pytest.mark.parametrize("dupes", list(Duplicates))
def test_only_notes_of_the_named_note_type_match_as_in_anki(
    tmp_path: Path, dupes: Duplicates
) -> None:
    csv = tmp_path / "rows.txt"
    csv.write_text(HEAD + "cat\tKatze neu\n", encoding="utf-8")
    other = _other_basic(tmp_path)
    anki = new_anki(tmp_path / "anki")
    try:
        _basic(anki, "cat", "Katze")
        mine = export(anki, tmp_path / "mine.apkg", legacy=False)
        anki.import_anki_package(
            anki_pb.ImportAnkiPackageRequest(
                package_path=str(other),
                options=anki_pb.ImportAnkiPackageOptions(with_scheduling=True),
            )
        )
        names = sorted(m["name"] for m in anki.models.all())
        assert len([n for n in names if n.startswith(("Basic+", "Basic-"))]) == 1  # renamed
        _anki_import(anki, csv, dupes, MatchScope.NOTETYPE)
        expected = _anki_notes(anki)
    finally:
        anki.close()
    assert ("Other", ("cat", "from the other Basic"), ()) in expected  # not matched
    cirrus = Collection.open(tmp_path / "cirrus")
    try:
        cirrus.import_path(mine, T0)
        cirrus.import_path(other, T0)
        cirrus.import_path(csv, T0, choices=ImportChoices(dupes))
        assert _cirrus_named(cirrus) == expected
    finally:
        cirrus.close()


@pytest.mark.parametrize("dupes", list(Duplicates))
def test_a_first_field_of_only_an_image_matches_as_in_anki(
    tmp_path: Path, dupes: Duplicates
) -> None:
    csv = tmp_path / "rows.txt"
    csv.write_text(HEAD + '<img src="cat.png">\tKatze neu\n', encoding="utf-8")
    anki = new_anki(tmp_path / "anki")
    try:
        (Path(anki.media.dir()) / "cat.png").write_bytes(PNG)
        _basic(anki, '<img src="cat.png">', "Katze")
        package = export(anki, tmp_path / "before.apkg", legacy=False)
        _anki_import(anki, csv, dupes, MatchScope.NOTETYPE)
        expected = _anki_notes(anki)
    finally:
        anki.close()
    cirrus = Collection.open(tmp_path / "cirrus")
    try:
        cirrus.import_path(package, T0)
        cirrus.import_path(csv, T0, choices=ImportChoices(dupes))
        assert _cirrus_named(cirrus) == expected
        with cirrus.engine.connect() as conn:
            fronts = [json.loads(f)[0] for (f,) in conn.execute(text("SELECT fields FROM note"))]
        assert all('src="media/' in f for f in fronts)  # every note shows the stored image
    finally:
        cirrus.close()
