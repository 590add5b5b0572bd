"""Write :class:`DeckFile` objects back as Markdown deck files (format v1)."""

from __future__ import annotations

import yaml

from app.core.models import DeckFile, NoteKind, NoteSpec

_TYPE_NAMES = {
    NoteKind.BASIC: "basic",
    NoteKind.REVERSED: "reversed",
    NoteKind.CLOZE: "cloze",
    NoteKind.CHOICE: "choice",
}


def write_deck(deck: DeckFile) -> str:
    """The deck as Markdown text; ``parse_deck(write_deck(d))`` gives the same notes."""
    header: dict[str, object] = {"deck": deck.name, "id": deck.uid}
    if deck.tags:
        header["tags"] = list(deck.tags)
    if deck.source:
        header["source"] = deck.source
    front = yaml.safe_dump(
        header, sort_keys=False, allow_unicode=True, default_flow_style=None, width=1000
    )
    parts = [f"---\n{front}---\n"]
    if deck.description:
        parts.append(f"\n{deck.description}\n")
    parts.extend(_note_text(note) for note in deck.notes)
    return "".join(parts)


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
    if note.explicit_type or note.kind == NoteKind.REVERSED:
        fields.append(f"type: {_TYPE_NAMES[note.kind]}")
    if note.source:
        fields.append(f"source: {note.source}")
    if note.verified:
        fields.append(f"verified: {note.verified}")
    return f"<!-- {'; '.join(fields)} -->" if fields else ""
