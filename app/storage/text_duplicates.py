"""Anki's duplicate handling for text imports: rows that match notes already there.

As in Anki (``rslib/src/import_export/text/import.rs``): a row with a guid matches the
note of that guid; a row without one matches every note of the one note type of that
name (:mod:`app.storage.text_match_keys`) whose first field, without HTML but with its
media names, is the same, and with the deck scope only notes in the row's deck; rows
that are added go into that note type. Then ``update`` writes the row's fields (and
its tags, when the file has a tags column; else the note keeps its tags and gains the
file's) into each match, with new cards for templates the fields now fill,
``keep`` skips the row, and ``duplicate`` adds it as a new note (unless it matched by
guid). Rows that match nothing are added. Matches are looked up before anything is
written, so rows added by this import are not matched: a first field repeated in the
file adds a note per row (Anki works the same way), and rows that update one note do so
in turn, the last one winning.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, text

from app.core.anki_template import generated_ords, strip_html
from app.core.import_choices import Duplicates, ImportChoices, MatchScope
from app.core.models import ImportSummary, NoteKind
from app.interop.foreign import ForeignBatch, ForeignNote
from app.interop.text_notes import is_generated_guid
from app.storage.deck_sync import NEW_ORDER_DECK, NEW_ORDER_NOTE
from app.storage.foreign_import import _rewrite_media, convert_tag, note_uid
from app.storage.text_match_keys import (
    ChosenNotetype,
    MediaNames,
    anki_first_field_key,
    chosen_notetypes,
)


@dataclass
class _Existing:
    id: int
    uid: str
    deck_id: int
    notetype_id: int | None
    notetype: str
    fields: list[str]
    tags: set[str]


@dataclass
class DuplicatePlan:
    """What to do before the rest of the batch is added."""

    batch: ForeignBatch
    """The rows to add (fresh guids for those kept beside a match)."""
    updates: dict[int, tuple[list[str], list[str], _Existing]] = field(default_factory=dict)
    """Note id -> (new fields, new tags, the note as it was)."""
    unchanged: int = 0
    kept: int = 0
    conflicts: list[str] = field(default_factory=list)

    @property
    def note_ids(self) -> list[int]:
        return sorted(self.updates)


def plan_duplicates(conn: Connection, batch: ForeignBatch, choices: ImportChoices) -> DuplicatePlan:
    names = {batch.notetypes[n.notetype].name.casefold() for n in batch.notes}
    chosen = chosen_notetypes(conn, names)
    media = MediaNames(conn)
    by_deck = choices.match_scope == MatchScope.NOTETYPE_AND_DECK
    by_field: dict[tuple[Any, ...], list[_Existing]] = {}
    for old in _notes_of_types(conn, {c.id for c in chosen.values()}):
        key: tuple[Any, ...] = (old.notetype_id, media.stored_key(_first(old.fields)))
        by_field.setdefault(key + ((old.deck_id,) if by_deck else ()), []).append(old)
    decks = {
        str(name).casefold(): int(i) for i, name in conn.execute(text("SELECT id, name FROM deck"))
    }
    real_guids = {
        n.guid for n in batch.notes if not is_generated_guid(n.guid, n.notetype, _first(n.fields))
    }
    by_guid = _notes_by_uid(conn, [note_uid(n.guid) for n in batch.notes])
    plan = DuplicatePlan(batch=replace(batch, notes=[], notetype_ids=dict(batch.notetype_ids)))
    stored: dict[str, str] | None = None
    for note in batch.notes:
        first = anki_first_field_key(_first(note.fields))  # media under the file's names
        target = chosen.get(batch.notetypes[note.notetype].name.casefold())
        if target is not None:  # the rows go into that note type, as in Anki
            plan.batch.notetypes[note.notetype] = target.notetype
            plan.batch.notetype_ids[note.notetype] = target.id
            width = len(target.notetype.fields)
            note = replace(note, fields=(tuple(note.fields) + ("",) * width)[:width])
        if any("src" in v.lower() or "[sound:" in v for v in note.fields):
            stored = media.stored() if stored is None else stored
            note = replace(note, fields=tuple(_rewrite_media(v, stored) for v in note.fields))
        if note.guid in real_guids:
            found = by_guid.get(note_uid(note.guid))
            matches = [found] if found is not None else []
        elif target is None:
            matches = []
        else:
            key = (target.id, first)
            matches = by_field.get(
                key + ((decks.get(note.deck.casefold()),) if by_deck else ()), []
            )
        if not matches:
            if note.guid not in real_guids and note_uid(note.guid) in by_guid:
                note = replace(note, guid=uuid.uuid4().hex)  # its first field was edited
            plan.batch.notes.append(note)
        elif choices.duplicates == Duplicates.DUPLICATE:
            if note.guid in real_guids:
                plan.kept += 1
            else:
                plan.batch.notes.append(replace(note, guid=uuid.uuid4().hex))
        elif choices.duplicates == Duplicates.KEEP:
            plan.kept += 1
        else:
            for match in matches:
                _plan_update(plan, match, note, target, batch.tags_column)
    return plan


def _plan_update(
    plan: DuplicatePlan,
    match: _Existing,
    note: ForeignNote,
    target: ChosenNotetype | None,
    tags_column: bool,
) -> None:
    if target is None or match.notetype_id != target.id:
        plan.conflicts.append(
            f"note {note.guid}: in the collection it has the note type '{match.notetype}', "
            f"not '{note.notetype}'; row skipped"
        )
        return
    # an earlier row of the file may have updated the note: this one starts from there
    current, current_tags, before = (
        plan.updates[match.id]
        if match.id in plan.updates
        else (match.fields, sorted(match.tags), match)
    )
    fields = list(current)
    for index, value in enumerate(note.fields[: len(fields)]):
        fields[index] = value
    row_tags = {convert_tag(t) for t in note.tags}
    tags = sorted(row_tags if tags_column else set(current_tags) | row_tags)
    # Anki writes nothing when the row's fields (and tags, from a tags column) are the same
    if fields == list(current) and (not tags_column or row_tags == set(current_tags)):
        plan.unchanged += 1
        return
    plan.updates[match.id] = (fields, tags, before)


def apply_plan(conn: Connection, plan: DuplicatePlan, now_ms: int, summary: ImportSummary) -> None:
    """Write the planned updates (inside the import's transaction) and count them."""
    for note_id, (fields, tags, before) in plan.updates.items():
        digest = hashlib.sha1(
            json.dumps([before.notetype_id, fields, tags, before.deck_id]).encode()
        ).hexdigest()
        conn.execute(
            text(
                "UPDATE note SET fields = :f, prompt_md = :p, content_hash = :h, mtime = :m "
                "WHERE id = :i"
            ),
            {
                "f": json.dumps(fields, ensure_ascii=False),
                "p": " ".join(strip_html(fields[0]).split())[:300] if fields else "",
                "h": digest,
                "m": now_ms,
                "i": note_id,
            },
        )
        conn.execute(text("DELETE FROM note_tag WHERE note_id = :i"), {"i": note_id})
        if tags:
            conn.execute(
                text("INSERT INTO note_tag (note_id, tag) VALUES (:i, :t)"),
                [{"i": note_id, "t": tag} for tag in tags],
            )
        summary.cards += _add_missing_cards(conn, note_id, fields, tags, before, now_ms)
    summary.updated += len(plan.updates)
    summary.unchanged += plan.unchanged
    summary.skipped += plan.kept + len(plan.conflicts)
    summary.notes += len(plan.updates)
    if plan.kept:
        summary.warnings.append(
            f"{plan.kept} rows match notes already in the collection; those notes were kept "
            "as they are"
        )
    summary.warnings.extend(plan.conflicts)


def _add_missing_cards(
    conn: Connection, note_id: int, fields: list[str], tags: list[str], note: _Existing, now_ms: int
) -> int:
    """New cards for templates the updated fields now fill (Anki generates them too);
    returns how many cards the note has."""
    have = {
        int(r[0])
        for r in conn.execute(text("SELECT ord FROM card WHERE note_id = :n"), {"n": note_id})
    }
    found = conn.execute(
        text("SELECT fields, templates, cloze FROM notetype WHERE id = :i"),
        {"i": note.notetype_id},
    ).first()
    if found is None:
        return len(have)
    names, templates = json.loads(found[0]), [(t[1], t[2]) for t in json.loads(found[1])]
    values = dict(zip(names, fields, strict=False))
    missing = set(generated_ords(templates, values, bool(found[2]), tagged=bool(tags))) - have
    if missing:
        deck_pos, note_pos = conn.execute(
            text(
                "SELECT d.position, n.position FROM note n JOIN deck d ON d.id = n.deck_id "
                "WHERE n.id = :n"
            ),
            {"n": note_id},
        ).one()
        room = NEW_ORDER_DECK // NEW_ORDER_NOTE - 1
        base = int(deck_pos) * NEW_ORDER_DECK + min(int(note_pos), room) * NEW_ORDER_NOTE
        conn.execute(
            text(
                "INSERT INTO card (note_id, ord, state, due, reps, lapses, suspended, flag, "
                "created) VALUES (:n, :o, 0, :d, 0, 0, 0, 0, :t)"
            ),
            [{"n": note_id, "o": o, "d": base + o, "t": now_ms} for o in sorted(missing)],
        )
    return len(have | missing)


def _first(fields: Sequence[str]) -> str:
    return fields[0] if fields else ""


_SELECT = (
    "SELECT n.id, n.uid, n.deck_id, n.notetype_id, COALESCE(t.name, ''), n.fields, "
    "(SELECT group_concat(tag, ' ') FROM note_tag g WHERE g.note_id = n.id) "
    "FROM note n LEFT JOIN notetype t ON t.id = n.notetype_id "
)


def _existing(row: Any) -> _Existing:
    return _Existing(
        id=int(row[0]),
        uid=str(row[1]),
        deck_id=int(row[2]),
        notetype_id=row[3],
        notetype=str(row[4]),
        fields=[str(v) for v in json.loads(row[5] or "[]")],
        tags=set((row[6] or "").split()),
    )


def _notes_of_types(conn: Connection, ids: set[int]) -> list[_Existing]:
    if not ids:
        return []
    marks = ",".join(str(i) for i in sorted(ids))
    rows = conn.execute(
        text(
            _SELECT + f"WHERE n.retired = 0 AND n.kind = {int(NoteKind.TEMPLATE)} "
            f"AND n.notetype_id IN ({marks})"
        )
    )
    return [_existing(r) for r in rows]


def _notes_by_uid(conn: Connection, uids: list[str]) -> dict[str, _Existing]:
    out: dict[str, _Existing] = {}
    for start in range(0, len(uids), 500):
        chunk = {f"u{i}": u for i, u in enumerate(uids[start : start + 500])}
        marks = ", ".join(f":{k}" for k in chunk)
        for row in conn.execute(text(_SELECT + f"WHERE n.uid IN ({marks})"), chunk):
            out[str(row[1])] = _existing(row)
    return out
