"""Notes as the editor sees them: read one, add one, save a learner's edit with history."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from app.core import av_tags
from app.core.anki_template import generated_ords, strip_html
from app.core.cloze import CLOZE
from app.core.models import CardState, NoteKind, NoteSpec
from app.core.note_cards import card_ords
from app.core.typed_answer import expected_answer
from app.storage.deck_sync import NEW_ORDER_DECK, NEW_ORDER_NOTE
from app.storage.local_edits import remember_upstream


@dataclass(frozen=True)
class NoteType:
    id: int
    name: str
    fields: tuple[str, ...]
    templates: tuple[tuple[str, str, str], ...]
    cloze: bool
    css: str = ""


@dataclass(frozen=True)
class NoteContent:
    """What a learner can edit in one note."""

    note_id: int
    uid: str
    kind: NoteKind
    deck_id: int
    deck_name: str
    prompt: str = ""
    front: str = ""
    answer: str = ""
    source: str | None = None
    tags: tuple[str, ...] = ()
    fields: tuple[str, ...] | None = None
    """Field values of a note with a note type (None for Markdown notes)."""
    notetype: NoteType | None = None
    origin: str = ""
    exact: bool = False
    changed_upstream: bool = False
    upstream: dict[str, Any] | None = field(default=None, compare=False)
    """The deck file's version when the learner has edited this note (see local_edits)."""

    def editable(self) -> dict[str, Any]:
        """The parts an edit can change, as stored in the edit history."""
        return {
            "kind": int(self.kind),
            "prompt": self.prompt,
            "front": self.front,
            "answer": self.answer,
            "source": self.source,
            "tags": list(self.tags),
            "fields": list(self.fields) if self.fields is not None else None,
            "deck_id": self.deck_id,
        }


def plain_text(value: str) -> str:
    """A field as one line of text (for lists and search)."""
    return " ".join(CLOZE.sub(r"\2", strip_html(av_tags.listed(value))).split())[:300]


def notetypes(conn: Connection) -> list[NoteType]:
    rows = conn.execute(
        text("SELECT id, name, fields, templates, cloze, css FROM notetype ORDER BY name")
    )
    return [_notetype(r) for r in rows]


def _notetype(row: Any) -> NoteType:
    return NoteType(
        id=int(row[0]),
        name=str(row[1]),
        fields=tuple(json.loads(row[2])),
        templates=tuple(tuple(t) for t in json.loads(row[3])),
        cloze=bool(row[4]),
        css=str(row[5]),
    )


def load_note(conn: Connection, note_id: int) -> NoteContent | None:
    row = conn.execute(
        text(
            "SELECT n.id, n.uid, n.kind, n.deck_id, d.name, n.prompt_md, n.front_md, "
            "n.answer_md, n.source, n.fields, n.notetype_id, n.origin, n.exact, "
            "l.upstream, l.changed_upstream FROM note n JOIN deck d ON d.id = n.deck_id "
            "LEFT JOIN note_local l ON l.note_id = n.id WHERE n.id = :i"
        ),
        {"i": note_id},
    ).first()
    if row is None:
        return None
    tags = tuple(
        str(t[0])
        for t in conn.execute(
            text("SELECT tag FROM note_tag WHERE note_id = :i ORDER BY tag"), {"i": note_id}
        )
    )
    notetype = None
    if row[10] is not None:
        nt = conn.execute(
            text("SELECT id, name, fields, templates, cloze, css FROM notetype WHERE id = :i"),
            {"i": row[10]},
        ).first()
        notetype = _notetype(nt) if nt is not None else None
    return NoteContent(
        note_id=int(row[0]),
        uid=str(row[1]),
        kind=NoteKind(int(row[2])),
        deck_id=int(row[3]),
        deck_name=str(row[4]),
        prompt=str(row[5]),
        front=str(row[6]),
        answer=str(row[7]),
        source=row[8],
        tags=tags,
        fields=tuple(json.loads(row[9])) if row[9] is not None else None,
        notetype=notetype,
        origin=str(row[11]),
        exact=bool(row[12]),
        upstream=json.loads(row[13]) if row[13] is not None else None,
        changed_upstream=bool(row[14]),
    )


def first_field(content: NoteContent) -> str:
    if content.fields is not None:
        return plain_text(content.fields[0]) if content.fields else ""
    return content.prompt


def duplicates(conn: Connection, deck_id: int, first: str, skip: int | None = None) -> list[int]:
    """Notes of the deck whose first field is ``first`` (ignoring case and spaces)."""
    wanted = " ".join(first.lower().split())
    if not wanted:
        return []
    rows = conn.execute(
        text(
            "SELECT id, prompt_md FROM note WHERE deck_id = :d AND retired = 0 "
            "AND lower(prompt_md) LIKE :p"
        ),
        {"d": deck_id, "p": "%" + wanted.split()[0].replace("%", "") + "%"},
    )
    return [
        int(r[0])
        for r in rows
        if " ".join(str(r[1]).lower().split()) == wanted and int(r[0]) != skip
    ]


def _spec(content: NoteContent) -> NoteSpec:
    return NoteSpec(
        prompt=content.prompt, front=content.front, answer=content.answer, kind=content.kind
    )


def wanted_ords(content: NoteContent) -> list[int]:
    if content.fields is not None and content.notetype is not None:
        values = dict(zip(content.notetype.fields, content.fields, strict=False))
        templates = [(q, a) for _, q, a in content.notetype.templates]
        return generated_ords(templates, values, content.notetype.cloze) or [0]
    return card_ords(_spec(content)) or ([] if content.kind == NoteKind.CASE else [0])


def add_note(conn: Connection, content: NoteContent, now_ms: int) -> int:
    """Write a new note (origin ``local``) with its cards at the end of its deck's new queue."""
    deck_uid, deck_pos = conn.execute(
        text("SELECT uid, position FROM deck WHERE id = :d"), {"d": content.deck_id}
    ).one()
    position = int(
        conn.execute(
            text("SELECT COALESCE(MAX(position), -1) + 1 FROM note WHERE deck_id = :d"),
            {"d": content.deck_id},
        ).scalar_one()
    )
    uid = f"{deck_uid}/c-{secrets.token_hex(6)}"
    conn.execute(
        text(
            "INSERT INTO note (uid, deck_id, kind, prompt_md, front_md, answer_md, source, "
            "origin, position, content_hash, retired, mtime, created, notetype_id, fields, "
            "expected, exact) VALUES (:u, :d, :k, :p, :f, :a, :s, 'local', :pos, '', 0, :m, :m, "
            ":nt, :fl, :ex, :xt)"
        ),
        {
            "u": uid,
            "d": content.deck_id,
            "pos": position,
            "m": now_ms,
            "nt": content.notetype.id if content.notetype is not None else None,
            **_values(content),
        },
    )
    note_id = int(conn.execute(text("SELECT last_insert_rowid()")).scalar_one())
    _write_tags(conn, note_id, content.tags)
    order = int(deck_pos) * NEW_ORDER_DECK + min(position, 999_999) * NEW_ORDER_NOTE
    for ord_ in wanted_ords(content):
        _insert_card(conn, note_id, ord_, order)
    return note_id


def _values(content: NoteContent) -> dict[str, Any]:
    fields = content.fields
    template = fields is not None
    return {
        "k": int(NoteKind.TEMPLATE if template else content.kind),
        "p": first_field(content),
        "f": "" if template else content.front,
        "a": "" if template else content.answer,
        "s": content.source,
        "fl": json.dumps(list(fields), ensure_ascii=False) if fields is not None else None,
        "ex": expected_answer(content.answer) if content.kind == NoteKind.INPUT else None,
        "xt": content.exact,
    }


def save_note(conn: Connection, content: NoteContent, now_ms: int, coalesce: bool = True) -> bool:
    """Store a learner's edit; returns False when nothing changed.

    The content before the edit goes to the edit history (one entry per minute of
    editing); a deck-file note keeps the upstream text it was edited from.
    """
    old = load_note(conn, content.note_id)
    if old is None:
        return False
    if old.editable() == content.editable():
        return False
    remember_upstream(conn, old)
    conn.execute(
        text(
            "UPDATE note SET kind = :k, prompt_md = :p, front_md = :f, answer_md = :a, "
            "source = :s, fields = :fl, expected = :ex, exact = :xt, deck_id = :d, mtime = :m "
            "WHERE id = :i"
        ),
        {**_values(content), "d": content.deck_id, "m": now_ms, "i": content.note_id},
    )
    _write_tags(conn, content.note_id, content.tags)
    have = {
        int(r[0])
        for r in conn.execute(
            text("SELECT ord FROM card WHERE note_id = :n"), {"n": content.note_id}
        )
    }
    for ord_ in set(wanted_ords(content)) - have:
        _insert_card(conn, content.note_id, ord_, 0)
    _record_history(conn, content.note_id, old.editable(), content.editable(), now_ms, coalesce)
    return True


def _record_history(
    conn: Connection,
    note_id: int,
    before: dict[str, Any],
    after: dict[str, Any],
    now_ms: int,
    coalesce: bool,
) -> None:
    last = conn.execute(
        text("SELECT id, edited_at FROM note_edit WHERE note_id = :n ORDER BY id DESC LIMIT 1"),
        {"n": note_id},
    ).first()
    if coalesce and last is not None and now_ms - int(last[1]) < 60_000:
        conn.execute(
            text("UPDATE note_edit SET after = :a, edited_at = :t WHERE id = :i"),
            {"a": json.dumps(after), "t": now_ms, "i": last[0]},
        )
        return
    conn.execute(
        text("INSERT INTO note_edit (note_id, edited_at, before, after) VALUES (:n, :t, :b, :a)"),
        {"n": note_id, "t": now_ms, "b": json.dumps(before), "a": json.dumps(after)},
    )


def history(conn: Connection, note_id: int) -> list[tuple[int, dict[str, Any], dict[str, Any]]]:
    """(time, before, after) of every recorded edit of a note, oldest first."""
    rows = conn.execute(
        text("SELECT edited_at, before, after FROM note_edit WHERE note_id = :n ORDER BY id"),
        {"n": note_id},
    )
    return [(int(r[0]), json.loads(r[1]), json.loads(r[2])) for r in rows]


def _write_tags(conn: Connection, note_id: int, tags: tuple[str, ...]) -> None:
    conn.execute(text("DELETE FROM note_tag WHERE note_id = :i"), {"i": note_id})
    for tag in sorted(set(tags)):
        conn.execute(
            text("INSERT INTO note_tag (note_id, tag) VALUES (:i, :t)"), {"i": note_id, "t": tag}
        )


def _insert_card(conn: Connection, note_id: int, ord_: int, order: int) -> None:
    conn.execute(
        text(
            "INSERT INTO card (note_id, ord, state, due, reps, lapses, suspended, flag, created) "
            "VALUES (:n, :o, :s, :d, 0, 0, 0, 0, (SELECT mtime FROM note WHERE id = :n))"
        ),
        {"n": note_id, "o": ord_, "s": int(CardState.NEW), "d": order + ord_},
    )
