"""Image occlusion notes built by the real Anki, imported into Cirrus: per card and side,
the shapes Cirrus draws (and how) are the ones Anki's reviewer draws, and the text
around the image is the text Anki shows."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app.core.anki_template import generated_ords
from app.core.image_occlusion import Shape, drawn, parse_occlusions, side_shapes
from app.core.render import sanitise
from app.storage.check import run_check
from app.storage.collection import Collection
from app.storage.occlusion_images import picture_path
from tests.conftest import T0
from tests.interop.anki_oracle import cirrus_cards, plain
from tests.interop.occlusion_package import (
    HIDE_ALL,
    HIDE_ONE,
    AnkiShape,
    anki_shapes,
    occlusion_package,
    outside_image,
)

NOTES = {"Hide all, guess one": HIDE_ALL, "Hide one, guess one": HIDE_ONE}


@pytest.fixture
def imported(tmp_path: Path) -> Any:
    package, anki = occlusion_package(tmp_path, NOTES)
    col = Collection.open(tmp_path / "cirrus")
    col.import_path(package, T0)
    yield anki, col
    col.close()
    anki.close()


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, abs_tol=1e-9)


def _matches(ours: tuple[str, Shape], theirs: AnkiShape) -> bool:
    role, shape = ours
    numbers = ("left", "top", "width", "height", "rx", "ry", "angle", "scale")
    return (
        role == theirs.role
        and shape.kind == theirs.kind
        and shape.ordinals == theirs.ordinals
        and all(_same(getattr(shape, n), getattr(theirs, n)) for n in numbers)
        and shape.points == theirs.points
        and shape.fill == theirs.fill
        and shape.occlude_inactive == theirs.occlude_inactive
        and shape.text == theirs.text
        and shape.font_size == theirs.font_size
    )


def _anki_cards(anki: Any) -> list[Any]:
    return [anki.get_card(cid) for cid in sorted(anki.find_cards(""))]


def test_every_side_draws_the_shapes_anki_draws(imported) -> None:
    anki, _col = imported
    cards = _anki_cards(anki)
    assert len(cards) == 6  # three per note; the c0 label makes none
    for card in cards:
        note = card.note()
        shapes = parse_occlusions(note["Occlusion"])
        for question, rendered in ((True, card.question()), (False, card.answer())):
            ours = side_shapes(shapes, card.ord + 1, question=question)
            theirs = anki_shapes(rendered)
            assert len(ours) == len(theirs)
            for mine, anki_shape in zip(ours, theirs, strict=True):
                assert _matches(mine, anki_shape), (card.ord, question, mine, anki_shape)
                # Anki draws another card's shape only in "hide all" mode
                assert drawn(*mine) == (
                    anki_shape.role != "inactive" or anki_shape.occlude_inactive
                )


def test_shapes_grouped_by_card_as_anki_reports_them(imported) -> None:
    anki, _col = imported
    for nid in anki.find_notes(""):
        reported = anki.get_image_occlusion_note(nid).note
        ours = parse_occlusions(anki.get_note(nid)["Occlusion"])
        for occlusion in reported.occlusions:
            kinds = [s.shape for s in occlusion.shapes]
            assert kinds == [s.kind for s in ours if occlusion.ordinal in s.ordinals]
        mode = {s.occlude_inactive for s in ours if 0 not in s.ordinals}
        assert mode == {reported.occlude_inactive}


def test_the_cards_a_note_makes_are_anki_s(imported) -> None:
    anki, _col = imported
    for nid in anki.find_notes(""):
        note = anki.get_note(nid)
        fields = dict(note.items())
        ours = generated_ords([("t", "{{cloze:Occlusion}}", "")], fields, cloze=True)
        assert ours == sorted(card.ord for card in note.cards())


def test_text_around_the_image_is_what_anki_shows(imported) -> None:
    anki, col = imported
    ids = cirrus_cards(col)
    for card in _anki_cards(anki):
        ours = col.card(ids[(card.note().guid, card.ord)])
        assert plain(sanitise(ours.front)) == plain(outside_image(card.question()))
        assert plain(sanitise(ours.answer)) == plain(outside_image(card.answer()))
        assert "image-occlusion" not in plain(sanitise(ours.front))


def test_each_side_shows_a_picture_of_its_own_and_never_the_bare_image(imported) -> None:
    _anki, col = imported
    with col.engine.connect() as conn:
        image = conn.execute(text("SELECT sha256 FROM media")).scalar()
        ids = [int(i) for (i,) in conn.execute(text("SELECT id FROM card ORDER BY note_id, ord"))]
    pictures = set()
    for card_id in ids:
        card = col.card(card_id)
        for side in (sanitise(card.front), sanitise(card.answer)):
            assert image not in side
            name = side.split('src="media/')[1].split('"')[0]
            assert picture_path(col.media_dir, name) is not None
            pictures.add(name)
    assert len(pictures) == 2 * len(ids)


def test_a_missing_image_is_said_and_hides_nothing_away(imported) -> None:
    _anki, col = imported
    for stored in col.media_dir.iterdir():
        stored.unlink()
    with col.engine.connect() as conn:
        card_id = conn.execute(text("SELECT id FROM card")).scalar()
    front = sanitise(col.card(card_id).front)
    assert "[Image occlusion: its image is missing.]" in front
    assert "<img" not in front


def test_an_unwritable_cache_falls_back_to_a_temporary_folder(imported) -> None:
    _anki, col = imported
    (col.media_dir.parent / "cache").write_text("not a folder")
    with col.engine.connect() as conn:
        card_id = conn.execute(text("SELECT id FROM card")).scalar()
    front = sanitise(col.card(card_id).front)
    name = front.split('src="media/')[1].split('"')[0]
    found = picture_path(col.media_dir, name)
    assert found is not None and "cirrus-occlusion-" in str(found.parent)
    shutil.rmtree(found.parent)


def test_the_collection_check_finds_nothing_after_the_pictures_are_drawn(imported) -> None:
    _anki, col = imported
    with col.engine.connect() as conn:
        ids = [int(i) for (i,) in conn.execute(text("SELECT id FROM card"))]
    for card_id in ids:
        col.card(card_id)
    report = run_check(col, False, T0)
    assert [p.kind for p in report.problems if p.count] == []
