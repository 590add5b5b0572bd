"""Random input to the text parsers: only the importer's own errors may escape."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.core.deck_parser import parse_deck
from app.core.errors import BadInputError, DeckParseError
from app.interop.foreign import ForeignBatch
from app.interop.text_notes import TextOptions, decode_text, parse_text_notes, read_text

FUZZ = settings(max_examples=200, deadline=None)

# pieces that steer random text towards headers, quoting and note types
_PIECES = [
    "\t",
    ",",
    ";",
    "|",
    " ",
    ":",
    '"',
    '""',
    "\n",
    "\r\n",
    "\r",
    "#",
    "<b>",
    "&",
    "\x00",
    "#separator:tab\n",
    "#separator:comma\n",
    "#separator:x\n",
    "#html:true\n",
    "#html:false\n",
    "#html:yes\n",
    "#tags:a b\n",
    "#deck:D::E\n",
    "#notetype:Cloze\n",
    "#guid column:1\n",
    "#notetype column:2\n",
    "#deck column:3\n",
    "#tags column:9\n",
    "#tags column:0\n",
    "#columns:a\tb\n",
    "#what:ever\n",
    "Basic",
    "Cloze",
    "Basic (and reversed card)",
    "{{c1::x}}",
    "q",
    "answer",
    "é",
    "\u2028",
    "\ufeff",
]
csvish = st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=5)), max_size=40).map(
    "".join
)
_NOTETYPES = [
    "basic",
    "Basic",
    "Cloze",
    "Vocab",
    "Basic (and reversed card)",
    "Basic (optional reversed card)",
]
roles = st.sampled_from(
    ["front", "back", "tags", "deck", "guid", "ignore", "field:A", "field:B", "field:C", "x"]
)
options = st.builds(
    TextOptions,
    delimiter=st.one_of(st.none(), st.sampled_from(["tab", "comma", ";", "|", "bad", ""])),
    html=st.one_of(st.none(), st.booleans()),
    deck=st.one_of(st.none(), st.just("Opt")),
    notetype=st.one_of(st.none(), st.sampled_from(_NOTETYPES)),
    columns=st.one_of(st.none(), st.lists(roles, min_size=1, max_size=5).map(tuple)),
    has_header_row=st.booleans(),
)


def check_batch(batch: ForeignBatch) -> None:
    """What the importer relies on in every batch."""
    guids = [note.guid for note in batch.notes]
    assert len(set(guids)) == len(guids)
    for note in batch.notes:
        notetype = batch.notetypes[note.notetype]
        assert len(note.fields) == len(notetype.fields)
        assert note.fields[0].strip()
        assert note.deck
        assert all(tag and not any(c.isspace() for c in tag) for tag in note.tags)


@FUZZ
@given(st.text())
def test_random_text_to_parse_text_notes(text: str) -> None:
    try:
        batch = parse_text_notes(text)
    except BadInputError:
        return
    check_batch(batch)


@FUZZ
@given(csvish, options)
def test_csv_like_text_with_options_to_parse_text_notes(text: str, opts: TextOptions) -> None:
    try:
        batch = parse_text_notes(text, opts, source="fuzz.csv")
    except BadInputError as exc:
        assert str(exc).startswith("fuzz.csv")
        return
    check_batch(batch)


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_to_decode_text(data: bytes) -> None:
    try:
        text = decode_text(data, "fuzz.bin")
    except BadInputError as exc:
        assert str(exc).startswith("fuzz.bin: ")
        return
    assert "\x00" not in text


@FUZZ
@given(st.binary(max_size=300).map(lambda b: b.replace(b"\x00", b"") + b"\x00"))
def test_bytes_with_nul_are_never_utf8_text(data: bytes) -> None:
    try:
        text = decode_text(data)
    except BadInputError:
        return
    assert data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or len(data) % 2 == 0
    assert "\x00" not in text


printable = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=200)


@FUZZ
@given(
    printable, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le-bom", "utf-16-be-bom"])
)
def test_text_survives_every_accepted_encoding(text: str, encoding: str) -> None:
    # A leading U+FEFF is a byte-order mark by definition: a file cannot tell it from one.
    assume(not text.startswith("\ufeff"))
    boms = {"utf-16-le-bom": codecs.BOM_UTF16_LE, "utf-16-be-bom": codecs.BOM_UTF16_BE}
    bom = boms.get(encoding, b"")
    data = bom + text.encode(encoding[:9] if bom else encoding)
    assert decode_text(data) == text


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=300))
def test_random_files_to_read_text(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    try:
        read_text(path)
    except BadInputError as exc:
        assert str(path) in str(exc)


# --- the Markdown deck parser -------------------------------------------------------------

_DECK_PIECES = [
    "---\n",
    "id: fuzz\n",
    "deck: Fuzz\n",
    "tags: [a, b]\n",
    "tags: x\n",
    "source: 1\n",
    "## ",
    "## Q\n",
    "???\n",
    "```\n",
    "~~~\n",
    "<!-- id: c1 -->\n",
    "<!-- type: cloze -->\n",
    "<!-- type: reversed; tags: t -->\n",
    "<!-- verified: 2024-02-30 -->\n",
    "<!-- x: y -->\n",
    "{{c1::a}}",
    "{{c1::",
    "- [x] a\n- [ ] b\n",
    "# Section\n",
    "\n",
    ":",
    "[",
    "{",
    "'",
]
decklike = st.lists(st.one_of(st.sampled_from(_DECK_PIECES), st.text(max_size=4)), max_size=30)


@FUZZ
@given(st.text())
def test_random_text_to_parse_deck(text: str) -> None:
    try:
        deck = parse_deck(text)
    except DeckParseError as exc:
        assert exc.line >= 0
        return
    assert deck.uid


@FUZZ
@given(decklike.map(lambda parts: "---\nid: fuzz\ndeck: Fuzz\n---\n" + "".join(parts)))
def test_deck_like_text_to_parse_deck(text: str) -> None:
    try:
        deck = parse_deck(text, "fuzz.md")
    except DeckParseError as exc:
        assert exc.path == "fuzz.md" and exc.line >= 1
        return
    assert deck.uid == "fuzz"


def test_impossible_date_in_front_matter_is_a_deck_parse_error() -> None:
    with pytest.raises(DeckParseError):
        parse_deck("---\nid: 2024-13-45\ndeck: D\n---\n")


def test_deeply_nested_front_matter_is_a_deck_parse_error() -> None:
    with pytest.raises(DeckParseError):
        parse_deck("---\nid: " + "[" * 2000 + "\n---\n")
