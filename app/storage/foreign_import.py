"""Write a :class:`ForeignBatch` (Anki package, text file) into the collection.

Bulk statements in the caller's transaction; notes are matched by guid, so importing an
updated package updates notes in place, adds new ones and keeps every review. Review-log
rows get ids derived from their source, so a second import adds nothing twice.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, text

from app.core import av_tags
from app.core.anki_template import generated_ords, strip_html
from app.core.cloze import CLOZE
from app.core.models import CardState, ImportSummary, NoteKind
from app.interop.anki_note_copy import NoteCopy
from app.interop.foreign import ForeignBatch, ForeignCard
from app.interop.stored_notes import StoredNotes, unread
from app.sqlite import sqlite3
from app.storage.bulk_indexes import is_bulk, rebuilt
from app.storage.deck_sync import NEW_ORDER_DECK, NEW_ORDER_NOTE
from app.storage.engine import raw_connection
from app.storage.import_reviews import insert_reviews
from app.storage.import_reviews import note_uid as note_uid
from app.storage.import_schedule import Replay, position_ranks
from app.storage.preset_import import assign_package_presets

_SRC = re.compile(r"""(\bsrc\s*=\s*)(["']?)([^"'\s>]+)\2""", re.IGNORECASE)
Progress = Callable[[int, int], None]


def convert_tag(tag: str) -> str:
    """Anki nests tags with ``::``; Cirrus with ``/``."""
    return tag.replace("::", "/")


def apply_batch(
    conn: Connection,
    batch: ForeignBatch,
    media_names: dict[str, str],
    now_ms: int,
    bury_until_ms: int,
    summary: ImportSummary,
    progress: Progress | None = None,
) -> None:
    notetypes = _upsert_notetypes(conn, batch)
    decks = _ensure_decks(conn, batch)
    stored = batch.notes if isinstance(batch.notes, StoredNotes) else None
    if stored is not None and isinstance(stored.source, NoteCopy):  # (read for a preview or not)
        from app.storage.import_notes_sql import copy_notes

        if progress is not None:
            progress(0, len(batch.notes))
        args = (now_ms, bury_until_ms, summary)
        raw = raw_connection(conn)
        bulk = is_bulk(len(batch.notes), _next_id(raw, "card"))
        with rebuilt(raw, ("note", "card"), bulk):  # indexes built after a big copy
            copied = copy_notes(conn, batch, stored.source, notetypes, decks, media_names, *args)
        if copied:
            summary.review_logs = insert_reviews(conn, batch.reviews, {})
            if progress is not None:  # last chance to cancel before the transaction commits
                progress(len(batch.notes), len(batch.notes))
            summary.skipped += batch.skipped
            summary.warnings.extend(batch.warnings)
            return
    raw = raw_connection(conn)
    existing = _existing_notes(raw, [note_uid(n.guid) for n in batch.notes])
    next_note = _next_id(raw, "note")
    next_card = first_card = _next_id(raw, "card")
    note_rows: list[tuple[Any, ...]] = []
    tag_rows: list[tuple[int, str]] = []
    card_rows: list[list[Any]] = []
    card_ids: dict[tuple[str, int], int] = {}
    replay = Replay(batch.reviews, _unscheduled(batch))
    ranks = position_ranks(batch)
    kind = int(NoteKind.TEMPLATE)
    for index, note in enumerate(batch.notes):
        if progress is not None and index % 2000 == 0:
            progress(index, len(batch.notes))
        notetype_id, names, templates, cloze = notetypes[note.notetype]
        fields = [_rewrite_media(v, media_names) for v in note.fields]
        fields += [""] * (len(names) - len(fields))
        tags = sorted({convert_tag(t) for t in note.tags})
        deck_id, deck_pos = decks[note.deck]
        uid = note_uid(note.guid)
        digest = hashlib.sha1(_dumps([notetype_id, fields, tags, deck_id]).encode()).hexdigest()
        values = {
            "u": uid,
            "d": deck_id,
            "k": kind,
            "p": _plain(fields[0]) if fields else "",
            "o": batch.format,
            "pos": index,
            "h": digest,
            "m": note.modified_ms or now_ms,
            "nt": notetype_id,
            "f": _dumps_text(fields),
        }
        field_map = dict(zip(names, fields, strict=False))
        # Anki gives a note whose templates all come out empty its first card
        ords = (
            [c.ord for c in note.cards]
            or generated_ords(templates, field_map, cloze, tagged=bool(tags))
            or [0]
        )
        old = existing.get(uid)
        if old is None:
            note_id = next_note
            next_note += 1
            note_rows.append((note_id, *values.values()))
            tag_rows.extend((note_id, t) for t in tags)
            given = {c.ord: c for c in note.cards}
            for ord_ in ords:
                card = given.get(ord_) or ForeignCard(ord=ord_, deck=note.deck)
                # keep the source's new-card order (Anki's position) when it has one
                position = min(
                    ranks[card.new_position] if card.new_position is not None else index,
                    NEW_ORDER_DECK // NEW_ORDER_NOTE - 1,
                )
                order = deck_pos * NEW_ORDER_DECK + position * NEW_ORDER_NOTE + ord_
                card_rows.append(
                    _card_values(
                        next_card, note_id, card, order, decks, replay, note.guid, bury_until_ms
                    )
                )
                card_ids[(note.guid, ord_)] = next_card
                next_card += 1
            summary.added += 1
        elif old[1] == digest and not set(ords) - old[2]:
            summary.unchanged += 1
            continue
        else:  # changed fields, or cards a template added to the note type
            if old[1] != digest:
                _update_note(conn, old[0], values, tags)
            given = {c.ord: c for c in note.cards}
            for ord_ in sorted(set(ords) - old[2]):
                card = given.get(ord_) or ForeignCard(ord=ord_, deck=note.deck)
                position = index if card.new_position is None else ranks[card.new_position]
                order = deck_pos * NEW_ORDER_DECK + position * NEW_ORDER_NOTE + ord_
                card_rows.append(
                    _card_values(
                        next_card,
                        old[0],
                        card,
                        order,
                        decks,
                        replay,
                        note.guid,
                        bury_until_ms,
                    )
                )
                next_card += 1
            summary.updated += 1
        summary.notes += 1
        summary.cards += len(ords)
    for row in card_rows:
        if row[-1] is None:
            row[-1] = now_ms
    # a big import into a small collection builds the note and card indexes afterwards
    with rebuilt(raw, ("note", "card"), is_bulk(len(card_rows), first_card)):
        raw.executemany(
            "INSERT INTO note (id, uid, deck_id, kind, prompt_md, origin, position, "
            "content_hash, mtime, notetype_id, fields, front_md, answer_md, retired, created) "
            f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', 0, {int(now_ms)})",
            note_rows,
        )
        raw.executemany("INSERT INTO note_tag (note_id, tag) VALUES (?, ?)", tag_rows)
        raw.executemany(
            "INSERT INTO card (id, note_id, ord, state, step, stability, difficulty, due, "
            "last_review, reps, lapses, suspended, buried_until, flag, created) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            card_rows,
        )
    summary.review_logs = insert_reviews(conn, batch.reviews, card_ids)
    if progress is not None:  # last chance to cancel before the transaction commits
        progress(len(batch.notes), len(batch.notes))
    summary.skipped += batch.skipped
    summary.warnings.extend(batch.warnings)


_PARAM = re.compile(r":(\w+)")


def _insert(conn: Connection, statement: str, rows: list[dict[str, Any]]) -> None:
    """Bulk insert through the driver's ``executemany`` (no per-row SQLAlchemy work)."""
    if not rows:
        return
    names = _PARAM.findall(statement)
    sql = "INSERT INTO " + _PARAM.sub("?", statement)
    conn.exec_driver_sql(sql, [tuple(row[n] for n in names) for row in rows])


def _next_id(raw: sqlite3.Connection, table: str) -> int:
    return int(raw.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}").fetchone()[0])


_dumps = json.JSONEncoder().encode
_dumps_text = json.JSONEncoder(ensure_ascii=False).encode


def _unscheduled(batch: ForeignBatch) -> set[tuple[str, int]]:
    """Cards the source schedules without a memory state: their history is replayed."""
    return {
        (note.guid, card.ord)
        for note in batch.notes
        for card in note.cards
        if card.state != CardState.NEW and (card.stability is None or card.difficulty is None)
    }


def _upsert_notetypes(
    conn: Connection, batch: ForeignBatch
) -> dict[str, tuple[int, list[str], list[tuple[str, str]], bool]]:
    stored = unread(batch)
    if stored is not None and isinstance(stored.source, NoteCopy):
        used = set(stored.source.notetype_keys.values())
    else:
        used = {n.notetype for n in batch.notes}
    out: dict[str, tuple[int, list[str], list[tuple[str, str]], bool]] = {}
    for key in sorted(used):
        nt = batch.notetypes[key]
        if key in batch.notetype_ids:  # one already there, kept as it is
            templates = [(t.qfmt, t.afmt) for t in nt.templates]
            out[key] = (batch.notetype_ids[key], list(nt.fields), templates, nt.cloze)
            continue
        uid = f"{batch.format}:{nt.key}"
        values = {
            "u": uid,
            "n": nt.name,
            "c": nt.cloze,
            "f": json.dumps(list(nt.fields)),
            "t": json.dumps([[t.name, t.qfmt, t.afmt] for t in nt.templates]),
            "css": nt.css,
        }
        conn.execute(
            text(
                "INSERT INTO notetype (uid, name, cloze, fields, templates, css) VALUES "
                "(:u, :n, :c, :f, :t, :css) ON CONFLICT(uid) DO UPDATE SET name = excluded.name, "
                "cloze = excluded.cloze, fields = excluded.fields, "
                "templates = excluded.templates, css = excluded.css"
            ),
            values,
        )
        row_id = conn.execute(text("SELECT id FROM notetype WHERE uid = :u"), {"u": uid})
        out[key] = (
            int(row_id.scalar_one()),
            list(nt.fields),
            [(t.qfmt, t.afmt) for t in nt.templates],
            nt.cloze,
        )
    return out


def _ensure_decks(conn: Connection, batch: ForeignBatch) -> dict[str, tuple[int, int]]:
    stored = unread(batch)
    if stored is not None and isinstance(stored.source, NoteCopy):
        names = set(stored.source.decks)
    else:
        names = {n.deck for n in batch.notes} | {c.deck for n in batch.notes for c in n.cards}
    out: dict[str, tuple[int, int]] = {}
    created: dict[str, int] = {}
    position = int(
        conn.execute(text("SELECT COALESCE(MAX(position), -1) + 1 FROM deck")).scalar_one()
    )
    for name in sorted(names):
        found = conn.execute(
            text("SELECT id, position FROM deck WHERE name = :n"), {"n": name}
        ).first()
        if found is not None:
            out[name] = (int(found[0]), int(found[1]))
            continue
        conn.execute(
            text(
                "INSERT INTO deck (uid, name, description, preset_id, position, origin) "
                "VALUES (:u, :n, :d, 1, :p, :o)"
            ),
            {
                "u": "deck:" + name,
                "n": name,
                "d": batch.deck_descriptions.get(name, ""),
                "p": position,
                "o": batch.format,
            },
        )
        new_id = int(conn.execute(text("SELECT last_insert_rowid()")).scalar_one())
        out[name] = (new_id, position)
        created[name] = new_id
        position += 1
    assign_package_presets(conn, batch.presets, batch.deck_presets, created)
    return out


def _existing_notes(
    raw: sqlite3.Connection, uids: list[str]
) -> dict[str, tuple[int, str, set[int]]]:
    out: dict[str, tuple[int, str, set[int]]] = {}
    if raw.execute("SELECT NOT EXISTS (SELECT 1 FROM note)").fetchone()[0]:
        return out
    for start in range(0, len(uids), 500):
        chunk = uids[start : start + 500]
        rows = raw.execute(
            "SELECT n.uid, n.id, n.content_hash, c.ord FROM note n "
            f"LEFT JOIN card c ON c.note_id = n.id WHERE n.uid IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
        for uid, note_id, digest, ord_ in rows:
            entry = out.setdefault(uid, (int(note_id), str(digest), set()))
            if ord_ is not None:
                entry[2].add(int(ord_))
    return out


def _update_note(conn: Connection, note_id: int, values: dict[str, Any], tags: list[str]) -> None:
    conn.execute(
        text(
            "UPDATE note SET prompt_md = :p, fields = :f, notetype_id = :nt, "
            "content_hash = :h, mtime = :m, retired = 0 WHERE id = :i"
        ),
        {**values, "i": note_id},
    )
    conn.execute(text("DELETE FROM note_tag WHERE note_id = :i"), {"i": note_id})
    _insert(conn, "note_tag (note_id, tag) VALUES (:i, :t)", [{"i": note_id, "t": t} for t in tags])


def _plain(value: str) -> str:
    """A field as one line of text (for lists and search): no HTML, no cloze markup."""
    if "<" not in value and "&" not in value and "{" not in value and "[sound:" not in value:
        return " ".join(value.split())[:300]  # nothing to strip
    return " ".join(CLOZE.sub(r"\2", strip_html(av_tags.listed(value))).split())[:300]


def _rewrite_media(value: str, media: dict[str, str]) -> str:
    """Point images and ``[sound:]`` clips at the stored files (``media/<sha>.<ext>``): the
    store keeps one file per content, so two names of one content find the same file."""
    if not media:
        return value

    def repl(m: re.Match[str]) -> str:
        stored = media.get(html.unescape(m.group(3)))
        return f'{m.group(1)}"media/{stored}"' if stored else m.group(0)

    def clip(m: re.Match[str]) -> str:
        stored = media.get(html.unescape(m.group(1)).strip())
        return f"[sound:media/{stored}]" if stored else m.group(0)

    if "[sound:" in value:
        value = av_tags.SOUND.sub(clip, value)
    return _SRC.sub(repl, value) if "src" in value.lower() else value


_CARD_KEYS = ("i", "n", "o", "s", "st", "sa", "di", "due", "lr", "r", "l", "su", "b", "f", "cr")


def _card_row(
    card_id: int,
    note_id: int,
    card: ForeignCard,
    order: int,
    decks: dict[str, tuple[int, int]],
    replay: Replay,
    guid: str,
    bury_until_ms: int,
) -> dict[str, Any]:
    """:func:`_card_values` by name."""
    values = _card_values(card_id, note_id, card, order, decks, replay, guid, bury_until_ms)
    return dict(zip(_CARD_KEYS, values, strict=True))


def _card_values(
    card_id: int,
    note_id: int,
    card: ForeignCard,
    order: int,
    decks: dict[str, tuple[int, int]],
    replay: Replay,
    guid: str,
    bury_until_ms: int,
) -> list[Any]:
    state = CardState(card.state)
    stability, difficulty = card.stability, card.difficulty
    if state != CardState.NEW and (stability is None or difficulty is None):
        replayed = replay.memory(guid, card.ord)
        if replayed is not None:
            stability, difficulty = replayed.stability, replayed.difficulty
        else:  # scheduled in the source but without memory state or history
            interval = ((card.due_ms or 0) - (card.last_review_ms or 0)) / 86_400_000
            stability, difficulty = max(interval, 0.5), 5.0
    new = state == CardState.NEW
    return [
        card_id,
        note_id,
        card.ord,
        int(state),
        0 if state in (CardState.LEARNING, CardState.RELEARNING) else None,
        None if new else stability,
        None if new else difficulty,
        order if new or card.due_ms is None else card.due_ms,
        None if new else card.last_review_ms,
        card.reps,
        card.lapses,
        card.suspended,
        bury_until_ms if card.buried else None,
        card.flag,
        card.created_ms,
    ]
