"""Image occlusion notes through Cirrus and back: an ``.apkg`` Cirrus exports is read by a
fresh Anki collection as image occlusion, with the shapes Anki's own note had."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.storage.collection import Collection
from tests.conftest import T0
from tests.interop.anki_oracle import import_into_anki
from tests.interop.occlusion_package import HIDE_ALL, HIDE_ONE, occlusion_package


def _io_notes(col: Any) -> dict[str, Any]:
    """Header -> what Anki's IO editor reads of the note (``get_image_occlusion_note``)."""
    out = {}
    for nid in col.find_notes(""):
        found = col.get_image_occlusion_note(nid)
        assert found.WhichOneof("value") == "note", found.error
        out[found.note.header] = found.note
    return out


def _shapes(note: Any) -> dict[int, list[str]]:
    """Card ordinal -> its shapes (Anki lists the cards in no fixed order)."""
    return {o.ordinal: [str(s) for s in o.shapes] for o in note.occlusions}


def test_an_exported_occlusion_note_type_is_image_occlusion_in_anki(tmp_path: Path) -> None:
    package, source = occlusion_package(tmp_path / "src", {"All": HIDE_ALL, "One": HIDE_ONE})
    try:
        expected = _io_notes(source)
    finally:
        source.close()
    cirrus = Collection.open(tmp_path / "cirrus")
    out = tmp_path / "out.apkg"
    try:
        cirrus.import_path(package, T0)
        cirrus.export(out, "apkg", with_history=True, now=T0)
    finally:
        cirrus.close()
    anki = import_into_anki(out, tmp_path / "dest")
    try:
        kinds = {m["name"]: m.get("originalStockKind") for m in anki.models.all()}
        used = {anki.get_note(n).note_type()["name"] for n in anki.find_notes("")}
        assert [kinds[name] for name in used] == [6]  # Anki's image occlusion kind
        got = _io_notes(anki)
    finally:
        anki.close()
    assert sorted(got) == sorted(expected) == ["All", "One"]
    for header, note in expected.items():
        assert _shapes(got[header]) == _shapes(note) and len(_shapes(note)) >= 3
        assert got[header].occlude_inactive == note.occlude_inactive
        assert got[header].back_extra == note.back_extra
        assert got[header].image_data == note.image_data and note.image_data
