"""Writing a parsed deck and parsing it again gives the same notes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.deck_parser import parse_deck, parse_deck_file
from app.core.deck_writer import write_deck
from app.core.models import DeckFile, NoteKind, NoteSpec
from tests.conftest import FIXTURES

words = st.text(alphabet="abcdefghij KLMNOP*`_-.,:()", min_size=1, max_size=30).map(str.strip)
word = st.text(alphabet="abcdefghijklmnop0123456789-", min_size=1, max_size=12)
name_part = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 ]{0,12}[A-Za-z0-9]", fullmatch=True)
slug = st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True)
line = st.one_of(
    words,
    st.builds(lambda w: f"- {w}", words),
    st.builds(lambda w: f"**{w}**", words),
    st.just(""),
)
body = st.lists(line, max_size=6).map(lambda lines: "\n".join(lines).strip("\n"))
code = st.builds(lambda w: f"```python\n## {w}\n???\n```", words)


@st.composite
def notes(draw: st.DrawFn) -> NoteSpec:
    prompt = draw(words.filter(bool))
    kind = draw(
        st.sampled_from(
            [
                NoteKind.BASIC,
                NoteKind.REVERSED,
                NoteKind.CLOZE,
                NoteKind.CHOICE,
                NoteKind.INPUT,
                NoteKind.CASE,
            ]
        )
    )
    front = ""
    answer = draw(st.one_of(body, code))
    if kind == NoteKind.CLOZE:
        prompt = f"{prompt} {{{{c1::{draw(word)}}}}}"
    if kind == NoteKind.CHOICE:
        marks = draw(st.lists(st.booleans(), min_size=3, max_size=5).filter(any))
        front = "\n".join(f"- [{'x' if m else ' '}] " + draw(word) for m in marks)
    elif kind == NoteKind.BASIC and draw(st.booleans()):
        front = draw(code)
    explicit = kind in (NoteKind.REVERSED, NoteKind.INPUT, NoteKind.CASE) or draw(st.booleans())
    case = None if kind == NoteKind.CASE else draw(st.one_of(st.none(), slug))
    return NoteSpec(
        prompt=" ".join(prompt.split()),
        front=_clean(front),
        answer=_clean(answer),
        kind=kind,
        card_id=draw(st.one_of(st.none(), slug)),
        tags=tuple(draw(st.lists(word, max_size=3, unique=True))),
        source=draw(st.one_of(st.none(), st.builds(lambda s: f"https://example.org/{s}", slug))),
        verified=draw(st.one_of(st.none(), st.dates().map(lambda d: d.isoformat()))),
        explicit_type=explicit,
        case=case,
        exact=kind == NoteKind.INPUT and draw(st.booleans()),
    )


def _clean(text: str) -> str:
    lines = [ln.rstrip() for ln in text.split("\n")]
    return "\n".join(lines).strip("\n").strip() and "\n".join(lines).strip("\n")


@st.composite
def decks(draw: st.DrawFn) -> DeckFile:
    items = draw(st.lists(notes(), max_size=6))
    seen: set[str] = set()
    unique = []
    for note in items:
        if note.card_id in seen:
            continue
        if note.card_id:
            seen.add(note.card_id)
        unique.append(note)
    return DeckFile(
        uid=draw(slug),
        name="::".join(draw(st.lists(name_part, min_size=1, max_size=3))),
        tags=tuple(draw(st.lists(word, max_size=3, unique=True))),
        description=draw(words),
        notes=tuple(unique),
    )


@settings(max_examples=150, deadline=None)
@given(decks())
def test_write_then_parse_gives_the_same_deck(deck: DeckFile) -> None:
    again = parse_deck(write_deck(deck))
    assert again == deck


def test_sample_fixture_round_trips() -> None:
    deck = parse_deck_file(FIXTURES / "decks" / "sample.md")
    assert parse_deck(write_deck(deck)) == deck
