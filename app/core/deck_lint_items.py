"""Checks on how items are written: cues a test-wise learner exploits, weak sources, and the
parts of case studies and typed answers that must fit together.

``cirrus lint`` runs them after the checks of :mod:`app.core.deck_lint`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.core.choice import ChoiceOption, split_choice
from app.core.cloze import CLOZE, cloze_numbers
from app.core.markdown_blocks import text_outside_code
from app.core.models import DeckFile, NoteKind, NoteSpec
from app.core.typed_answer import expected_answer

LENGTH_CUE_LIMIT = 0.35
"""Warn when the right options are the longest in more than this share of a deck's items."""
_WEAK_SOURCE = re.compile(r"/(?:answers|questions)/|previous-versions")
_MARKUP = re.compile(r"[*_`]|\[([^\]]*)\]\([^)]*\)")
_COUNT_WORDS = re.compile(r"\b(?:two|three|four|five|[2-5])\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9][a-z0-9-]*")
_STOP_WORDS = (
    "a an the of to in on for and or is are be by with what which that this it its as at from "
    "you your do does can when how why use used using than not no into per"
)
_STOP = frozenset(_STOP_WORDS.split())
_SIMILAR_TEXT = 0.4
_SIMILAR_HEADING = 0.6
_MIN_WORDS = 5


@dataclass(frozen=True)
class ItemProblem:
    line: int
    message: str
    severity: str = "warning"


@dataclass(frozen=True)
class LengthCue:
    """How often a deck's right options are longer than all its wrong ones."""

    choice: int
    cued_lines: tuple[int, ...]

    @property
    def cued(self) -> int:
        return len(self.cued_lines)

    @property
    def share(self) -> float:
        return self.cued / self.choice if self.choice else 0.0


def plain(text: str) -> str:
    """Text without Markdown emphasis, code marks and link targets."""
    return _MARKUP.sub(lambda m: m.group(1) or "", text)


def is_cued(options: list[ChoiceOption]) -> bool:
    """True when every right option is longer than every wrong one."""
    right = [len(plain(o.text)) for o in options if o.correct]
    wrong = [len(plain(o.text)) for o in options if not o.correct]
    return bool(right and wrong) and min(right) > max(wrong)


def length_cue(deck: DeckFile) -> LengthCue:
    choice = [n for n in deck.notes if n.kind == NoteKind.CHOICE]
    cued = tuple(n.line for n in choice if is_cued(split_choice(n.front)[1]))
    return LengthCue(len(choice), cued)


def lint_items(deck: DeckFile) -> list[ItemProblem]:
    out: list[ItemProblem] = []
    cue = length_cue(deck)
    if cue.share > LENGTH_CUE_LIMIT:
        lines = ", ".join(str(line) for line in cue.cued_lines)
        out.append(
            ItemProblem(
                2,
                f"the right option is the longest in {cue.cued} of {cue.choice} choice cards "
                f"({cue.share:.0%}, over {LENGTH_CUE_LIMIT:.0%}): lines {lines}",
            )
        )
    cases = {n.card_id for n in deck.notes if n.kind == NoteKind.CASE and n.card_id}
    used = {n.case for n in deck.notes if n.case}
    for note in deck.notes:
        out.extend(_note_items(note, cases))
        if note.kind == NoteKind.CASE and note.card_id not in used:
            out.append(ItemProblem(note.line, "case study has no questions (case: <id>)"))
    return out


def _note_items(note: NoteSpec, cases: set[str]) -> list[ItemProblem]:
    out: list[ItemProblem] = []

    def add(message: str, severity: str = "warning") -> None:
        out.append(ItemProblem(note.line, message, severity))

    if note.source and _WEAK_SOURCE.search(note.source):
        add("source is a Q&A thread or a previous-versions page; cite the documentation page")
    if note.case and note.case not in cases:
        add(f"case '{note.case}' is not a case study (type: case) in this deck", "error")
    if note.kind == NoteKind.INPUT and expected_answer(note.answer) is None:
        add("typed answer has no answer line (first line, or a ```answer block)", "error")
    if note.kind == NoteKind.CLOZE:
        for number, answer in _giveaway_clozes(note):
            add(f"cloze c{number} answer '{answer}' shows elsewhere on the question")
    if note.kind == NoteKind.REVERSED and _contains(plain(note.answer), plain(note.prompt)):
        add("reversed card: the definition contains the term it asks for")
    if note.kind == NoteKind.CHOICE:
        stem, options = split_choice(note.front)
        if sum(o.correct for o in options) > 1 and not _COUNT_WORDS.search(
            note.prompt + " " + stem
        ):
            add('choose-N card: say how many to pick ("Choose two.")')
    return out


def _giveaway_clozes(note: NoteSpec) -> list[tuple[int, str]]:
    """(number, answer) for deletions whose text shows on their own card's question side."""
    text = text_outside_code(note.prompt + "\n" + note.front)
    found: list[tuple[int, str]] = []
    for number in cloze_numbers(text):

        def hide(m: re.Match[str], active: int = number) -> str:
            if int(m.group(1)) != active:
                return str(m.group(2))
            return f"[{m.group(3) or '...'}]"

        shown = plain(CLOZE.sub(hide, text))
        for m in CLOZE.finditer(text):
            answer = plain(m.group(2)).strip()
            if int(m.group(1)) == number and answer and _contains(shown, answer):
                found.append((number, answer))
                break
    return found


def _contains(text: str, term: str) -> bool:
    term = " ".join(term.split())
    if not term:
        return False
    pattern = r"(?<!\w)" + re.escape(term).replace(r"\ ", r"\s+") + r"(?!\w)"
    return re.search(pattern, text, re.IGNORECASE) is not None


def similar_prompts(decks: list[DeckFile]) -> list[tuple[DeckFile, NoteSpec, DeckFile, NoteSpec]]:
    """Pairs of notes in different decks that teach nearly the same thing: their headings, or
    their whole texts, share most of their content words."""
    entries = [
        (deck, note, _words(note.prompt), _words(f"{note.prompt} {note.front} {note.answer}"))
        for deck in decks
        for note in deck.notes
        if note.kind != NoteKind.CASE
    ]
    pairs = []
    for i, (deck_a, note_a, head_a, all_a) in enumerate(entries):
        for deck_b, note_b, head_b, all_b in entries[i + 1 :]:
            if deck_a is deck_b:
                continue
            if _overlap(all_a, all_b) >= _SIMILAR_TEXT or (
                min(len(head_a), len(head_b)) >= _MIN_WORDS
                and _overlap(head_a, head_b) >= _SIMILAR_HEADING
            ):
                pairs.append((deck_b, note_b, deck_a, note_a))
    return pairs


def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(plain(text).lower()) if w not in _STOP)


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0
