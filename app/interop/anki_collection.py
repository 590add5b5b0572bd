"""Read an Anki collection database (schema 11 or 18) into a :class:`ForeignBatch`."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from app.core import input_limits as limits
from app.core.errors import BadInputError
from app.core.models import CardState
from app.interop import protobuf_wire as pb
from app.interop.anki_filtered_decks import read_filtered_decks
from app.interop.anki_note_copy import CARD_INTS, MAX_DAYS, MAX_SECONDS, NoteCopy, note_copy
from app.interop.anki_presets import read_presets
from app.interop.anki_reviews import AnkiReviews, check_revlog, last_review_ids, review_tuples
from app.interop.anki_rows import blob, json_object, json_text, number, ordered, text
from app.interop.foreign import (
    ForeignBatch,
    ForeignCard,
    ForeignNote,
    ForeignNotetype,
    ForeignReview,
    Template,
)
from app.interop.stored_notes import StoredNotes
from app.sqlite import sqlite3

DAY = 86_400
MAX_MS = MAX_SECONDS * 1000
_STATES = {0: CardState.NEW, 1: CardState.LEARNING, 2: CardState.REVIEW, 3: CardState.RELEARNING}


def _unicase(a: str, b: str) -> int:
    x, y = a.casefold(), b.casefold()
    return (x > y) - (x < y)


_TABLES = ("col", "notes", "cards", "revlog", "notetypes", "templates", "fields", "decks")


def open_readonly(path: Path) -> sqlite3.Connection:
    """The package's database, read-only, with Anki's ``unicase`` collation.

    The tables Cirrus reads must be tables: a view (say, a recursive one that never
    ends) is refused, and the schema may not call functions (``trusted_schema``)."""
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        db.execute("PRAGMA trusted_schema = OFF")
        db.create_collation("unicase", _unicase)
        marks = ", ".join("?" * len(_TABLES))
        for name, kind in db.execute(
            f"SELECT name, type FROM sqlite_master WHERE name IN ({marks}) AND type != 'table'",
            _TABLES,
        ):
            raise BadInputError(
                f"the collection inside is not an Anki database ('{name}' is a {kind})"
            )
        db.execute("SELECT crt, ver FROM col").fetchone()
    except sqlite3.DatabaseError as exc:
        db.close()  # a refused package leaves no open file behind
        raise BadInputError(f"the collection inside is not an Anki database ({exc})") from exc
    except BadInputError:
        db.close()
        raise
    return db


def read_collection(db: sqlite3.Connection, fmt: str) -> ForeignBatch:
    try:
        return _read(db, fmt)
    except sqlite3.DatabaseError as exc:
        raise BadInputError(f"the Anki collection is damaged ({exc})") from exc
    except (
        KeyError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        OverflowError,
        RecursionError,
    ) as exc:
        raise BadInputError(f"the Anki collection has unexpected contents ({exc!r:.200})") from exc


def _read(db: sqlite3.Connection, fmt: str) -> ForeignBatch:
    (crt,) = db.execute("SELECT crt FROM col").fetchone()
    crt = number(crt, "the collection's creation time (col.crt)", 0, MAX_SECONDS)
    for table, limit in (
        ("notes", limits.MAX_NOTES),
        ("cards", limits.MAX_CARDS),
        ("revlog", limits.MAX_REVIEW_LOG),
    ):
        (count,) = db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
        limits.check_rows("the Anki collection", table, int(count), limit)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "notetypes" in tables:
        notetypes, decks = _schema18_notetypes(db), _schema18_decks(db)
    else:
        notetypes, decks = _schema11(db)
    batch = ForeignBatch(format=fmt, notetypes={k: nt for k, (nt, _) in notetypes.items()})
    batch.deck_descriptions = {name: desc for name, desc in decks.values() if desc}
    batch.presets, batch.deck_presets = read_presets(db)
    deck_names = {did: name for did, (name, _) in decks.items()}
    filtered = read_filtered_decks(db, tables)
    batch.filtered_decks = {deck.name: deck for deck in filtered.values()}

    file = db.execute("PRAGMA database_list").fetchone()[2]
    copy = note_copy(db, Path(file), crt, batch.notetypes, deck_names) if file else None
    if copy is None:
        notes, guids, left_out = _read_notes(db, batch.notetypes, crt, deck_names, batch.warnings)
        batch.notes = notes
        batch.skipped += len(left_out)
    else:  # copied by SQL when written; read only if something asks for the notes
        check_revlog(db)
        batch.notes = StoredNotes(copy.count, lambda: _load_notes(copy, batch.notetypes), copy)
        left_out = []
        has_reviews = db.execute("SELECT EXISTS (SELECT 1 FROM revlog)").fetchone()[0]
        guids = dict(db.execute("SELECT id, guid FROM notes")) if has_reviews else {}
    reviews = AnkiReviews(db, Path(file), guids, left_out)
    # read again when written; a database without a file (tests) is read now
    batch.reviews = reviews if file else [ForeignReview(*r) for r in review_tuples(db, guids)]
    return batch


def _load_notes(copy: NoteCopy, notetypes: dict[str, ForeignNotetype]) -> list[ForeignNote]:
    """The notes of a package :func:`note_copy` accepted, read one by one after all."""
    try:
        db = open_readonly(copy.path)
        try:
            return _read_notes(db, notetypes, copy.crt, copy.deck_names, [])[0]
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise BadInputError(f"the Anki collection is damaged ({exc})") from exc


def _read_notes(
    db: sqlite3.Connection,
    notetypes: dict[str, ForeignNotetype],
    crt: int,
    deck_names: dict[int, str],
    warnings: list[str],
) -> tuple[list[ForeignNote], dict[int, str], list[int]]:
    """Every note with its cards, checked row by row; the notes' guids by note id and the
    ids of notes left out (an unknown note type)."""
    notes: list[ForeignNote] = []
    cards: dict[int, list[tuple[Any, ...]]] = {}
    card_slots: set[tuple[int, int]] = set()
    # every number a plain integer in its range: the rows need no check one by one
    check = f"SELECT NOT EXISTS (SELECT 1 FROM cards WHERE NOT ({CARD_INTS}))"
    trusted = bool(db.execute(check).fetchone()[0])
    for row in db.execute(
        "SELECT id, nid, did, ord, type, queue, due, ivl, reps, lapses, flags, data, odid, "
        "odue FROM cards ORDER BY nid, ord"
    ):
        if trusted:
            cid, nid, ord_ = row[0], row[1], row[3]
        else:
            cid = number(row[0], "a card's id")
            nid = number(row[1], f"card {cid}: its note id")
            ord_ = number(row[3], f"card {cid}: its template number", 0, 10_000)
        if (nid, ord_) in card_slots:
            raise BadInputError(f"card {cid}: note {nid} has two cards numbered {ord_}")
        card_slots.add((nid, ord_))
        cards.setdefault(nid, []).append(row)
    check_revlog(db)
    last_reviews = last_review_ids(db)

    guids: dict[int, str] = {}
    left_out: list[int] = []
    seen: dict[str, int] = {}
    for nid, guid, mid, tags, flds, mod in db.execute(
        "SELECT id, guid, mid, tags, flds, mod FROM notes ORDER BY id"
    ):
        nid = number(nid, "a note's id")
        guid = text(guid, f"note {nid}: its guid")
        if guid in seen:
            raise BadInputError(f"notes {seen[guid]} and {nid} share the guid '{guid:.40}'")
        seen[guid] = nid
        key = str(mid)
        if key not in notetypes:
            warnings.append(f"note {guid}: unknown note type {mid}; skipped")
            left_out.append(nid)
            continue
        notetype = notetypes[key]
        fields = tuple(text(flds, f"note {nid}: its fields").split("\x1f"))
        tag_text = text(tags, f"note {nid}: its tags")
        note_cards: list[ForeignCard] = []
        for row in cards.get(nid, []):
            card = _card(row, crt, deck_names, last_reviews.get(row[0]), trusted)
            if not notetype.cloze and card.ord >= len(notetype.templates):
                warnings.append(
                    f"card {row[0]}: template {card.ord + 1} does not exist in note type "
                    f"'{notetype.name}'; skipped"
                )
                continue
            note_cards.append(card)
        guids[nid] = guid
        deck = note_cards[0].deck if note_cards else "Default"
        notes.append(
            ForeignNote(
                guid=guid,
                notetype=key,
                fields=fields,
                tags=tuple(t for t in tag_text.split() if t),
                deck=deck,
                cards=tuple(note_cards),
                modified_ms=mod * 1000 if isinstance(mod, int) and 0 < mod <= MAX_SECONDS else None,
            )
        )
    return notes, guids, left_out


def _card(
    row: tuple[Any, ...],
    crt: int,
    decks: dict[int, str],
    last_review: int | None,
    trusted: bool = False,
) -> ForeignCard:
    """One card's scheduling; ``trusted``: the table passed :data:`CARD_INTS`, so only the
    due date (whose range depends on the state) is left to check."""
    cid, _nid, did, ord_, ctype, queue, due, _ivl, reps, lapses, flags, data, odid, odue = row
    what = f"card {cid}"
    if odid and odue:  # in a filtered deck: the home deck's due date (or new position)
        due = odue
    if not trusted:
        ctype = number(ctype, f"{what}: its type", -(2**31), 2**31)
        queue = number(queue, f"{what}: its queue", -(2**31), 2**31)
        odid = number(odid, f"{what}: its original deck")
        did = number(did, f"{what}: its deck")
        ord_ = number(ord_, f"{what}: its template number", 0, 10_000)
        reps = number(reps, f"{what}: its review count", 0, 2**31)
        lapses = number(lapses, f"{what}: its lapse count", 0, 2**31)
        flags = number(flags, f"{what}: its flags", -(2**31), 2**31)
        cid = number(cid, f"{what}: its id", 0, MAX_MS)
    state = _STATES.get(ctype, CardState.NEW)
    new = state == CardState.NEW
    memory = {} if new else _memory(data)
    due_ms: int | None = None
    if state == CardState.REVIEW or (not new and queue == 3):
        days = number(due, f"{what}: its due day", -MAX_DAYS, MAX_DAYS)
        due_ms = (crt + days * DAY) * 1000
    elif state in (CardState.LEARNING, CardState.RELEARNING):
        due_ms = number(due, f"{what}: its due time", 0, MAX_SECONDS) * 1000
    last = memory.get("lrt")
    last_ms = int(last) * 1000 if isinstance(last, int) and 0 <= last <= MAX_SECONDS else None
    if last_ms is None and not new:
        last_ms = last_review
    home = odid or did
    return ForeignCard(
        ord=ord_,
        deck=decks.get(home, "Default"),
        state=int(state),
        due_ms=due_ms,
        last_review_ms=None if new else last_ms,
        stability=None if new else _float(memory.get("s")),
        difficulty=None if new else _float(memory.get("d")),
        reps=reps,
        lapses=lapses,
        suspended=queue == -1,
        buried=queue in (-2, -3),
        flag=flags & 7,
        new_position=number(due, f"{what}: its new-card position") if new else None,
        created_ms=cid,
        filtered_deck=decks.get(did) if home != did else None,
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
    """An optional integer column (an interval, a factor): None unless a sane number."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**53:
        return value
    return None


def _float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number_ = float(value)
    return number_ if math.isfinite(number_) else None


def _schema11(
    db: sqlite3.Connection,
) -> tuple[dict[str, tuple[ForeignNotetype, int]], dict[int, tuple[str, str]]]:
    models_json, decks_json = db.execute("SELECT models, decks FROM col").fetchone()
    models = json_object(models_json, "the note types (col.models)")
    notetypes: dict[str, tuple[ForeignNotetype, int]] = {}
    for ntid, model in models.items():
        what = f"note type {ntid:.40}"
        if not isinstance(model, dict):
            raise BadInputError(f"the Anki collection: {what} is not a JSON object")
        fields = tuple(
            name for _, name, _ in ordered(model.get("flds"), f"{what}: its fields", what)
        )
        templates = tuple(
            Template(name, json_text(t.get("qfmt", ""), what), json_text(t.get("afmt", ""), what))
            for _, name, t in ordered(model.get("tmpls"), f"{what}: its templates", what)
        )
        notetype = ForeignNotetype(
            key=str(ntid),
            name=json_text(model.get("name"), f"{what}: its name"),
            fields=fields,
            templates=templates,
            cloze=model.get("type") == 1,
            css=json_text(model.get("css", ""), f"{what}: its CSS"),
        )
        notetypes[str(ntid)] = (notetype, number(_id(ntid), f"{what}: its id"))
    decks: dict[int, tuple[str, str]] = {}
    for did, deck in json_object(decks_json, "the decks (col.decks)").items():
        what = f"deck {did:.40}"
        if not isinstance(deck, dict):
            raise BadInputError(f"the Anki collection: {what} is not a JSON object")
        name = json_text(deck.get("name"), f"{what}: its name").strip()
        if not name:
            raise BadInputError(f"the Anki collection: {what} has no name")
        desc = deck.get("desc", "")
        decks[number(_id(did), f"{what}: its id")] = (name, desc if isinstance(desc, str) else "")
    return notetypes, decks


def _id(key: str) -> int | str:
    return int(key) if key.lstrip("-").isdigit() and len(key) < 20 else key


def _schema18_notetypes(db: sqlite3.Connection) -> dict[str, tuple[ForeignNotetype, int]]:
    fields: dict[int, list[str]] = {}
    for ntid, name in db.execute("SELECT ntid, name FROM fields ORDER BY ntid, ord"):
        ntid = number(ntid, "a field's note type")
        fields.setdefault(ntid, []).append(text(name, f"note type {ntid}: a field's name"))
    templates: dict[int, list[Template]] = {}
    ords: set[tuple[int, int]] = set()
    for ntid, ord_, name, config in db.execute(
        "SELECT ntid, ord, name, config FROM templates ORDER BY ntid, ord"
    ):
        ntid = number(ntid, "a template's note type")
        what = f"note type {ntid}"
        ord_ = number(ord_, f"{what}: a template's number", 0, 10_000)
        if (ntid, ord_) in ords:
            raise BadInputError(f"the Anki collection: {what} has two templates numbered {ord_}")
        ords.add((ntid, ord_))
        cfg = pb.parse(blob(config, f"{what}: a template's settings"))
        templates.setdefault(ntid, []).append(
            Template(text(name, f"{what}: a template's name"), pb.text(cfg, 1), pb.text(cfg, 2))
        )
    out: dict[str, tuple[ForeignNotetype, int]] = {}
    for ntid, name, config in db.execute("SELECT id, name, config FROM notetypes"):
        ntid = number(ntid, "a note type's id")
        cfg = pb.parse(blob(config, f"note type {ntid}: its settings"))
        out[str(ntid)] = (
            ForeignNotetype(
                key=str(ntid),
                name=text(name, f"note type {ntid}: its name"),
                fields=tuple(fields.get(ntid, ())),
                templates=tuple(templates.get(ntid, ())),
                cloze=pb.number(cfg, 1) == 1,
                css=pb.text(cfg, 3),
            ),
            ntid,
        )
    return out


def _schema18_decks(db: sqlite3.Connection) -> dict[int, tuple[str, str]]:
    out: dict[int, tuple[str, str]] = {}
    for did, name, kind in db.execute("SELECT id, name, kind FROM decks"):
        did = number(did, "a deck's id")
        normal = pb.messages(pb.parse(blob(kind, f"deck {did}: its settings")), 1)
        description = pb.text(pb.parse(normal[0]), 3) if normal else ""
        deck = text(name, f"deck {did}: its name").replace("\x1f", "::").strip()
        if not deck:
            raise BadInputError(f"the Anki collection: deck {did} has no name")
        out[did] = (deck, description)
    return out
