"""Write :class:`DeckFile` objects back as Markdown deck files (format v1)."""

from __future__ import annotations

import yaml

from app.core.models import DeckFile, NoteKind, NoteSpec

_TYPE_NAMES = {
    NoteKind.BASIC: "basic",
    NoteKind.REVERSED: "reversed",
    NoteKind.CLOZE: "cloze",
    NoteKind.CHOICE: "choice",
    NoteKind.INPUT: "input",
    NoteKind.CASE: "case",
}
IMPLICIT_ONLY = (NoteKind.BASIC, NoteKind.CLOZE, NoteKind.CHOICE)
"""Kinds the parser infers from the text; the others must be named in the metadata."""


def write_deck(deck: DeckFile) -> str:
    """The deck as Markdown text; ``parse_deck(write_deck(d))`` gives the same notes."""
    front = _yaml_line("deck", deck.name) + _yaml_line("id", deck.uid)
    if deck.tags:
        front += "tags: " + yaml.safe_dump(list(deck.tags), default_flow_style=True).strip() + "\n"
    if deck.source:
        front += _yaml_line("source", deck.source)
    parts = [f"---\n{front}---\n"]
    if deck.description:
        parts.append(f"\n{deck.description}\n")
    parts.extend(_note_text(note) for note in deck.notes)
    return "".join(parts)


def _yaml_line(key: str, value: str) -> str:
    return yaml.safe_dump({key: value}, default_flow_style=False, allow_unicode=True, width=1000)


def _note_text(note: NoteSpec) -> str:
    out = [f"\n## {note.prompt}\n"]
    meta = metadata_comment(note)
    if meta:
        out.append(meta + "\n")
    if note.front:
        out.append(f"\n{note.front}\n\n???\n")
    if note.answer:
        out.append(f"\n{note.answer}\n")
    return "".join(out)


def metadata_comment(note: NoteSpec) -> str:
    fields: list[str] = []
    if note.card_id:
        fields.append(f"id: {note.card_id}")
    if note.tags:
        fields.append(f"tags: {' '.join(note.tags)}")
    if note.explicit_type or note.kind not in IMPLICIT_ONLY:
        fields.append(f"type: {_TYPE_NAMES[note.kind]}")
    if note.case:
        fields.append(f"case: {note.case}")
    if note.exact:
        fields.append("exact: true")
    if note.source:
        fields.append(f"source: {note.source}")
    if note.verified:
        fields.append(f"verified: {note.verified}")
    return f"<!-- {'; '.join(fields)} -->" if fields else ""
