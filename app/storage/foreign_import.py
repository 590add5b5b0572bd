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
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, text

from app.core import av_tags
from app.core.anki_template import generated_ords, strip_html
from app.core.cloze import CLOZE
from app.core.models import CardState, ImportSummary, NoteKind
from app.interop.foreign import ForeignBatch, ForeignCard, ForeignReview
from app.storage.deck_sync import NEW_ORDER_DECK, NEW_ORDER_NOTE
from app.storage.import_schedule import Replay, position_ranks
from app.storage.preset_import import assign_package_presets

LOG_NAMESPACE = uuid.UUID("6f0c2b2e-8a56-4c2e-9d5e-2b1f4f3c9a10")
_SRC = re.compile(r"""(\bsrc\s*=\s*)(["']?)([^"'\s>]+)\2""", re.IGNORECASE)
Progress = Callable[[int, int], None]


def note_uid(guid: str) -> str:
    return f"guid:{guid}"


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
    existing = _existing_notes(conn, [note_uid(n.guid) for n in batch.notes])
    next_note = _next_id(conn, "note")
    next_card = _next_id(conn, "card")
    note_rows: list[dict[str, Any]] = []
    tag_rows: list[dict[str, Any]] = []
    card_rows: list[dict[str, Any]] = []
    card_ids: dict[tuple[str, int], int] = {}
    replay = Replay(batch.reviews)
    ranks = position_ranks(batch)
    for index, note in enumerate(batch.notes):
        if progress is not None and index % 2000 == 0:
            progress(index, len(batch.notes))
        notetype_id, names, templates, cloze = notetypes[note.notetype]
        fields = [_rewrite_media(v, media_names) for v in note.fields]
        fields += [""] * (len(names) - len(fields))
        tags = sorted({convert_tag(t) for t in note.tags})
        deck_id, deck_pos = decks[note.deck]
        uid = note_uid(note.guid)
        digest = hashlib.sha1(json.dumps([notetype_id, fields, tags, deck_id]).encode()).hexdigest()
        values = {
            "u": uid,
            "d": deck_id,
            "k": int(NoteKind.TEMPLATE),
            "p": _plain(fields[0]) if fields else "",
            "o": batch.format,
            "pos": index,
            "h": digest,
            "m": note.modified_ms or now_ms,
            "nt": notetype_id,
            "f": json.dumps(fields, ensure_ascii=False),
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
            note_rows.append({"i": note_id, **values})
            tag_rows.extend({"i": note_id, "t": t} for t in tags)
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
                    _card_row(
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
                    _card_row(
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
    _insert(
        conn,
        "note (id, uid, deck_id, kind, prompt_md, front_md, answer_md, origin, "
        "position, content_hash, retired, mtime, notetype_id, fields) VALUES (:i, :u, :d, "
        ":k, :p, '', '', :o, :pos, :h, 0, :m, :nt, :f)",
        note_rows,
    )
    _insert(conn, "note_tag (note_id, tag) VALUES (:i, :t)", tag_rows)
    for row in card_rows:
        if row["cr"] is None:
            row["cr"] = now_ms
    _insert(
        conn,
        "card (id, note_id, ord, state, step, stability, difficulty, due, "
        "last_review, reps, lapses, suspended, buried_until, flag, created) VALUES (:i, :n, "
        ":o, :s, :st, :sa, :di, :due, :lr, :r, :l, :su, :b, :f, :cr)",
        card_rows,
    )
    summary.review_logs = _insert_reviews(conn, batch.reviews, card_ids)
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


def _next_id(conn: Connection, table: str) -> int:
    return int(conn.execute(text(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")).scalar_one())


def _upsert_notetypes(
    conn: Connection, batch: ForeignBatch
) -> dict[str, tuple[int, list[str], list[tuple[str, str]], bool]]:
    used = {n.notetype for n in batch.notes}
    out: dict[str, tuple[int, list[str], list[tuple[str, str]], bool]] = {}
    for key in sorted(used):
        nt = batch.notetypes[key]
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


def _existing_notes(conn: Connection, uids: list[str]) -> dict[str, tuple[int, str, set[int]]]:
    out: dict[str, tuple[int, str, set[int]]] = {}
    for start in range(0, len(uids), 500):
        chunk = uids[start : start + 500]
        params = {f"u{i}": u for i, u in enumerate(chunk)}
        marks = ", ".join(f":u{i}" for i in range(len(chunk)))
        rows = conn.execute(
            text(
                f"SELECT n.uid, n.id, n.content_hash, c.ord FROM note n "
                f"LEFT JOIN card c ON c.note_id = n.id WHERE n.uid IN ({marks})"
            ),
            params,
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
    return {
        "i": card_id,
        "n": note_id,
        "o": card.ord,
        "s": int(state),
        "st": 0 if state in (CardState.LEARNING, CardState.RELEARNING) else None,
        "sa": None if new else stability,
        "di": None if new else difficulty,
        "due": order if new or card.due_ms is None else card.due_ms,
        "lr": None if new else card.last_review_ms,
        "r": card.reps,
        "l": card.lapses,
        "su": card.suspended,
        "b": bury_until_ms if card.buried else None,
        "f": card.flag,
        "cr": card.created_ms,
    }


def _insert_reviews(
    conn: Connection, reviews: list[ForeignReview], new_cards: dict[tuple[str, int], int]
) -> int:
    if not reviews:
        return 0
    missing = {(r.guid, r.ord) for r in reviews} - set(new_cards)
    lookup = dict(new_cards)
    if missing:
        guids = sorted({g for g, _ in missing})
        for start in range(0, len(guids), 500):
            chunk = guids[start : start + 500]
            params = {f"u{i}": note_uid(g) for i, g in enumerate(chunk)}
            marks = ", ".join(f":u{i}" for i in range(len(chunk)))
            for uid, ord_, cid in conn.execute(
                text(
                    f"SELECT n.uid, c.ord, c.id FROM note n JOIN card c ON c.note_id = n.id "
                    f"WHERE n.uid IN ({marks})"
                ),
                params,
            ):
                lookup[(uid.removeprefix("guid:"), int(ord_))] = int(cid)
    rows = [
        {
            "id": uuid.uuid5(LOG_NAMESPACE, f"{r.guid}/{r.ord}/{r.source_id}").bytes,
            "c": lookup[(r.guid, r.ord)],
            "r": r.rating,
            "t": r.reviewed_at_ms,
            "d": r.duration_ms,
            "sb": r.state_before,
            "sa": r.state_before
            if r.rating == 0
            else int(CardState.REVIEW)
            if r.rating > 1
            else int(CardState.RELEARNING),
            "k": r.kind,
            "iv": r.ivl,
            "li": r.last_ivl,
            "fa": r.factor,
        }
        for r in reviews
        if (r.guid, r.ord) in lookup
    ]
    before = conn.execute(text("SELECT COUNT(*) FROM review_log")).scalar_one()
    conn.execute(
        text(
            "INSERT OR IGNORE INTO review_log (id, card_id, rating, reviewed_at, duration_ms, "
            "state_before, reps_before, lapses_before, state_after, kind, anki_ivl, "
            "anki_last_ivl, anki_factor) VALUES (:id, :c, :r, :t, :d, :sb, 0, 0, :sa, :k, :iv, "
            ":li, :fa)"
        ),
        rows,
    )
    after = conn.execute(text("SELECT COUNT(*) FROM review_log")).scalar_one()
    return int(after) - int(before)
