"""Format additions: choose-N, case studies and typed answers."""

from __future__ import annotations

import pytest

from app.core.deck_parser import parse_deck
from app.core.deck_writer import write_deck
from app.core.errors import DeckParseError
from app.core.models import NoteKind
from app.core.note_cards import card_ords
from app.core.typed_answer import answer_matches, expected_answer
from tests.conftest import deck_text

CASE_DECK = """
## Contoso: a document pipeline
<!-- id: contoso; type: case -->

Contoso stores scanned contracts in Blob Storage and must keep secrets out of code.

## Which service keeps the connection secrets? Choose two.
<!-- id: contoso-q1; case: contoso -->

- [x] Azure Key Vault
- [ ] Azure Blob Storage metadata
- [x] Azure App Configuration with Key Vault references
- [ ] Environment variables in the Dockerfile

???

Key Vault holds them; App Configuration can point at them.

## Which Azure CLI command group manages vault secrets?
<!-- id: contoso-q2; type: input; case: contoso -->

`az keyvault secret`

The group also has `list`, `show` and `set`.

## Type the reference syntax's prefix.
<!-- id: exact-one; type: input; exact: true -->

```answer
@Microsoft.KeyVault(
```

Case and spaces count here.
"""


def test_case_choose_n_and_typed_notes_parse() -> None:
    deck = parse_deck(deck_text(CASE_DECK))
    case, choose, typed, exact = deck.notes
    assert case.kind == NoteKind.CASE and card_ords(case) == []
    assert case.answer.startswith("Contoso stores scanned contracts")
    assert choose.kind == NoteKind.CHOICE and choose.case == "contoso"
    assert choose.front.count("[x]") == 2 and card_ords(choose) == [0]
    assert typed.kind == NoteKind.INPUT and typed.case == "contoso" and not typed.exact
    assert expected_answer(typed.answer) == "az keyvault secret"
    assert exact.kind == NoteKind.INPUT and exact.exact and exact.case is None
    assert expected_answer(exact.answer) == "@Microsoft.KeyVault("


def test_the_writer_keeps_cases_types_and_exact() -> None:
    deck = parse_deck(deck_text(CASE_DECK))
    text = write_deck(deck)
    assert "type: case" in text and "case: contoso" in text and "exact: true" in text
    assert parse_deck(text) == deck


@pytest.mark.parametrize(
    ("meta", "fragment"),
    [
        ("id: a; exact: true", "applies to typed answers"),
        ("id: a; type: input; exact: maybe", "true or false"),
        ("id: a; type: case; case: b", "cannot itself belong"),
        ("id: a; case: not a slug", "must be the card id"),
        ("id: a; type: essay", "unknown card type"),
    ],
)
def test_bad_case_and_exact_metadata_is_refused(meta: str, fragment: str) -> None:
    with pytest.raises(DeckParseError, match=fragment):
        parse_deck(deck_text(f"## Q\n<!-- {meta} -->\n\nA\n"))


def test_type_input_does_not_fit_a_choice_card() -> None:
    text = "## Q\n<!-- id: a; type: input -->\n\n- [x] one\n- [ ] two\n\n???\n\nA\n"
    with pytest.raises(DeckParseError, match="reads as choice"):
        parse_deck(deck_text(text))


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("**Premium**\n\nwhy", "Premium"),
        ("  `az acr import`  ", "az acr import"),
        ("Soft delete, 90 days\nmore", "Soft delete, 90 days"),
        ("Intro line\n\n```answer\nkv-prod-01\n```", "kv-prod-01"),
        ("```bash\naz login\n```\n\nThen sign in.", None),
        ("", None),
    ],
)
def test_expected_answer(answer: str, expected: str | None) -> None:
    assert expected_answer(answer) == expected


def test_typed_replies_ignore_case_and_spaces_unless_exact() -> None:
    assert answer_matches("  PREMIUM ", "Premium")
    assert not answer_matches("Premium tier", "Premium")
    assert answer_matches("Premium", "Premium", exact=True)
    assert not answer_matches("premium", "Premium", exact=True)
    assert not answer_matches(" Premium", "Premium", exact=True)
