"""Case studies and typed answers in the collection: no cards for a scenario, the scenario
on each of its questions, a typed answer's string and exact flag."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.deck_parser import parse_deck_file
from app.core.models import NoteKind, Rating
from app.storage.collection import Collection
from tests.conftest import T0, deck_text

DECK = """
## Fabrikam: secrets for a web app
<!-- id: fabrikam; type: case -->

Fabrikam runs an App Service app that reads a database password.

## Which setting value reads the password from Key Vault?
<!-- id: fab-q1; type: input; case: fabrikam -->

`@Microsoft.KeyVault(SecretUri=https://fab.vault.azure.net/secrets/db)`

## Type the header name exactly.
<!-- id: exact; type: input; exact: true -->

```answer
Retry-After
```
"""


def _all_cards(col: Collection) -> list:
    cards = []
    now = T0
    while (card := col.next_card(now)) is not None:
        cards.append(card)
        col.answer(card.card_id, Rating.EASY, now)
    return cards


def test_a_case_makes_no_card_and_shows_above_its_questions(col: Collection, write_deck) -> None:
    summary = col.import_path(write_deck(deck_text(DECK)), T0)
    assert (summary.added, summary.cards) == (3, 2)
    assert col.totals()["cards"] == 2
    cards = _all_cards(col)
    assert [c.kind for c in cards] == [NoteKind.INPUT, NoteKind.INPUT]
    question, exact = cards
    assert question.case_prompt == "Fabrikam: secrets for a web app"
    assert question.case_text.startswith("Fabrikam runs an App Service app")
    assert (
        question.expected == "@Microsoft.KeyVault(SecretUri=https://fab.vault.azure.net/secrets/db)"
    )
    assert question.exact is False
    assert exact.case_text == "" and exact.expected == "Retry-After" and exact.exact is True


def test_editing_or_removing_the_case_follows_on_its_questions(col: Collection, write_deck) -> None:
    path = write_deck(deck_text(DECK))
    col.import_path(path, T0)
    question = col.next_card(T0)
    edited = DECK.replace("reads a database password", "reads a storage key")
    edited = edited.replace("exact: true", "exact: false")
    summary = col.import_path(write_deck(deck_text(edited)), T0)
    assert (summary.updated, summary.unchanged, summary.cards) == (2, 1, 1)
    again = col.card(question.card_id)
    assert "reads a storage key" in again.case_text
    assert col.card(question.card_id + 1).exact is False
    without_case = edited.split("## Which setting")[0].split("## Fabrikam")[0]
    without_case += "## Which setting" + edited.split("## Which setting")[1]
    col.import_path(write_deck(deck_text(without_case)), T0)
    assert col.card(question.card_id).case_text == ""


def test_markdown_export_keeps_cases_and_typed_answers(
    col: Collection, write_deck, tmp_path: Path
) -> None:
    original = parse_deck_file(write_deck(deck_text(DECK)))
    col.import_path(Path(original.path), T0)
    col.export(tmp_path / "out", "md")
    (exported,) = list((tmp_path / "out").rglob("*.md"))
    again = parse_deck_file(exported)
    pairs = [(n.card_id, n.kind, n.case, n.exact) for n in again.notes]
    assert pairs == [(n.card_id, n.kind, n.case, n.exact) for n in original.notes]


def test_apkg_export_puts_the_scenario_on_each_question(
    col: Collection, write_deck, tmp_path: Path
) -> None:
    anki_collection = pytest.importorskip("anki.collection")
    from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col.import_path(write_deck(deck_text(DECK)), T0)
    out = tmp_path / "cases.apkg"
    col.export(out, "apkg", now=T0)
    anki = anki_collection.Collection(str(tmp_path / "anki.anki2"))
    try:
        anki.import_anki_package(
            ImportAnkiPackageRequest(
                package_path=str(out), options=ImportAnkiPackageOptions(with_scheduling=False)
            )
        )
        fronts = [anki.get_note(nid).fields[0] for nid in anki.find_notes("")]
        assert len(fronts) == 2 and len(anki.find_cards("")) == 2
        question = next(f for f in fronts if "reads the password" in f)
        assert "Fabrikam runs an App Service app" in question
    finally:
        anki.close()
