"""Checks for deck authors: what ``cirrus lint`` reports.

Errors make a deck unfit to publish; warnings are worth a look.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from app.core.choice import split_choice
from app.core.deck_lint_items import lint_items, similar_prompts
from app.core.deck_parser import parse_deck_file
from app.core.errors import DeckParseError
from app.core.models import DeckFile, NoteKind, NoteSpec
from app.core.note_cards import card_ords
from app.core.raw_markup import card_raw_markup, note_study_cards

_URL = re.compile(r"^https?://[^\s<>\"]+$")
_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)")
_REMOTE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")
STALE_AFTER = timedelta(days=365)


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        suffix = " (warning)" if self.severity == "warning" else ""
        return f"{self.path}:{self.line}: {self.message}{suffix}"


def deck_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*.md") if not p.name.lower().startswith("readme"))
    return [path]


def lint_paths(path: Path, today: date) -> tuple[list[DeckFile], list[Problem]]:
    """Parse and check every deck file under ``path``."""
    decks: list[DeckFile] = []
    problems: list[Problem] = []
    for file in deck_files(path):
        try:
            deck = parse_deck_file(file)
        except DeckParseError as exc:
            problems.append(Problem(exc.path, exc.line, exc.message))
            continue
        decks.append(deck)
        problems.extend(lint_deck(deck, today))
    problems.extend(_across_decks(decks))
    return decks, problems


def lint_deck(deck: DeckFile, today: date) -> list[Problem]:
    path = deck.path or "<text>"
    out: list[Problem] = []
    uses_convention = any(
        t.startswith(("service/", "domain/")) for t in deck.tags + _all_note_tags(deck)
    )
    if deck.source is not None and not _URL.match(deck.source):
        out.append(Problem(path, 2, f"deck source '{deck.source}' is not an http(s) URL"))
    for note in deck.notes:
        out.extend(_lint_note(deck, note, path, today, uses_convention))
    out.extend(Problem(path, p.line, p.message, p.severity) for p in lint_items(deck))
    return out


def _all_note_tags(deck: DeckFile) -> tuple[str, ...]:
    return tuple(t for n in deck.notes for t in n.tags)


def _lint_note(
    deck: DeckFile, note: NoteSpec, path: str, today: date, uses_convention: bool
) -> list[Problem]:
    out: list[Problem] = []

    def add(message: str, severity: str = "error") -> None:
        out.append(Problem(path, note.line, message, severity))

    if note.card_id is None:
        add("card has no id")
    if note.source is None:
        add("card has no source")
    elif not _URL.match(note.source):
        add(f"source '{note.source}' is not an http(s) URL")
    if note.verified is None:
        add("card has no verified date", "warning")
    elif today - date.fromisoformat(note.verified) > STALE_AFTER:
        add(f"card was last verified on {note.verified}, over a year ago", "warning")
    elif date.fromisoformat(note.verified) > today:
        add(f"verified date {note.verified} is in the future")
    if uses_convention:
        tags = set(deck.tags) | set(note.tags)
        for prefix in ("service/", "domain/"):
            found = sorted(t for t in tags if t.startswith(prefix))
            if len(found) != 1:
                add(f"card needs exactly one {prefix}<slug> tag, has {found or 'none'}")
    _, options = split_choice(note.front)
    if options:
        correct = sum(o.correct for o in options)
        if note.kind == NoteKind.CHOICE and len(options) < 3:
            add(f"multiple-choice card has {len(options)} options; give at least three")
        if correct == 0:
            add("multiple-choice card has no correct option ([x])")
    if not note.answer.strip() and note.kind not in (NoteKind.CLOZE, NoteKind.CASE):
        add("card has no answer")
    for card in note_study_cards(note, deck.name):
        for shown in card_raw_markup(card):
            add(f"card {card.ord + 1} would show raw markup ({shown})")
    base = Path(deck.path).parent if deck.path else Path()
    for text in (note.prompt, note.front, note.answer):
        for link in _IMAGE.findall(text):
            if not _REMOTE.match(link) and not (base / link).is_file():
                add(f"media file '{link}' not found")
    return out


def _across_decks(decks: list[DeckFile]) -> list[Problem]:
    out: list[Problem] = []
    uids: dict[str, str] = {}
    prompts: dict[str, tuple[str, int]] = {}
    for deck in decks:
        path = deck.path or "<text>"
        if deck.uid in uids:
            out.append(Problem(path, 2, f"deck id '{deck.uid}' is also used by {uids[deck.uid]}"))
        uids.setdefault(deck.uid, path)
        for note in deck.notes:
            key = _key(note)
            if key in prompts:
                other_path, other_line = prompts[key]
                out.append(Problem(path, note.line, f"same prompt as {other_path}:{other_line}"))
            else:
                prompts[key] = (path, note.line)
    for deck, note, other, other_note in similar_prompts(decks):
        if _key(note) != _key(other_note):
            out.append(
                Problem(
                    deck.path or "<text>",
                    note.line,
                    f"nearly the same card as {other.path or '<text>'}:{other_note.line}",
                    "warning",
                )
            )
    return out


def _key(note: NoteSpec) -> str:
    return " ".join((note.prompt + " " + note.front).lower().split())


@dataclass(frozen=True)
class CoverageRow:
    deck: str
    notes: int
    cards: int
    basic: int
    reversed: int
    cloze: int
    choice: int
    choose_n: int = 0
    """Choice cards with several right options (counted in ``choice`` too)."""
    input: int = 0
    case: int = 0


def coverage(decks: list[DeckFile]) -> list[CoverageRow]:
    """Per deck: notes, cards and notes of each type (counted from the files)."""
    rows = []
    for deck in sorted(decks, key=lambda d: d.name):
        kinds = [n.kind for n in deck.notes]
        rows.append(
            CoverageRow(
                deck=deck.name,
                notes=len(deck.notes),
                cards=sum(len(card_ords(n)) for n in deck.notes),
                basic=kinds.count(NoteKind.BASIC),
                reversed=kinds.count(NoteKind.REVERSED),
                cloze=kinds.count(NoteKind.CLOZE),
                choice=kinds.count(NoteKind.CHOICE),
                choose_n=sum(
                    n.kind == NoteKind.CHOICE
                    and sum(o.correct for o in split_choice(n.front)[1]) > 1
                    for n in deck.notes
                ),
                input=kinds.count(NoteKind.INPUT),
                case=kinds.count(NoteKind.CASE),
            )
        )
    return rows
