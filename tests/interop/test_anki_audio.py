"""Clips on Anki notes: Cirrus plays, per side, the clips Anki lists for that side, and an
export carries every clip the notes name (Anki built the packages; Anki reads the export)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.core import av_tags
from app.core.study_render import study_html
from app.storage.collection import Collection
from app.storage.media_files import clip_file, clip_label
from tests.conftest import T0
from tests.interop.anki_oracle import cirrus_cards, export, import_into_anki, new_anki

CLIPS = {
    "a.mp3": b"ID3\x03\x00\x00\x00\x00\x00\x0fclip a",
    "b.mp3": b"ID3\x03\x00\x00\x00\x00\x00\x0fclip b",
    "c.ogg": b"OggS\x00\x02clip c",
    "x&y.wav": b"RIFF\x24\x00\x00\x00WAVEclip",
    "film.mp4": b"\x00\x00\x00\x18ftypmp42film",
}
SAME = {"again.mp3": CLIPS["a.mp3"]}
"""A second name for a clip's content: the store keeps the file once."""
SAME_CONTENT = {"a.mp3", "again.mp3"}


def _notes(col: Any) -> None:
    """Sound on the front, on the back, on both, brought by {{FrontSide}}, repeated by a
    template without it, in a reversed card, in cloze deletions and Back Extra."""
    for name, data in {**CLIPS, **SAME}.items():
        col.media.write_data(name, data)
    deck = col.decks.id("Sounds")
    basic = col.models.by_name("Basic")
    for front, back in (
        ("front [sound:a.mp3]", "back"),
        ("front", "back [sound:b.mp3]"),
        ("[sound:a.mp3] front [sound:c.ogg]", "[sound:b.mp3] back [sound:a.mp3]"),
        ("amp [sound:x&amp;y.wav]", "film [sound:film.mp4]"),
        ("same content [sound:again.mp3]", "[sound:a.mp3]"),
    ):
        note = col.new_note(basic)
        note["Front"], note["Back"] = front, back
        col.add_note(note, deck)
    reversed_type = col.models.by_name("Basic (and reversed card)")
    note = col.new_note(reversed_type)
    note["Front"], note["Back"] = "[sound:a.mp3] word", "[sound:b.mp3] meaning"
    col.add_note(note, deck)
    mm = col.models
    repeat = mm.copy(basic, add=False)
    repeat["name"] = "Repeat front"
    repeat["tmpls"][0]["afmt"] = "{{Front}}<hr id=answer>{{Back}}"
    mm.add(repeat)
    note = col.new_note(mm.by_name("Repeat front"))
    note["Front"], note["Back"] = "again [sound:a.mp3]", "[sound:c.ogg]"
    col.add_note(note, deck)
    cloze = mm.by_name("Cloze")
    note = col.new_note(cloze)
    note["Text"] = "{{c1::[sound:a.mp3] one}} and {{c2::two [sound:b.mp3]}} [sound:c.ogg]"
    note["Back Extra"] = "extra [sound:x&amp;y.wav]"
    col.add_note(note, deck)


def _package(tmp_path: Path) -> Path:
    col = new_anki(tmp_path / "anki")
    try:
        _notes(col)
        return export(col, tmp_path / "sounds.apkg", legacy=False)
    finally:
        col.close()


def _names(tags: list[Any]) -> list[str]:
    return [tag.filename for tag in tags]


def _content(col: Collection, name: str) -> bytes | None:
    found = clip_file(col, name)
    return None if found is None else found.read_bytes()


def test_each_side_plays_the_clips_anki_lists(tmp_path: Path) -> None:
    package = _package(tmp_path)
    anki = import_into_anki(package, tmp_path / "oracle")
    cirrus = Collection.open(tmp_path / "cirrus")
    try:
        cirrus.import_path(package, T0)
        ids = cirrus_cards(cirrus)
        expected = {}
        for cid in anki.find_cards(""):
            card = anki.get_card(cid)
            expected[(card.note().guid, card.ord)] = (
                _names(card.question_av_tags()),
                _names(card.answer_av_tags()),
            )
        assert len(expected) == len(ids) == 10
        assert any(q and a for q, a in expected.values())
        media = Path(anki.media.dir())
        for key, (question, answer) in expected.items():
            card = cirrus.card(ids[key])
            shown_q = study_html(card, reveal=False)
            shown_a = study_html(card, reveal=True)
            sides = (
                (av_tags.autoplay(shown_q, answer=False), question),
                (av_tags.autoplay(shown_a, answer=True), answer),
                (av_tags.replay(shown_q, shown_a), question + answer),  # R, as Anki's replay
            )
            for clips, names in sides:
                # the same files, in the same order, shown by the names Anki lists
                assert [_content(cirrus, c.name) for c in clips] == [
                    (media / n).read_bytes() for n in names
                ], key
                # shown by the names Anki lists (one content under two names: either)
                for clip, name in zip(clips, names, strict=True):
                    label = clip_label(cirrus, clip.name)
                    assert label == name or {label, name} <= SAME_CONTENT, key
    finally:
        cirrus.close()
        anki.close()


def test_front_side_clips_show_buttons_but_do_not_play_again(tmp_path: Path) -> None:
    package = _package(tmp_path)
    cirrus = Collection.open(tmp_path / "cirrus")
    try:
        cirrus.import_path(package, T0)
        card = next(
            cirrus.card(i)
            for i in cirrus_cards(cirrus).values()
            if cirrus.card(i).front.startswith("front [sound:")
        )
        answer = study_html(card, reveal=True)
        assert "[sound:" not in answer and "[anki:play" not in answer
        (clip,) = av_tags.clips_in(answer)
        assert clip.side == "q" and _content(cirrus, clip.name) == CLIPS["a.mp3"]
        assert av_tags.autoplay(answer, answer=True) == []
    finally:
        cirrus.close()


def _clips_by_note(col: Any) -> dict[str, list[bytes]]:
    """Each note's clips (every field, in order) as the bytes of the files they name."""
    media = Path(col.media.dir())
    out = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        names = [n for field in note.fields for n in av_tags.clip_names(field)]
        out[note.guid] = [(media / n).read_bytes() for n in names]
    return out


def test_export_carries_every_clip_anki_finds(tmp_path: Path) -> None:
    package = _package(tmp_path)
    source = import_into_anki(package, tmp_path / "source")
    try:
        expected = _clips_by_note(source)
    finally:
        source.close()
    cirrus = Collection.open(tmp_path / "cirrus")
    try:
        cirrus.import_path(package, T0)
        out = tmp_path / "from-cirrus.apkg"
        cirrus.export(out, "apkg", with_history=False, now=T0)
    finally:
        cirrus.close()
    fresh = import_into_anki(out, tmp_path / "fresh")
    try:
        assert fresh.media.check().missing == []
        assert _clips_by_note(fresh) == expected  # every clip of every note, same content
        assert sum(len(v) for v in expected.values()) == 18
    finally:
        fresh.close()


def test_markdown_clips_reach_anki_under_their_names(tmp_path: Path) -> None:
    folder = tmp_path / "deck"
    (folder / "media").mkdir(parents=True)
    (folder / "media" / "word.mp3").write_bytes(CLIPS["a.mp3"])
    (folder / "media" / "meaning.ogg").write_bytes(CLIPS["c.ogg"])
    (folder / "words.md").write_text(
        "---\ndeck: Words\nid: words\n---\n\n## Say it [sound:media/word.mp3]\n"
        "<!-- id: w1 -->\n\nMeaning [sound:media/meaning.ogg]\n",
        encoding="utf-8",
    )
    cirrus = Collection.open(tmp_path / "cirrus")
    try:
        summary = cirrus.import_path(folder / "words.md", T0)
        assert summary.media == 2 and summary.warnings == []
        (card_id,) = cirrus_cards(cirrus).values()
        card = cirrus.card(card_id)
        question = study_html(card, reveal=False)
        answer = study_html(card, reveal=True)
        (asked,) = av_tags.autoplay(question, answer=False)
        (told,) = av_tags.autoplay(answer, answer=True)
        assert clip_file(cirrus, asked.name).read_bytes() == CLIPS["a.mp3"]  # type: ignore[union-attr]
        assert clip_file(cirrus, told.name).read_bytes() == CLIPS["c.ogg"]  # type: ignore[union-attr]
        out = tmp_path / "words.apkg"
        cirrus.export(out, "apkg", with_history=False, now=T0)
    finally:
        cirrus.close()
    anki = import_into_anki(out, tmp_path / "anki")
    try:
        (cid,) = anki.find_cards("")
        card = anki.get_card(cid)
        assert _names(card.question_av_tags()) == ["word.mp3"]
        assert _names(card.answer_av_tags()) == ["meaning.ogg"]
        media = Path(anki.media.dir())
        assert (media / "word.mp3").read_bytes() == CLIPS["a.mp3"]
        assert (media / "meaning.ogg").read_bytes() == CLIPS["c.ogg"]
    finally:
        anki.close()


def test_lists_show_a_clip_as_sound_not_as_its_hash(tmp_path: Path) -> None:
    from sqlalchemy import text

    package = _package(tmp_path)
    cirrus = Collection.open(tmp_path / "cirrus")
    try:
        cirrus.import_path(package, T0)
        with cirrus.engine.connect() as conn:
            sort_fields = {str(r[0]) for r in conn.execute(text("SELECT prompt_md FROM note"))}
        assert "[sound] front [sound]" in sort_fields
        assert not any("media/" in field for field in sort_fields)
    finally:
        cirrus.close()
