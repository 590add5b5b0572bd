"""Read notes, cards, history and media out of the collection for export."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from app.core.av_tags import clip_names
from app.core.choice import split_choice
from app.core.deck_writer import IMPLICIT_ONLY
from app.core.models import CardState, DeckFile, NoteKind, NoteSpec
from app.core.render import markdown_html
from app.interop.foreign import (
    ForeignBatch,
    ForeignCard,
    ForeignNote,
    ForeignNotetype,
    Template,
)
from app.storage import export_history
from app.storage.deck_sync import NEW_ORDER_NOTE
from app.storage.filtered_membership import placements

_MEDIA = re.compile(r"media/([0-9a-f]{64}(?:\.[A-Za-z0-9]{1,8})?)")
ANSWER = "{{FrontSide}}<hr id=answer>{{Back}}"
MARKDOWN_TYPES = {
    NoteKind.BASIC: ForeignNotetype(
        "cirrus-basic",
        "Cirrus Basic",
        ("Front", "Back"),
        (Template("Card 1", "{{Front}}", ANSWER),),
    ),
    NoteKind.CHOICE: ForeignNotetype(
        "cirrus-basic",
        "Cirrus Basic",
        ("Front", "Back"),
        (Template("Card 1", "{{Front}}", ANSWER),),
    ),
    NoteKind.REVERSED: ForeignNotetype(
        "cirrus-reversed",
        "Cirrus Basic (and reversed card)",
        ("Front", "Back"),
        (
            Template("Card 1", "{{Front}}", ANSWER),
            Template("Card 2", "{{Back}}", "{{FrontSide}}<hr id=answer>{{Front}}"),
        ),
    ),
    NoteKind.CLOZE: ForeignNotetype(
        "cirrus-cloze",
        "Cirrus Cloze",
        ("Text", "Back Extra"),
        (Template("Cloze", "{{cloze:Text}}", "{{cloze:Text}}<br>{{Back Extra}}"),),
        cloze=True,
    ),
}


def _ids(deck_ids: Sequence[int]) -> str:
    return ",".join(str(int(i)) for i in deck_ids) or "NULL"


def export_batch(
    conn: Connection, deck_ids: Sequence[int], media_dir: Path | None, with_history: bool
) -> ForeignBatch:
    """Every active note of these decks as a :class:`ForeignBatch` (Anki's vocabulary)."""
    batch = ForeignBatch(format="cirrus")
    notetypes = {
        int(r[0]): ForeignNotetype(
            key=str(r[1]),
            name=str(r[2]),
            cloze=bool(r[3]),
            fields=tuple(json.loads(r[4])),
            templates=tuple(Template(*t) for t in json.loads(r[5])),
            css=str(r[6]),
        )
        for r in conn.execute(
            text("SELECT id, uid, name, cloze, fields, templates, css FROM notetype")
        )
    }
    media_names = _media_names(conn)
    cards = _cards(conn, deck_ids, with_history)
    filtered, batch.filtered_decks = placements(conn) if with_history else ({}, {})
    for row in conn.execute(
        text(
            "SELECT n.id, n.uid, n.kind, n.prompt_md, n.front_md, n.answer_md, n.fields, "
            "n.notetype_id, d.name, d.description, "
            "(SELECT group_concat(tag, ' ') FROM note_tag t WHERE t.note_id = n.id), "
            "(SELECT c.prompt_md || char(10) || char(10) || c.answer_md FROM note c "
            "WHERE c.uid = n.case_uid AND c.retired = 0) "
            f"FROM note n JOIN deck d ON d.id = n.deck_id WHERE n.retired = 0 "
            f"AND n.deck_id IN ({_ids(deck_ids)}) ORDER BY d.position, n.position"
        )
    ):
        note_id, uid, kind, prompt, front, answer, fields_json, nt_id, deck, desc, tags = row[:11]
        kind = NoteKind(kind)
        if (
            kind == NoteKind.CASE
        ):  # Anki has no card-less notes: the scenario goes with each question
            continue
        if row[11]:
            front = f"{row[11]}\n\n---\n\n{front}".strip()
        if kind == NoteKind.TEMPLATE and nt_id in notetypes:
            notetype = notetypes[nt_id]
            fields = tuple(json.loads(fields_json or "[]"))
        else:
            notetype = MARKDOWN_TYPES.get(kind, MARKDOWN_TYPES[NoteKind.BASIC])
            fields = _markdown_fields(kind, prompt, front, answer)
        batch.notetypes[notetype.key] = notetype
        if desc:
            batch.deck_descriptions[deck] = desc
        guid = uid.removeprefix("guid:")
        fields = tuple(_export_media(v, media_names, media_dir, batch) for v in fields)
        batch.notes.append(
            ForeignNote(
                guid=guid,
                notetype=notetype.key,
                fields=fields,
                tags=tuple((tags or "").split()),
                deck=deck,
                cards=tuple(
                    replace(c, deck=deck, filtered_deck=filtered.get((guid, c.ord)))
                    for c in cards.get(note_id, [])
                ),
            )
        )
    if with_history:
        batch.reviews = export_history.reviews(conn, deck_ids)
        batch.presets, batch.deck_presets = export_history.presets(conn, deck_ids)
    return batch


def _markdown_fields(kind: NoteKind, prompt: str, front: str, answer: str) -> tuple[str, str]:
    if kind == NoteKind.CHOICE:
        stem, options = split_choice(front)
        listed = "\n".join(f"- {o.text}" for o in options)
        right = "\n".join(f"- {o.text}" for o in options if o.correct)
        return (
            markdown_html(f"{prompt}\n\n{stem}\n\n{listed}".strip()),
            markdown_html(f"**Answer:**\n\n{right}\n\n{answer}"),
        )
    question = f"{prompt}\n\n{front}".strip()
    return markdown_html(question), markdown_html(answer)


def _media_names(conn: Connection) -> dict[str, str]:
    """Stored name (``<sha>.<ext>``) -> a unique original file name."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for sha, name in conn.execute(text("SELECT sha256, name FROM media ORDER BY name, sha256")):
        stored = sha + Path(name).suffix.lower()
        unique = name if name not in taken else f"{sha[:8]}-{name}"
        taken.add(unique)
        out[stored] = unique
    return out


def _export_media(
    value: str, names: dict[str, str], media_dir: Path | None, batch: ForeignBatch
) -> str:
    def repl(m: re.Match[str]) -> str:
        name = names.get(m.group(1))
        if name is None or media_dir is None:
            return m.group(0)
        batch.media[name] = media_dir / m.group(1)
        return name

    value = _MEDIA.sub(repl, value)
    if media_dir is not None and "[sound:" in value:
        stored_by_name = {name: stored for stored, name in names.items()}
        for clip in clip_names(value):  # sound tags name their file as Anki had it
            stored = stored_by_name.get(clip.strip())
            if stored is not None:
                batch.media[clip.strip()] = media_dir / stored
    return value


def _cards(
    conn: Connection, deck_ids: Sequence[int], with_history: bool
) -> dict[int, list[ForeignCard]]:
    out: dict[int, list[ForeignCard]] = {}
    for row in conn.execute(
        text(
            "SELECT c.note_id, c.ord, c.state, c.due, c.last_review, c.stability, c.difficulty, "
            "c.reps, c.lapses, c.suspended, c.buried_until, c.flag FROM card c "
            f"JOIN note n ON n.id = c.note_id WHERE n.deck_id IN ({_ids(deck_ids)}) ORDER BY c.ord"
        )
    ):
        note_id, ord_, state, due, last, stability, difficulty, reps, lapses, susp, bur, flag = row
        scheduled = with_history and state != CardState.NEW
        out.setdefault(int(note_id), []).append(
            ForeignCard(
                ord=int(ord_),
                deck="",
                state=int(state) if scheduled else 0,
                due_ms=due if scheduled else None,
                last_review_ms=last if scheduled else None,
                stability=stability if scheduled else None,
                difficulty=difficulty if scheduled else None,
                reps=reps if with_history else 0,
                lapses=lapses if with_history else 0,
                suspended=bool(susp),
                buried=bur is not None and with_history,
                flag=int(flag),
                new_position=int(due) // NEW_ORDER_NOTE  # siblings share a position
                if state == CardState.NEW and due is not None
                else None,
            )
        )
    return out


def markdown_decks(conn: Connection, deck_ids: Sequence[int]) -> tuple[list[DeckFile], int]:
    """Markdown-format notes of these decks as deck files; also how many notes had to be
    converted from note types (their fields become HTML inside Markdown)."""
    decks: dict[int, dict[str, Any]] = {}
    converted = 0
    for row in conn.execute(
        text(
            "SELECT d.id, d.uid, d.name, d.description, d.source, n.uid, n.kind, n.prompt_md, "
            "n.front_md, n.answer_md, n.source, n.verified, n.fields, "
            "(SELECT group_concat(tag, ' ') FROM note_tag t WHERE t.note_id = n.id), "
            "n.case_uid, n.exact "
            "FROM note n JOIN deck d ON d.id = n.deck_id WHERE n.retired = 0 "
            f"AND n.deck_id IN ({_ids(deck_ids)}) ORDER BY d.position, n.position"
        )
    ):
        did, duid, name, desc, dsource, nuid, kind, prompt, front, answer, src, ver, flds, tags = (
            row[:14]
        )
        case_uid, exact = row[14], bool(row[15])
        entry = decks.setdefault(
            did, {"uid": duid, "name": name, "desc": desc, "source": dsource, "notes": []}
        )
        kind = NoteKind(kind)
        card_id = str(nuid).split("/", 1)[-1] if "/" in str(nuid) else None
        if kind == NoteKind.TEMPLATE:
            converted += 1
            values = json.loads(flds or "[]")
            kind, prompt = NoteKind.BASIC, " ".join(prompt.split()) or "(empty)"
            front, answer = "", "\n\n".join(v for v in values[1:] if v)
            card_id = None
        if card_id is not None and card_id.startswith("h-"):
            card_id = None
        entry["notes"].append(
            NoteSpec(
                prompt=prompt,
                front=front,
                answer=answer,
                kind=kind,
                card_id=card_id,
                tags=tuple(sorted((tags or "").split())),
                source=src,
                verified=ver,
                explicit_type=kind not in IMPLICIT_ONLY,
                case=str(case_uid).split("/", 1)[-1] if case_uid else None,
                exact=exact,
            )
        )
    files = [
        DeckFile(
            uid=_slug(e["uid"]),
            name=e["name"],
            description=e["desc"],
            source=e["source"],
            notes=tuple(e["notes"]),
        )
        for e in decks.values()
    ]
    return files, converted


def _slug(uid: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", uid).strip("-") or "deck"
