"""Anki-style text files: headers, delimiters, quoting, encodings, columns and note types."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path

import pytest

from app.core.errors import BadInputError
from app.interop.foreign import BASIC, ForeignBatch, ForeignNote
from app.interop.text_notes import (
    MAX_TEXT_BYTES,
    TextOptions,
    decode_text,
    parse_text_notes,
    read_text,
)
from tests.conftest import FIXTURES

TEXT = FIXTURES / "text"


def fields(batch: ForeignBatch) -> list[tuple[str, ...]]:
    return [note.fields for note in batch.notes]


def only(batch: ForeignBatch) -> ForeignNote:
    assert len(batch.notes) == 1
    return batch.notes[0]


# --- the Anki export fixture --------------------------------------------------------------


def test_anki_export_keeps_guids_notetypes_decks_and_tags() -> None:
    batch = parse_text_notes(read_text(TEXT / "anki_export.txt"), source="anki_export.txt")
    assert batch.format == "csv"
    assert batch.warnings == []
    basic, cloze = batch.notes
    assert basic.guid == "Fq3#x(9kL"
    assert basic.notetype == "Basic"
    assert basic.deck == "AI-200::Storage"
    assert basic.fields == ("What does <b>Blob</b> storage hold?", "Unstructured data")
    assert basic.tags == ("azure", "storage")
    assert cloze.guid == "c7;Yh2]pQz"
    assert cloze.deck == "AI-200::Compute"
    assert cloze.fields == (
        'A {{c1::Function}} runs on "events".\nIt scales {{c2::automatically}}.',
        "Consumption plan",
    )
    assert cloze.tags == ("azure",)


def test_anki_export_builds_basic_and_cloze_notetypes() -> None:
    batch = parse_text_notes(read_text(TEXT / "anki_export.txt"))
    assert set(batch.notetypes) == {"Basic", "Cloze"}
    basic, cloze = batch.notetypes["Basic"], batch.notetypes["Cloze"]
    assert basic.fields == ("Front", "Back") and not basic.cloze
    assert [(t.qfmt, t.afmt) for t in basic.templates] == [
        ("{{Front}}", "{{FrontSide}}<hr id=answer>{{Back}}")
    ]
    assert cloze.cloze and cloze.fields == ("Text", "Back Extra")
    assert [(t.qfmt, t.afmt) for t in cloze.templates] == [
        ("{{cloze:Text}}", "{{cloze:Text}}<br>{{Back Extra}}")
    ]


# --- headers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "delimiter"),
    [
        ("tab", "\t"),
        ("Tab", "\t"),
        ("Comma", ","),
        ("Semicolon", ";"),
        ("Pipe", "|"),
        ("Space", " "),
        ("Colon", ":"),
        ("\t", "\t"),
        (";", ";"),
        ("~", "~"),
    ],
)
def test_separator_header_by_name_or_character(value: str, delimiter: str) -> None:
    text = f"#separator:{value}\nq{delimiter}a\n"
    assert fields(parse_text_notes(text)) == [("q", "a")]


def test_separator_header_overrides_sniffing_and_options() -> None:
    text = "#separator:pipe\na,b|c,d\n"
    batch = parse_text_notes(text, TextOptions(delimiter=","))
    assert fields(batch) == [("a,b", "c,d")]


def test_unknown_separator_names_the_line() -> None:
    with pytest.raises(BadInputError, match=r"deck\.csv:2: unknown separator 'dash'"):
        parse_text_notes("#html:true\n#separator:dash\nq-a\n", source="deck.csv")


def test_html_false_escapes_markup_and_newlines() -> None:
    text = '#separator:comma\n#html:false\n"a < b & c > d","line 1\nline 2\r\nline 3"\n'
    assert fields(parse_text_notes(text)) == [
        ("a &lt; b &amp; c &gt; d", "line 1<br>line 2<br>line 3")
    ]


def test_html_true_keeps_fields_as_written() -> None:
    text = '#separator:comma\n#html:true\n"<i>x</i> &amp; y","a\nb"\n'
    assert fields(parse_text_notes(text)) == [("<i>x</i> &amp; y", "a\nb")]


def test_html_header_wins_over_the_option() -> None:
    text = "#html:true\n<b>q</b>\ta\n"
    assert fields(parse_text_notes(text, TextOptions(html=False))) == [("<b>q</b>", "a")]


def test_html_option_false_escapes_a_file_without_header() -> None:
    assert fields(parse_text_notes("<b>q</b>\ta\n", TextOptions(html=False))) == [
        ("&lt;b&gt;q&lt;/b&gt;", "a")
    ]


def test_without_html_setting_markup_in_any_field_means_html() -> None:
    assert fields(parse_text_notes("1 < 2\tyes\nq\t<b>a</b>\n")) == [
        ("1 < 2", "yes"),
        ("q", "<b>a</b>"),
    ]
    assert fields(parse_text_notes("1 < 2\tyes & no\n")) == [("1 &lt; 2", "yes &amp; no")]


def test_bad_html_value_names_the_line() -> None:
    with pytest.raises(BadInputError, match=r"<text>:1: '#html:' takes true or false"):
        parse_text_notes("#html:maybe\nq\ta\n")


def test_tags_header_is_added_to_every_note_before_the_row_tags() -> None:
    text = "#separator:tab\n#tags:exam  ai200\n#tags column:3\nq1\ta1\tstorage exam\nq2\ta2\t\n"
    batch = parse_text_notes(text)
    assert [note.tags for note in batch.notes] == [("exam", "ai200", "storage"), ("exam", "ai200")]


def test_deck_comes_from_column_then_header_then_option_then_default() -> None:
    text = "#separator:tab\n#deck:Header Deck\n#deck column:1\nColumn Deck\tq1\ta\n\tq2\ta\n"
    batch = parse_text_notes(text, TextOptions(deck="Option Deck"))
    assert [note.deck for note in batch.notes] == ["Column Deck", "Header Deck"]
    assert only(parse_text_notes("q\ta\n", TextOptions(deck="Option Deck"))).deck == "Option Deck"
    assert only(parse_text_notes("q\ta\n")).deck == "Default"


def test_notetype_header_is_the_default_notetype() -> None:
    batch = parse_text_notes("#notetype:Cloze\n#separator:tab\n{{c1::Paris}} is in France\n")
    note = only(batch)
    assert note.notetype == "Cloze"
    assert note.fields == ("{{c1::Paris}} is in France", "")
    assert batch.notetypes["Cloze"].cloze


def test_notetype_option_applies_when_the_file_names_none() -> None:
    batch = parse_text_notes("q\ta\n", TextOptions(notetype="Basic (and reversed card)"))
    notetype = batch.notetypes[only(batch).notetype]
    assert notetype.name == "Basic (and reversed card)"
    assert [(t.name, t.qfmt) for t in notetype.templates] == [
        ("Card 1", "{{Front}}"),
        ("Card 2", "{{Back}}"),
    ]
    assert notetype.templates[1].afmt == "{{FrontSide}}<hr id=answer>{{Front}}"


def test_unknown_header_is_a_warning() -> None:
    batch = parse_text_notes("#separator:tab\n#colour:blue\nq\ta\n", source="f.txt")
    assert batch.warnings == ["f.txt:2: unknown header '#colour:' ignored"]
    assert fields(batch) == [("q", "a")]


def test_columns_header_is_accepted_and_comment_lines_are_skipped() -> None:
    batch = parse_text_notes("# exported by hand\n#columns:Front\tBack\nq\ta\n")
    assert batch.warnings == []
    assert fields(batch) == [("q", "a")]


def test_a_hash_row_after_the_header_is_data() -> None:
    text = "#separator:tab\n#guid column:1\n#abc\tq\ta\n#notes:x\tq2\ta2\n"
    batch = parse_text_notes(text)
    assert [note.guid for note in batch.notes] == ["#abc", "#notes:x"]
    assert batch.warnings == []


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("#guid column:0", r"x:1: '#guid column:' needs a column number from 1"),
        ("#deck column:two", r"x:1: '#deck column:' needs a column number"),
        ("#deck column:1\n#tags column:1", r"x:2: column 1 already has another role"),
    ],
)
def test_bad_column_headers_name_the_line(header: str, message: str) -> None:
    with pytest.raises(BadInputError, match=message):
        parse_text_notes(f"{header}\nq\ta\n", source="x")


# --- special columns and note types ---------------------------------------------------------


def test_special_columns_are_taken_out_of_the_fields() -> None:
    text = (
        "#separator:comma\n#tags column:1\n#guid column:3\n#deck column:5\n#notetype column:6\n"
        "t1 t2,front,g-1,back,Deck::Sub,Basic\n"
    )
    note = only(parse_text_notes(text))
    assert note == ForeignNote("g-1", "Basic", ("front", "back"), ("t1", "t2"), "Deck::Sub")


def test_a_notetype_has_as_many_fields_as_its_widest_row() -> None:
    text = (
        "#separator:tab\n#notetype column:1\n#tags column:6\n"
        "Vocab\tchien\tdog\t\t\tanimals\n"
        "Vocab\tchat\tcat\tle chat\t\t\n"
        "Basic\tq\ta\t\t\t\n"
    )
    batch = parse_text_notes(text)
    vocab = batch.notetypes["Vocab"]
    assert vocab.fields == ("Field 1", "Field 2", "Field 3")
    assert vocab.templates[0].qfmt == "{{Field 1}}"
    assert vocab.templates[0].afmt == "{{FrontSide}}<hr id=answer>{{Field 2}}<br>{{Field 3}}"
    assert fields(batch) == [("chien", "dog", ""), ("chat", "cat", "le chat"), ("q", "a")]
    assert batch.notetypes["Basic"].fields == ("Front", "Back")
    assert batch.notes[0].tags == ("animals",)


def test_optional_reversed_notetype_has_its_flag_field() -> None:
    text = "#notetype column:1\nBasic (optional reversed card)\tq\ta\ty\n"
    notetype = parse_text_notes(text).notetypes["Basic (optional reversed card)"]
    assert notetype.fields == ("Front", "Back", "Add Reverse")
    assert notetype.templates[1].qfmt == "{{#Add Reverse}}{{Back}}{{/Add Reverse}}"


def test_rows_without_a_notetype_are_basic() -> None:
    batch = parse_text_notes("q\ta\n")
    assert batch.notetypes == {"basic": BASIC}
    assert only(batch).notetype == "basic"


def test_extra_columns_of_basic_rows_are_dropped_with_a_warning() -> None:
    batch = parse_text_notes("q\ta\textra\nq2\ta2\n", source="f")
    assert fields(batch) == [("q", "a"), ("q2", "a2")]
    assert len(batch.warnings) == 1
    assert batch.warnings[0].startswith("f:1: Basic notes take two fields")


def test_rows_with_an_empty_first_field_are_skipped_with_their_line() -> None:
    text = '#separator:comma\n"multi\nline",a\n ,b\n\nq,c\n,d\n'
    batch = parse_text_notes(text, source="s.csv")
    assert fields(batch) == [("multi<br>line", "a"), ("q", "c")]
    assert batch.skipped == 2
    assert batch.warnings == [
        "s.csv:4: the first field is empty; row skipped",
        "s.csv:7: the first field is empty; row skipped",
    ]


def test_a_file_without_notes_is_refused() -> None:
    with pytest.raises(BadInputError, match=r"empty\.csv: no notes found"):
        parse_text_notes("#separator:tab\n\n\n", source="empty.csv")


# --- guids --------------------------------------------------------------------------------


def test_generated_guids_are_stable_across_imports() -> None:
    first = parse_text_notes("q1\ta\nq2\tb\n")
    again = parse_text_notes("q2\tchanged\nq1\tother\n")
    assert [n.guid for n in first.notes] == [n.guid for n in reversed(again.notes)]
    assert all(n.guid.startswith("csv:") and len(n.guid) == 20 for n in first.notes)


def test_generated_guids_depend_on_notetype_and_first_field() -> None:
    basic = only(parse_text_notes("q\ta\n")).guid
    assert only(parse_text_notes("q \ta\n")).guid == basic
    assert only(parse_text_notes("q2\ta\n")).guid != basic
    assert only(parse_text_notes("q\ta\n", TextOptions(notetype="Vocab"))).guid != basic


def test_a_repeated_first_field_makes_a_note_per_row_and_a_repeated_guid_is_skipped() -> None:
    batch = parse_text_notes("q\ta\nq\tb\nq\tc\n", source="f")
    assert fields(batch) == [("q", "a"), ("q", "b"), ("q", "c")]
    guids = [n.guid for n in batch.notes]
    assert len(set(guids)) == 3 and batch.skipped == 0 and not batch.warnings
    assert guids == [n.guid for n in parse_text_notes("q\ta\nq\tb\nq\tc\n").notes]
    twice = parse_text_notes("#guid column:1\nabc\tq\ta\nabc\tr\tb\n", source="f")
    assert fields(twice) == [("q", "a")] and twice.skipped == 1
    assert twice.warnings == ["f:3: the same guid as line 2; row skipped"]


def test_guid_column_wins_over_the_generated_guid() -> None:
    batch = parse_text_notes("#guid column:2\nq\tabc\ta\nq\t\ta\n")
    assert [n.guid for n in batch.notes] == ["abc", only(parse_text_notes("q\ta\n")).guid]


# --- delimiters and quoting ----------------------------------------------------------------


@pytest.mark.parametrize("delimiter", ["\t", ",", ";", "|"])
def test_delimiter_is_sniffed(delimiter: str) -> None:
    text = "".join(f"q{i}{delimiter}a{i}{delimiter}t{i}\n" for i in range(3))
    batch = parse_text_notes(text, TextOptions(columns=("front", "back", "tags")))
    assert fields(batch) == [(f"q{i}", f"a{i}") for i in range(3)]
    assert [n.tags for n in batch.notes] == [(f"t{i}",) for i in range(3)]


def test_sniffing_prefers_tab_and_ignores_quoted_delimiters() -> None:
    assert fields(parse_text_notes("a,b\tc,d\ne,f\tg,h\n")) == [("a,b", "c,d"), ("e,f", "g,h")]
    text = 'q1,"a; b; c"\nq2,"d; e"\n'
    assert fields(parse_text_notes(text)) == [("q1", "a; b; c"), ("q2", "d; e")]


def test_sniffing_picks_the_delimiter_that_splits_rows_evenly() -> None:
    text = "Größe;1,5 m\nBreite;2 m\nHöhe;3,25 m\n"
    assert fields(parse_text_notes(text)) == [
        ("Größe", "1,5 m"),
        ("Breite", "2 m"),
        ("Höhe", "3,25 m"),
    ]


def test_delimiter_option_is_used_without_a_header() -> None:
    assert fields(parse_text_notes("a,b;c\n", TextOptions(delimiter="semicolon"))) == [("a,b", "c")]
    with pytest.raises(BadInputError, match="unknown delimiter 'dash'"):
        parse_text_notes("a-b\n", TextOptions(delimiter="dash"))


def test_quoted_fields_hold_newlines_delimiters_and_doubled_quotes() -> None:
    text = (
        '#separator:comma\n#html:true\n"line 1\nline 2, still field 1","say ""hi"""\n'
        'next,"a\r\nb"\n'
    )
    assert fields(parse_text_notes(text)) == [
        ("line 1\nline 2, still field 1", 'say "hi"'),
        ("next", "a\r\nb"),
    ]


def test_line_numbers_count_the_lines_of_quoted_fields() -> None:
    text = '#separator:comma\n"a\nb\nc",x\n,skipped\n'
    assert parse_text_notes(text, source="f").warnings == [
        "f:5: the first field is empty; row skipped"
    ]


def test_windows_and_old_mac_line_endings() -> None:
    assert fields(parse_text_notes("q1\ta1\r\nq2\ta2\rq3\ta3")) == [
        ("q1", "a1"),
        ("q2", "a2"),
        ("q3", "a3"),
    ]


# --- column mapping -------------------------------------------------------------------------


def test_column_mapping_onto_basic_in_any_order() -> None:
    text = "ignored,answer,question,tag1 tag2,My::Deck,id-1\n"
    options = TextOptions(columns=("ignore", "back", "front", "tags", "deck", "guid"))
    batch = parse_text_notes(text, options)
    assert batch.notetypes == {"basic": BASIC}
    assert only(batch) == ForeignNote(
        "id-1", "basic", ("question", "answer"), ("tag1", "tag2"), "My::Deck"
    )


def test_column_mapping_with_fields_makes_a_notetype() -> None:
    options = TextOptions(columns=("field:Word", "tags", "field:Meaning", "field:Example"))
    batch = parse_text_notes("chien,animal,dog,Le chien dort.\n", options)
    notetype = batch.notetypes["Imported"]
    assert notetype.fields == ("Word", "Meaning", "Example")
    assert notetype.templates[0].qfmt == "{{Word}}"
    assert only(batch).fields == ("chien", "dog", "Le chien dort.")
    assert only(batch).tags == ("animal",)
    named = parse_text_notes(
        "chien,dog\n", TextOptions(columns=("field:W", "field:M"), notetype="Vocab")
    )
    assert only(named).notetype == "Vocab"
    assert named.notetypes["Vocab"].fields == ("W", "M")


def test_column_mapping_wins_over_column_headers() -> None:
    text = "#separator:tab\n#guid column:1\n#deck column:2\nq\ta\n"
    note = only(parse_text_notes(text, TextOptions(columns=("front", "back"))))
    assert note.fields == ("q", "a")
    assert note.deck == "Default"
    assert note.guid.startswith("csv:")


def test_columns_beyond_the_mapping_are_ignored_with_one_warning() -> None:
    batch = parse_text_notes("q,a,x\nq2,a2,y\n", TextOptions(columns=("front", "back")))
    assert fields(batch) == [("q", "a"), ("q2", "a2")]
    assert batch.warnings == ["<text>:1: columns beyond the mapping are ignored"]


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (("front", "answer"), r"column 2: unknown role 'answer'"),
        (("front", "front"), r"column 2: field name 'Front' is empty, taken or invalid"),
        (("field:", "back"), r"column 1: field name '' is empty"),
        (("field:A", "field:{{B}}"), r"column 2: field name '\{\{B\}\}' is empty, taken or inv"),
        (("field:#A",), r"column 1: field name '#A' is empty, taken or invalid"),
        (("front", "tags", "tags"), r"column 3: the role 'tags' is given twice"),
        (("back", "tags"), r"needs a 'front' or 'field:' column"),
        (("ignore",), r"needs a 'front' or 'field:' column"),
    ],
)
def test_bad_column_mappings_are_refused(columns: tuple[str, ...], message: str) -> None:
    with pytest.raises(BadInputError, match=message):
        parse_text_notes("a,b,c\n", TextOptions(columns=columns), source="m.csv")


def test_header_row_is_skipped_when_asked() -> None:
    text = "Front,Back\nq,a\n"
    assert fields(parse_text_notes(text, TextOptions(has_header_row=True))) == [("q", "a")]
    assert fields(parse_text_notes(text)) == [("Front", "Back"), ("q", "a")]


# --- reading files --------------------------------------------------------------------------


def test_utf16_fixture_is_read() -> None:
    batch = parse_text_notes(read_text(TEXT / "utf16.csv"))
    assert fields(batch) == [("Größe", "size"), ("École", "school, college"), ("東京", "Tokyo")]


@pytest.mark.parametrize(
    "encode",
    [
        lambda s: s.encode("utf-8"),
        lambda s: codecs.BOM_UTF8 + s.encode("utf-8"),
        lambda s: codecs.BOM_UTF16_LE + s.encode("utf-16-le"),
        lambda s: codecs.BOM_UTF16_BE + s.encode("utf-16-be"),
        lambda s: s.encode("utf-16-le"),
        lambda s: s.encode("utf-16-be"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf16le", "utf16be"],
)
def test_read_text_encodings(tmp_path: Path, encode: Callable[[str], bytes]) -> None:
    text = 'Größe\tsize\nq\t"a, b"\n'
    path = tmp_path / "notes.txt"
    path.write_bytes(encode(text))
    assert read_text(path) == text


def test_latin1_text_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("ok,fine\nGr\xf6\xdfe,size\n".encode("latin-1"))
    with pytest.raises(BadInputError, match=r"latin\.csv: not UTF-8 or UTF-16 text.*line 2"):
        read_text(path)


def test_binary_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00")
    with pytest.raises(BadInputError, match=r"image\.csv: a binary file"):
        read_text(path)
    with pytest.raises(BadInputError, match="a binary file"):
        decode_text(b"\x01\x02\x03\x04\x05 text \x06\x07\x08\x0e\x0f", "b")


def test_files_over_the_text_limit_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as fh:
        fh.truncate(MAX_TEXT_BYTES + 1)  # sparse: nothing is written
    with pytest.raises(BadInputError, match=r"huge\.csv: the file is larger than the limit"):
        read_text(path)


def test_missing_files_and_folders_are_refused(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="cannot read the file"):
        read_text(tmp_path / "missing.csv")
    with pytest.raises(BadInputError, match="is a folder"):
        read_text(tmp_path)


def test_anki_choice_headers_are_read_and_bad_values_warned() -> None:
    batch = parse_text_notes(
        "#separator:tab\n#if matches:keep both\n#match scope:notetype + deck\na\tb\n"
    )
    assert batch.text_choices == {"duplicates": "duplicate", "match_scope": "deck"}
    odd = parse_text_notes("#separator:tab\n#if matches:sometimes\na\tb\n")
    assert odd.text_choices == {} and any("sometimes" in w for w in odd.warnings)
