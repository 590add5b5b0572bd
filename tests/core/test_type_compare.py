"""Typed answers are compared exactly as Anki compares them (Anki is the oracle)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from app.core.anki_template import CardContext, render
from app.core.type_compare import compare_answer, find_type_marker

anki_collection = pytest.importorskip("anki.collection")


@pytest.fixture(scope="module")
def anki(tmp_path_factory: pytest.TempPathFactory):
    col = anki_collection.Collection(str(Path(tmp_path_factory.mktemp("anki")) / "c.anki2"))
    yield col
    col.close()


CASES = [
    ("Key Vault Secrets User", "key vault secrets usr"),
    ("httpTrigger", "httptriger"),
    ("abc", "ABC"),
    ("abc", "abc"),
    ("abc", ""),
    ("a<b & c", "a<c & b"),
    ("  padded  ", "padded"),
    ("@Microsoft.KeyVault(VaultName=contoso;SecretName=db)", "@Microsoft.KeyVault(contoso;db)"),
    ("Größe", "grosse"),
    ("foo bar", "fooo bar baz"),
]


@pytest.mark.parametrize(("expected", "typed"), CASES)
def test_same_html_as_anki(anki, expected: str, typed: str) -> None:
    assert compare_answer(expected, typed) == anki.compare_answer(expected, typed)


def test_same_html_as_anki_on_random_strings(anki) -> None:
    rng = random.Random(3)
    alphabet = "abcAB <&é-x1"
    for _ in range(500):
        expected = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14)))
        typed = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        assert compare_answer(expected, typed) == anki.compare_answer(expected, typed)


@pytest.mark.parametrize(("expected", "typed"), CASES)
def test_ignore_case_marks_as_anki_does_on_folded_text(anki, expected: str, typed: str) -> None:
    """``ci`` marks the same characters as Anki does when both sides are lower case,
    while showing the letters as they were written."""
    ours = compare_answer(expected, typed, ignore_case=True)
    oracle = anki.compare_answer(expected.lower(), typed.lower())
    if expected.strip().lower() == typed.lower():
        assert "typearrow" not in ours
    assert _classes(ours) == _classes(oracle)
    assert ours.lower() == oracle.lower() or len(expected) != len(expected.lower())


def _classes(html: str) -> list[tuple[str, int]]:
    return [
        (m.group(1), len(m.group(2)))
        for m in re.finditer(r"<span class=(\w+)>([^<]*)</span>", html.replace("&lt;", "<"))
    ]


def test_template_type_filters_mark_the_box() -> None:
    ctx = CardContext(ord=0, cloze=False)
    fields = {"Front": "Capital of France?", "Back": "<b>Paris</b>"}
    question = render("{{Front}}<br>{{type:Back}}", fields, ctx, answer=False)
    assert find_type_marker(question) == ("Paris", False)
    assert "type your answer" not in question
    ci = render("{{type:ci:Back}}", fields, ctx, answer=True)
    assert find_type_marker(ci) == ("Paris", True)
    cloze_ctx = CardContext(ord=1, cloze=True)
    text = {"Text": "{{c1::Service Bus}} sessions keep {{c2::FIFO}} order"}
    cloze = render("{{cloze:Text}}{{type:cloze:Text}}", text, cloze_ctx, answer=False)
    assert find_type_marker(cloze) == ("FIFO", False)
