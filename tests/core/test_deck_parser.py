from __future__ import annotations

import pytest

from app.core.deck_parser import note_uid, parse_deck, parse_deck_file
from app.core.errors import DeckParseError
from app.core.models import NoteKind
from tests.conftest import FIXTURES, deck_text


def test_sample_deck_reads_every_construct() -> None:
    deck = parse_deck_file(FIXTURES / "decks" / "sample.md")
    assert deck.uid == "sample-messaging"
    assert deck.name == "Sample::Messaging"
    assert deck.tags == ("sample", "domain/3-connect")
    assert deck.description.startswith("A small deck with one card of every kind")
    assert "Basics" not in deck.description  # a level-1 heading is a section title
    kinds = {n.card_id: n.kind for n in deck.notes}
    assert kinds == {
        "sb-sessions": NoteKind.BASIC,
        "sb-dlq": NoteKind.REVERSED,
        "sb-premium": NoteKind.CLOZE,
        "sb-scenario": NoteKind.CHOICE,
        "kql-count": NoteKind.BASIC,
    }
    first = deck.notes[0]
    assert first.tags == ("service/service-bus", "ordering")
    assert first.verified == "2026-11-20"
    assert first.source.endswith("/message-sessions")
    # the fenced "## " and "???" lines stay inside the answer as code
    assert "## this is code, not a card" in first.answer
    assert first.front == ""
    kql = deck.notes[4]
    assert kql.front.startswith("```kusto")
    assert kql.answer.startswith("One row per HTTP result code")
    assert first.line == 12


def test_description_and_answer_whitespace_trimmed() -> None:
    deck = parse_deck(deck_text("## Q\n<!-- id: q -->\n\n\n   answer  \n\n"))
    assert deck.notes[0].answer == "   answer"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("no front matter\n", 1, "starts with '---'"),
        ("---\ndeck: X\nid: x\n", 1, "never closed"),
        ("---\ndeck: [unclosed\nid: x\n---\n", 3, "front matter"),
        ("---\ndeck: X\n---\n", 2, "needs 'id:'"),
        ("---\nid: x\n---\n", 2, "needs 'deck:'"),
        ("---\ndeck: A::::B\nid: x\n---\n", 2, "empty level"),
        ("---\ndeck: X\nid: x\n---\n\n## \n", 6, "needs a prompt"),
        ("---\ndeck: X\nid: x\n---\n\n## Q\n\n```python\nprint()\n", 8, "never closed"),
        (
            "---\ndeck: X\nid: x\n---\n\n## Q\n<!-- id: a -->\n\n## R\n<!-- id: a -->\n",
            9,
            "used twice",
        ),
        ("---\ndeck: X\nid: x\n---\n\n## Q\n<!-- id: a; colour: red -->\n", 7, "unknown card"),
        ("---\ndeck: X\nid: x\n---\n\n## Q\nfront\n???\nmid\n???\nend\n", 10, "twice"),
        (
            "---\ndeck: X\nid: x\n---\n\n## Q\n<!-- id: a; verified: 26/11/2026 -->\n",
            6,
            "not YYYY-MM-DD",
        ),
        ("---\ndeck: X\nid: x\n---\n\n## The {{c1:Premium}} tier\n", 6, "malformed cloze"),
        ("---\ndeck: X\nid: x\n---\n\n## Q\n<!-- type: multiple -->\nA\n", 6, "unknown card type"),
        ("---\ndeck: X\nid: x\n---\n\n## Q\n<!-- type: cloze -->\nA\n", 6, "does not fit"),
        (
            "---\ndeck: X\nid: x\n---\n\n## Q\n<!-- id: a -->\n<!-- id: b -->\n",
            8,
            "one metadata comment",
        ),
    ],
)
def test_malformed_input_names_file_and_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(DeckParseError) as info:
        parse_deck(text, "bad.md")
    assert info.value.line == line
    assert fragment in info.value.message
    assert str(info.value).startswith(f"bad.md:{line}: ")


def test_card_without_id_warns_and_gets_a_stable_identity() -> None:
    deck = parse_deck(deck_text("## What is   FIFO?\nFirst in, first out.\n"))
    note = deck.notes[0]
    assert note.card_id is None
    assert any("has no id" in w for w in deck.warnings)
    same = parse_deck(deck_text("## what is fifo?\nedited answer\n")).notes[0]
    assert note_uid("test", note) == note_uid("test", same)
    assert note_uid("test", note).startswith("test/h-")


def test_cloze_numbers_and_hints() -> None:
    deck = parse_deck(
        deck_text(
            "## A {{c2::b::hint}} and {{c1::c}} and {{c2::d}}\n<!-- id: z -->\n\nExtra text.\n"
        )
    )
    note = deck.notes[0]
    assert note.kind == NoteKind.CLOZE
    assert note.answer == "Extra text."


def test_cloze_in_body_before_split_makes_a_cloze_card() -> None:
    deck = parse_deck(deck_text("## Fill in\n\nThe {{c1::answer}} is here.\n\n???\n\nextra\n"))
    assert deck.notes[0].kind == NoteKind.CLOZE


def test_task_list_without_checked_option_is_not_choice() -> None:
    deck = parse_deck(deck_text("## Q\n\n- [ ] a\n- [ ] b\n\n???\n\nA\n"))
    assert deck.notes[0].kind == NoteKind.BASIC


def test_windows_line_endings_and_bom() -> None:
    text = "\ufeff" + deck_text("## Q\n<!-- id: q -->\nA\n").replace("\n", "\r\n")
    deck = parse_deck(text)
    assert deck.notes[0].answer == "A"


def test_non_utf8_file_is_refused_with_its_line(tmp_path) -> None:
    path = tmp_path / "latin1.md"
    path.write_bytes(deck_text("## Caf\u00e9\nA\n").encode("latin-1"))
    with pytest.raises(DeckParseError) as info:
        parse_deck_file(path)
    assert info.value.line == 9  # the heading with the Latin-1 byte
    assert "not UTF-8" in info.value.message
