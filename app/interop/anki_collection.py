"""Read an Anki collection database (schema 11 or 18) into a :class:`ForeignBatch`."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from app.core.errors import BadInputError
from app.core.models import ANKI_REVLOG_KIND, CardState, ReviewKind
from app.interop import protobuf_wire as pb
from app.interop.anki_presets import read_presets
from app.interop.foreign import (
    ForeignBatch,
    ForeignCard,
    ForeignNote,
    ForeignNotetype,
    ForeignReview,
    Template,
)

DAY = 86_400
_STATES = {0: CardState.NEW, 1: CardState.LEARNING, 2: CardState.REVIEW, 3: CardState.RELEARNING}
_REVLOG_STATE = {
    0: CardState.LEARNING,
    1: CardState.REVIEW,
    2: CardState.RELEARNING,
    3: CardState.REVIEW,
}


def _unicase(a: str, b: str) -> int:
    x, y = a.casefold(), b.casefold()
    return (x > y) - (x < y)


def open_readonly(path: Path) -> sqlite3.Connection:
    """The package's database, read-only, with Anki's ``unicase`` collation."""
    db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        db.create_collation("unicase", _unicase)
        db.execute("SELECT crt, ver FROM col").fetchone()
    except sqlite3.DatabaseError as exc:
        db.close()  # a refused package leaves no open file behind
        raise BadInputError(f"the collection inside is not an Anki database ({exc})") from exc
    return db


def read_collection(db: sqlite3.Connection, fmt: str) -> ForeignBatch:
    try:
        return _read(db, fmt)
    except sqlite3.DatabaseError as exc:
        raise BadInputError(f"the Anki collection is damaged ({exc})") from exc
    except (KeyError, ValueError, TypeError) as exc:
        raise BadInputError(f"the Anki collection has unexpected contents ({exc!r})") from exc


def _read(db: sqlite3.Connection, fmt: str) -> ForeignBatch:
    (crt,) = db.execute("SELECT crt FROM col").fetchone()
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "notetypes" in tables:
        notetypes, decks = _schema18_notetypes(db), _schema18_decks(db)
    else:
        notetypes, decks = _schema11(db)
    batch = ForeignBatch(format=fmt, notetypes={k: nt for k, (nt, _) in notetypes.items()})
    batch.deck_descriptions = {name: desc for name, desc in decks.values() if desc}
    batch.presets, batch.deck_presets = read_presets(db)
    deck_names = {did: name for did, (name, _) in decks.items()}

    cards: dict[int, list[tuple[Any, ...]]] = {}
    card_keys: dict[int, tuple[int, int]] = {}
    for row in db.execute(
        "SELECT id, nid, did, ord, type, queue, due, ivl, reps, lapses, flags, data, odid, "
        "odue FROM cards ORDER BY nid, ord"
    ):
        cards.setdefault(row[1], []).append(row)
        card_keys[row[0]] = (row[1], row[3])
    revlog: dict[int, list[tuple[int, ...]]] = {}
    for rid, cid, ease, duration, kind, ivl, last_ivl, factor in db.execute(
        "SELECT id, cid, ease, time, type, ivl, lastIvl, factor FROM revlog ORDER BY id"
    ):
        revlog.setdefault(cid, []).append((rid, ease, duration, kind, ivl, last_ivl, factor))

    guids: dict[int, str] = {}
    for nid, guid, mid, tags, flds, mod in db.execute(
        "SELECT id, guid, mid, tags, flds, mod FROM notes ORDER BY id"
    ):
        key = str(mid)
        if key not in batch.notetypes:
            batch.warnings.append(f"note {guid}: unknown note type {mid}; skipped")
            batch.skipped += 1
            continue
        guids[nid] = guid
        note_cards = tuple(
            _card(row, crt, deck_names, revlog.get(row[0], [])) for row in cards.get(nid, [])
        )
        deck = note_cards[0].deck if note_cards else "Default"
        batch.notes.append(
            ForeignNote(
                guid=guid,
                notetype=key,
                fields=tuple(flds.split("\x1f")),
                tags=tuple(t for t in tags.split() if t),
                deck=deck,
                cards=note_cards,
                modified_ms=int(mod) * 1000 if isinstance(mod, int) and mod > 0 else None,
            )
        )
    for cid, entries in revlog.items():
        if cid not in card_keys or card_keys[cid][0] not in guids:
            continue
        nid, ord_ = card_keys[cid]
        first = True
        for rid, ease, duration, kind, ivl, last_ivl, factor in entries:
            review_kind = ANKI_REVLOG_KIND.get(kind, ReviewKind.SCHEDULED)
            manual = review_kind in (ReviewKind.MANUAL, ReviewKind.RESCHEDULED)
            if kind > 5 or (ease not in (1, 2, 3, 4) and not (manual and ease == 0)):
                continue
            before = CardState.NEW if first and kind == 0 else _REVLOG_STATE.get(kind, 2)
            first = first and manual
            batch.reviews.append(
                ForeignReview(
                    guid=guids[nid],
                    ord=ord_,
                    reviewed_at_ms=int(rid),
                    rating=int(ease),
                    duration_ms=max(0, int(duration)),
                    state_before=int(before),
                    source_id=str(rid),
                    kind=int(review_kind),
                    ivl=_int(ivl),
                    last_ivl=_int(last_ivl),
                    factor=_int(factor),
                )
            )
    return batch


def _card(
    row: tuple[Any, ...], crt: int, decks: dict[int, str], reviews: list[tuple[int, ...]]
) -> ForeignCard:
    cid, _nid, did, ord_, ctype, queue, due, _ivl, reps, lapses, flags, data, odid, odue = row
    if odid and odue:  # in a filtered deck: the home deck's due date (or new position)
        due = odue
    state = _STATES.get(int(ctype), CardState.NEW)
    memory = _memory(data)
    due_ms: int | None = None
    if state == CardState.REVIEW or (state != CardState.NEW and queue == 3):
        due_ms = (int(crt) + int(due) * DAY) * 1000
    elif state in (CardState.LEARNING, CardState.RELEARNING):
        due_ms = int(due) * 1000
    last = memory.get("lrt")
    last_ms = int(last) * 1000 if isinstance(last, (int, float)) else None
    if last_ms is None and reviews and state != CardState.NEW:
        last_ms = reviews[-1][0]
    return ForeignCard(
        ord=int(ord_),
        deck=decks.get(int(odid) or int(did), "Default"),
        state=int(state),
        due_ms=due_ms,
        last_review_ms=last_ms if state != CardState.NEW else None,
        stability=_float(memory.get("s")) if state != CardState.NEW else None,
        difficulty=_float(memory.get("d")) if state != CardState.NEW else None,
        reps=int(reps),
        lapses=int(lapses),
        suspended=queue == -1,
        buried=queue in (-2, -3),
        flag=int(flags) & 7,
        new_position=int(due) if state == CardState.NEW else None,
        created_ms=int(cid),
    )


def _memory(data: object) -> dict[str, Any]:
    if not isinstance(data, str) or not data.startswith("{"):
        return {}
    try:
        value = json.loads(data)
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, (int, float)) else None


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


def _schema11(
    db: sqlite3.Connection,
) -> tuple[dict[str, tuple[ForeignNotetype, int]], dict[int, tuple[str, str]]]:
    models_json, decks_json = db.execute("SELECT models, decks FROM col").fetchone()
    notetypes: dict[str, tuple[ForeignNotetype, int]] = {}
    for ntid, model in json.loads(models_json or "{}").items():
        fields = tuple(f["name"] for f in sorted(model["flds"], key=lambda f: f["ord"]))
        templates = tuple(
            Template(t["name"], t.get("qfmt", ""), t.get("afmt", ""))
            for t in sorted(model["tmpls"], key=lambda t: t["ord"])
        )
        notetype = ForeignNotetype(
            key=str(ntid),
            name=model["name"],
            fields=fields,
            templates=templates,
            cloze=model.get("type") == 1,
            css=model.get("css", ""),
        )
        notetypes[str(ntid)] = (notetype, int(ntid))
    decks = {
        int(did): (deck["name"], deck.get("desc", ""))
        for did, deck in json.loads(decks_json or "{}").items()
    }
    return notetypes, decks


def _schema18_notetypes(db: sqlite3.Connection) -> dict[str, tuple[ForeignNotetype, int]]:
    fields: dict[int, list[str]] = {}
    for ntid, name in db.execute("SELECT ntid, name FROM fields ORDER BY ntid, ord"):
        fields.setdefault(ntid, []).append(name)
    templates: dict[int, list[Template]] = {}
    for ntid, name, config in db.execute(
        "SELECT ntid, name, config FROM templates ORDER BY ntid, ord"
    ):
        cfg = pb.parse(config or b"")
        templates.setdefault(ntid, []).append(Template(name, pb.text(cfg, 1), pb.text(cfg, 2)))
    out: dict[str, tuple[ForeignNotetype, int]] = {}
    for ntid, name, config in db.execute("SELECT id, name, config FROM notetypes"):
        cfg = pb.parse(config or b"")
        out[str(ntid)] = (
            ForeignNotetype(
                key=str(ntid),
                name=name,
                fields=tuple(fields.get(ntid, ())),
                templates=tuple(templates.get(ntid, ())),
                cloze=pb.number(cfg, 1) == 1,
                css=pb.text(cfg, 3),
            ),
            int(ntid),
        )
    return out


def _schema18_decks(db: sqlite3.Connection) -> dict[int, tuple[str, str]]:
    out: dict[int, tuple[str, str]] = {}
    for did, name, kind in db.execute("SELECT id, name, kind FROM decks"):
        normal = pb.messages(pb.parse(kind or b""), 1)
        description = pb.text(pb.parse(normal[0]), 3) if normal else ""
        out[int(did)] = (name.replace("\x1f", "::"), description)
    return out
