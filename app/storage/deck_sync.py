"""Write parsed decks into the collection: add, update in place, retire.

Identity is (deck id, card id): editing a card's text keeps its cards and review
history; a card gone from its file is retired (its cards suspended, history kept);
a retired card that comes back is restored.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from app.core.deck_parser import note_uid
from app.core.models import CardState, DeckFile, ImportSummary, NoteKind, NoteSpec
from app.core.note_cards import card_ords
from app.core.typed_answer import expected_answer
from app.storage.local_edits import edited_in_deck, upstream_arrived

NEW_ORDER_DECK = 100_000_000
NEW_ORDER_NOTE = 100


@dataclass(frozen=True)
class _Existing:
    id: int
    content_hash: str
    retired: bool
    position: int


def apply_decks(
    conn: Connection, decks: list[DeckFile], origin: str, now_ms: int, summary: ImportSummary
) -> None:
    """Merge ``decks`` into the collection inside the caller's transaction."""
    next_pos = conn.execute(text("SELECT COALESCE(MAX(position), -1) + 1 FROM deck")).scalar_one()
    for deck in decks:
        deck_id, deck_pos = _upsert_deck(conn, deck, origin, next_pos)
        next_pos = max(next_pos, deck_pos + 1)
        _sync_notes(conn, deck, deck_id, deck_pos, origin, now_ms, summary)


def _upsert_deck(conn: Connection, deck: DeckFile, origin: str, next_pos: int) -> tuple[int, int]:
    row = conn.execute(
        text("SELECT id, position FROM deck WHERE uid = :u"), {"u": deck.uid}
    ).first()
    values: dict[str, Any] = {
        "u": deck.uid,
        "n": deck.name,
        "d": deck.description,
        "s": deck.source,
        "o": origin,
    }
    if row is None:
        conn.execute(
            text(
                "INSERT INTO deck (uid, name, description, source, preset_id, position, origin) "
                "VALUES (:u, :n, :d, :s, 1, :p, :o)"
            ),
            {**values, "p": next_pos},
        )
        new_id = conn.execute(text("SELECT last_insert_rowid()")).scalar_one()
        return int(new_id), next_pos
    conn.execute(
        text("UPDATE deck SET name = :n, description = :d, source = :s WHERE uid = :u"), values
    )
    return int(row[0]), int(row[1])


def _content_hash(note: NoteSpec, tags: list[str]) -> str:
    payload = [
        int(note.kind),
        note.prompt,
        note.front,
        note.answer,
        note.source,
        note.verified,
        tags,
    ]
    if note.case or note.exact:  # absent for older kinds, so their hashes stay as they were
        payload += [note.case, note.exact]
    return hashlib.sha1(json.dumps(payload).encode()).hexdigest()


def _sync_notes(
    conn: Connection,
    deck: DeckFile,
    deck_id: int,
    deck_pos: int,
    origin: str,
    now_ms: int,
    summary: ImportSummary,
) -> None:
    existing = {
        r[0]: _Existing(r[1], r[2], bool(r[3]), r[4])
        for r in conn.execute(
            text("SELECT uid, id, content_hash, retired, position FROM note WHERE deck_id = :d"),
            {"d": deck_id},
        )
    }
    edited = edited_in_deck(conn, deck_id)
    seen: set[str] = set()
    for position, note in enumerate(deck.notes):
        uid = note_uid(deck.uid, note)
        if uid in seen:
            summary.skipped += 1
            summary.warnings.append(
                f"{deck.path}:{note.line}: same card as an earlier one; skipped"
            )
            continue
        seen.add(uid)
        tags = sorted(set(deck.tags) | set(note.tags))
        digest = _content_hash(note, tags)
        old = existing.get(uid)
        order = deck_pos * NEW_ORDER_DECK + position * NEW_ORDER_NOTE
        if old is not None and old.id in edited:  # the learner's edit wins; upstream kept
            changed = upstream_arrived(conn, old.id, edited[old.id], note, tags, deck_id, digest)
            summary.unchanged += 0 if changed else 1
            summary.updated += 1 if changed else 0
            continue
        if old is None:
            note_id = _insert_note(conn, uid, deck, deck_id, note, origin, position, digest, now_ms)
            _write_tags(conn, note_id, tags)
            for ord_ in card_ords(note):
                _insert_card(conn, note_id, ord_, order)
            summary.added += 1
        elif old.content_hash == digest and not old.retired and old.position == position:
            summary.unchanged += 1
            continue
        else:
            _update_note(conn, old.id, deck.uid, note, position, digest, now_ms)
            _write_tags(conn, old.id, tags)
            _reconcile_cards(conn, old.id, card_ords(note), order, old.retired)
            summary.updated += 1
        summary.notes += 1
        summary.cards += len(card_ords(note))
    for uid, old in existing.items():
        if uid not in seen and not old.retired:
            conn.execute(text("UPDATE note SET retired = 1 WHERE id = :i"), {"i": old.id})
            conn.execute(text("UPDATE card SET suspended = 1 WHERE note_id = :i"), {"i": old.id})
            summary.retired += 1


def _insert_note(
    conn: Connection,
    uid: str,
    deck: DeckFile,
    deck_id: int,
    note: NoteSpec,
    origin: str,
    position: int,
    digest: str,
    now_ms: int,
) -> int:
    conn.execute(
        text(
            "INSERT INTO note (uid, deck_id, kind, prompt_md, front_md, answer_md, source, "
            "verified, origin, position, content_hash, retired, mtime, case_uid, expected, "
            "exact) VALUES (:u, :d, :k, :p, :f, :a, :s, :v, :o, :pos, :h, 0, :m, :cu, :ex, :xt)"
        ),
        {
            "u": uid,
            "d": deck_id,
            "k": int(note.kind),
            "p": note.prompt,
            "f": note.front,
            "a": note.answer,
            "s": note.source,
            "v": note.verified,
            "o": origin,
            "pos": position,
            "h": digest,
            "m": now_ms,
            **_extras(deck.uid, note),
        },
    )
    return int(conn.execute(text("SELECT last_insert_rowid()")).scalar_one())


def _extras(deck_uid: str, note: NoteSpec) -> dict[str, Any]:
    """The case a question belongs to, and a typed answer's string and exact flag."""
    typed = note.kind == NoteKind.INPUT
    return {
        "cu": f"{deck_uid}/{note.case}" if note.case else None,
        "ex": expected_answer(note.answer) if typed else None,
        "xt": note.exact,
    }


def _update_note(
    conn: Connection,
    note_id: int,
    deck_uid: str,
    note: NoteSpec,
    position: int,
    digest: str,
    now_ms: int,
) -> None:
    conn.execute(
        text(
            "UPDATE note SET kind = :k, prompt_md = :p, front_md = :f, answer_md = :a, "
            "source = :s, verified = :v, position = :pos, content_hash = :h, retired = 0, "
            "mtime = :m, case_uid = :cu, expected = :ex, exact = :xt WHERE id = :i"
        ),
        {
            **_extras(deck_uid, note),
            "k": int(note.kind),
            "p": note.prompt,
            "f": note.front,
            "a": note.answer,
            "s": note.source,
            "v": note.verified,
            "pos": position,
            "h": digest,
            "m": now_ms,
            "i": note_id,
        },
    )


def _write_tags(conn: Connection, note_id: int, tags: list[str]) -> None:
    conn.execute(text("DELETE FROM note_tag WHERE note_id = :i"), {"i": note_id})
    if tags:
        conn.execute(
            text("INSERT INTO note_tag (note_id, tag) VALUES (:i, :t)"),
            [{"i": note_id, "t": t} for t in tags],
        )


def _insert_card(conn: Connection, note_id: int, ord_: int, order: int) -> None:
    conn.execute(
        text(
            "INSERT INTO card (note_id, ord, state, due, reps, lapses, suspended, flag, created) "
            "VALUES (:n, :o, :s, :d, 0, 0, 0, 0, (SELECT mtime FROM note WHERE id = :n))"
        ),
        {"n": note_id, "o": ord_, "s": int(CardState.NEW), "d": order + ord_},
    )


def _reconcile_cards(
    conn: Connection, note_id: int, wanted: list[int], order: int, was_retired: bool
) -> None:
    have = {
        r[0]: bool(r[1])
        for r in conn.execute(
            text("SELECT ord, suspended FROM card WHERE note_id = :n"), {"n": note_id}
        )
    }
    for ord_ in wanted:
        if ord_ not in have:
            _insert_card(conn, note_id, ord_, order)
        elif was_retired and have[ord_]:
            conn.execute(
                text("UPDATE card SET suspended = 0 WHERE note_id = :n AND ord = :o"),
                {"n": note_id, "o": ord_},
            )
    for ord_ in set(have) - set(wanted):
        conn.execute(
            text("UPDATE card SET suspended = 1 WHERE note_id = :n AND ord = :o"),
            {"n": note_id, "o": ord_},
        )
    conn.execute(
        text(f"UPDATE card SET due = :base + ord WHERE note_id = :n AND state = {CardState.NEW}"),
        {"base": order, "n": note_id},
    )
