"""Obsidian "Spaced Repetition" notes become decks of Markdown notes."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import pytest

from app.core.errors import BadInputError
from app.core.models import DeckFile, NoteKind, NoteSpec
from app.interop.obsidian import read_vault
from tests.conftest import FIXTURES

VAULT = FIXTURES / "obsidian"


def write(vault: Path, name: str, text: str) -> Path:
    path = vault / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def one_deck(vault: Path) -> DeckFile:
    decks, _ = read_vault(vault)
    assert len(decks) == 1
    return decks[0]


def card(vault: Path, text: str) -> NoteSpec:
    write(vault, "note.md", "#flashcards\n\n" + textwrap.dedent(text).lstrip("\n"))
    notes = one_deck(vault).notes
    assert len(notes) == 1
    return notes[0]


def card_id(question: str) -> str:
    return "obs-" + hashlib.sha1(question.encode()).hexdigest()[:12]


# --- the fixture vault ------------------------------------------------------------------------


def test_fixture_vault_decks_come_from_folder_and_tag() -> None:
    decks, warnings = read_vault(VAULT)
    assert warnings == []
    assert [(d.uid, d.name) for d in decks] == [
        ("obsidian-biology-cells", "Biology::Cells"),
        ("obsidian-languages-french", "Languages::French"),
    ]
    assert decks[0].path == str(VAULT / "Biology" / "Cells" / "mitochondria.md")
    assert decks[1].path == str(VAULT / "Languages" / "French" / "verbs.md")


def test_fixture_vault_cards() -> None:
    biology, french = read_vault(VAULT)[0]
    assert [(n.prompt, n.front, n.answer, n.kind) for n in biology.notes] == [
        ("What is the powerhouse of the cell?", "", "The mitochondrion", NoteKind.BASIC),
        ("ATP stands for", "", "adenosine triphosphate", NoteKind.REVERSED),
        (
            "What do mitochondria have",
            "that most organelles lack?",
            "Their own DNA\nand ribosomes.",
            NoteKind.BASIC,
        ),
        ("The {{c1::inner membrane}} folds into {{c2::cristae}}.", "", "", NoteKind.CLOZE),
    ]
    assert {n.tags for n in biology.notes} == {("biology", "cells")}
    assert [n.line for n in biology.notes] == [9, 12, 14, 21]
    assert [(n.prompt, n.answer, n.kind, n.tags) for n in french.notes] == [
        ("to go", "aller", NoteKind.REVERSED, ("verbs",)),
        (
            "Conjugate *être* in the present tense",
            "je suis, tu es, il est",
            NoteKind.REVERSED,
            ("verbs",),
        ),
    ]


def test_fixture_vault_skips_hidden_folders_and_untagged_notes() -> None:
    decks, _ = read_vault(VAULT)
    texts = [n.prompt + n.answer for d in decks for n in d.notes]
    assert not any(".obsidian" in t or "must not" in t or "Not a card" in t for t in texts)
    assert sum(len(d.notes) for d in decks) == 6


# --- card syntax ------------------------------------------------------------------------------


def test_single_line_card(tmp_path: Path) -> None:
    note = card(tmp_path, "What is 2 + 2?::Four\n")
    assert (note.prompt, note.front, note.answer, note.kind) == ("What is 2 + 2?", "", "Four", 0)
    assert note.card_id == card_id("What is 2 + 2?")


def test_single_line_reversed_card(tmp_path: Path) -> None:
    note = card(tmp_path, "dog:::chien\n")
    assert (note.prompt, note.answer, note.kind) == ("dog", "chien", NoteKind.REVERSED)


def test_multi_line_card_puts_the_rest_of_the_question_into_front(tmp_path: Path) -> None:
    note = card(
        tmp_path,
        """
        Line one of the question
        line two
        ?
        Answer one
        answer two

        Not part of the card.
        """,
    )
    assert note.prompt == "Line one of the question"
    assert note.front == "line two"
    assert note.answer == "Answer one\nanswer two"
    assert note.kind == NoteKind.BASIC
    assert note.card_id == card_id("Line one of the question\nline two")


def test_multi_line_reversed_card(tmp_path: Path) -> None:
    note = card(tmp_path, "Capital of Italy\n??\nRome\n")
    assert (note.prompt, note.answer, note.kind) == ("Capital of Italy", "Rome", NoteKind.REVERSED)


def test_multi_line_answer_runs_to_the_end_of_the_note(tmp_path: Path) -> None:
    note = card(tmp_path, "Q\n?\nA1\nA2")
    assert note.answer == "A1\nA2"


def test_cloze_paragraph_numbers_each_highlight(tmp_path: Path) -> None:
    note = card(
        tmp_path,
        """
        The ==mitochondrion== makes ==ATP==
        from ==glucose==.
        """,
    )
    assert note.kind == NoteKind.CLOZE
    assert note.prompt == "The {{c1::mitochondrion}} makes {{c2::ATP}}"
    assert note.front == "from {{c3::glucose}}."
    assert note.answer == ""
    assert note.card_id == card_id("The ==mitochondrion== makes ==ATP==\nfrom ==glucose==.")


def test_highlights_inside_inline_code_are_not_clozes(tmp_path: Path) -> None:
    note = card(tmp_path, "Compare with `a ==b==` and ==c==.\n")
    assert note.prompt == "Compare with `a ==b==` and {{c1::c}}."


def test_scheduling_comments_are_dropped(tmp_path: Path) -> None:
    write(
        tmp_path,
        "note.md",
        """
        #flashcards

        Q1::A1 <!--SR:!2024-01-01,3,250-->

        Q2::A2
        <!--SR:!2024-01-01,3,250-->

        Q3
        ?
        A3
        <!--SR:!2024-02-01,5,270-->

        ==Cloze== text
        <!--SR:!2024-01-01,3,250!2024-01-02,4,270-->
        """,
    )
    notes = one_deck(tmp_path).notes
    assert [(n.prompt, n.answer) for n in notes] == [
        ("Q1", "A1"),
        ("Q2", "A2"),
        ("Q3", "A3"),
        ("{{c1::Cloze}} text", ""),
    ]
    assert not any("SR:" in n.prompt + n.front + n.answer for n in notes)


def test_code_blocks_are_not_cards(tmp_path: Path) -> None:
    write(
        tmp_path,
        "note.md",
        """
        #flashcards

        ```cpp
        std::vector<int> v;

        int x = 1; // ==not a cloze==
        ?
        ```

        Real::card
        """,
    )
    notes = one_deck(tmp_path).notes
    assert [(n.prompt, n.answer) for n in notes] == [("Real", "card")]


def test_a_code_block_can_be_part_of_a_multi_line_answer(tmp_path: Path) -> None:
    note = card(tmp_path, "Print hello in Python\n?\n```python\nprint('a::b')\n```\n")
    assert note.answer == "```python\nprint('a::b')\n```"


def test_separators_inside_inline_code_do_not_make_cards(tmp_path: Path) -> None:
    note = card(tmp_path, "What does `std::move` do?::It casts to an rvalue\n")
    assert note.prompt == "What does `std::move` do?"
    assert note.answer == "It casts to an rvalue"


def test_several_single_line_cards_in_one_paragraph(tmp_path: Path) -> None:
    write(tmp_path, "note.md", "#flashcards\none::un\ntwo::deux\nthree:::trois\n")
    notes = one_deck(tmp_path).notes
    assert [(n.prompt, n.answer, n.kind) for n in notes] == [
        ("one", "un", NoteKind.BASIC),
        ("two", "deux", NoteKind.BASIC),
        ("three", "trois", NoteKind.REVERSED),
    ]


def test_incomplete_cards_are_warned_about(tmp_path: Path) -> None:
    path = write(tmp_path, "note.md", "#flashcards\n\nQ::\n\n?\nA\n\nGood::card\n")
    decks, warnings = read_vault(tmp_path)
    assert [n.prompt for n in decks[0].notes] == ["Good"]
    assert warnings == [
        f"{path}:3: a one-line card needs text on both sides",
        f"{path}:5: '?' needs lines above and below",
    ]


def test_the_same_question_twice_in_a_deck_is_kept_once(tmp_path: Path) -> None:
    first = write(tmp_path, "a.md", "#flashcards/Deck\n\nQ::A\n")
    second = write(tmp_path, "b.md", "#flashcards/Deck\n\nQ::other answer\n")
    decks, warnings = read_vault(tmp_path)
    assert [n.answer for n in decks[0].notes] == ["A"]
    assert warnings == [f"{second}:3: the same question as {first}:3; skipped"]


# --- decks and tags ---------------------------------------------------------------------------


def test_deck_from_a_nested_tag(tmp_path: Path) -> None:
    write(tmp_path, "some/folder/note.md", "Intro #flashcards/AI-200/Storage\n\nQ::A\n")
    deck = one_deck(tmp_path)
    assert (deck.uid, deck.name) == ("obsidian-ai-200-storage", "AI-200::Storage")


def test_deck_from_the_folder_or_the_vault_root(tmp_path: Path) -> None:
    write(tmp_path, "Top/Sub Folder/note.md", "#flashcards\n\nQ::A\n")
    write(tmp_path, "root.md", "#flashcards\n\nQ2::A2\n")
    decks, _ = read_vault(tmp_path)
    assert sorted((d.uid, d.name) for d in decks) == [
        ("obsidian-obsidian", "Obsidian"),
        ("obsidian-top-sub-folder", "Top::Sub Folder"),
    ]


def test_notes_of_one_deck_share_one_deck_file(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "#flashcards/Shared\n\nQa::A\n")
    write(tmp_path, "b.md", "#flashcards/Shared\n\nQb::B\n")
    deck = one_deck(tmp_path)
    assert [n.prompt for n in deck.notes] == ["Qa", "Qb"]
    assert deck.path == str(tmp_path / "a.md")


def test_other_tags_become_card_tags(tmp_path: Path) -> None:
    write(
        tmp_path,
        "note.md",
        """
        ---
        tags: [exam, "#azure"]
        ---
        #flashcards #storage/blob #Exam #2024 see [[Note#Heading]] and http://x.org/#frag

        Q::A
        """,
    )
    assert one_deck(tmp_path).notes[0].tags == ("exam", "azure", "storage/blob")


def test_flashcards_tag_in_front_matter(tmp_path: Path) -> None:
    write(tmp_path, "note.md", "---\ntags: flashcards/Cloud/Azure, extra\n---\nQ::A\n")
    deck = one_deck(tmp_path)
    assert deck.name == "Cloud::Azure"
    assert deck.notes[0].tags == ("extra",)
    write(tmp_path, "note.md", "---\ntags:\n  - '#flashcards'\n  - biology\n---\nQ::A\n")
    deck = one_deck(tmp_path)
    assert (deck.name, deck.notes[0].tags) == ("Obsidian", ("biology",))


def test_tag_only_lines_and_headings_are_not_part_of_a_question(tmp_path: Path) -> None:
    write(tmp_path, "note.md", "# Title\n#flashcards #biology\nWhat is DNA?\n?\nA molecule\n")
    note = one_deck(tmp_path).notes[0]
    assert (note.prompt, note.front, note.answer) == ("What is DNA?", "", "A molecule")


def test_cards_ids_are_stable_and_slugs(tmp_path: Path) -> None:
    write(tmp_path, "note.md", "#flashcards\n\nQ::A\n\nQ2\n?\nA2\n")
    first = [n.card_id for n in one_deck(tmp_path).notes]
    write(tmp_path, "note.md", "#flashcards\n\nIntro text.\n\nQ::changed\n\nQ2\n?\nA3\n")
    assert [n.card_id for n in one_deck(tmp_path).notes] == first
    assert all(i is not None and len(i) == 16 and i.startswith("obs-") for i in first)


def test_non_ascii_deck_names_get_a_slug(tmp_path: Path) -> None:
    write(tmp_path, "note.md", "#flashcards/日本語\n\nQ::A\n")
    deck = one_deck(tmp_path)
    assert deck.name == "日本語"
    assert deck.uid == "obsidian-" + hashlib.sha1("日本語".encode()).hexdigest()[:10]


def test_decks_with_the_same_slug_get_different_uids(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "#flashcards/A-B\n\nQ::A\n")
    write(tmp_path, "b.md", "#flashcards/a_b\n\nQ::A\n")
    uids = [d.uid for d in read_vault(tmp_path)[0]]
    assert uids[0] == "obsidian-a-b"
    assert len(set(uids)) == 2


# --- refusals and warnings ------------------------------------------------------------------


def test_a_folder_without_flashcards_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "note.md", "Just notes::with a separator but no tag\n")
    write(tmp_path, ".obsidian/hidden.md", "#flashcards\n\nQ::A\n")
    with pytest.raises(BadInputError, match="no flashcards found"):
        read_vault(tmp_path)


def test_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="not a folder"):
        read_vault(tmp_path / "nope")


def test_unreadable_notes_are_skipped_with_a_warning(tmp_path: Path) -> None:
    bad = tmp_path / "latin.md"
    bad.write_bytes("#flashcards\n\nGr\xf6\xdfe::size\n".encode("latin-1"))
    empty = write(tmp_path, "empty.md", "#flashcards\n\nNo cards here.\n")
    broken = write(tmp_path, "z.md", "---\ntags: [unclosed\n---\n#flashcards\n\nQ::A\n")
    decks, warnings = read_vault(tmp_path)
    assert [n.prompt for n in decks[0].notes] == ["Q"]
    assert warnings == [
        f"{empty}: tagged #flashcards but holds no cards",
        f"{bad}: not UTF-8 text; skipped",
        f"{broken}:2: the front matter is not valid YAML; its tags are ignored",
    ]


def test_several_decks_in_one_note_warn(tmp_path: Path) -> None:
    path = write(tmp_path, "note.md", "#flashcards/One\n\nQ::A\n\n#flashcards/Two\n\nQ2::A2\n")
    decks, warnings = read_vault(tmp_path)
    assert [d.name for d in decks] == ["One"]
    assert warnings == [f"{path}: several #flashcards tags; every card goes to 'One'"]


def test_a_vault_with_front_matter_is_detected_as_obsidian() -> None:
    from app.interop.detect import detect_format
    from tests.conftest import FIXTURES

    assert detect_format(FIXTURES / "obsidian") == "obsidian"
    assert detect_format(FIXTURES / "decks") == "markdown"
