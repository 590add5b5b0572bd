"""The synced things other than answers, read from and written to the collection's tables.

Each kind (preset, notetype, deck, note, card, setting) is a map from a key that is the
same on every device (a preset's name, a uid, "<note uid>/<ord>", a setting's name) to a
dict of field values. :func:`local_values` reads them; :func:`apply` and :func:`remove`
write what a merge decided.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, text

from app.core.models import CardState
from app.storage import presets_repo
from app.storage.presets_repo import DEFAULT_ID as DEFAULT_PRESET_ID

KINDS = ("preset", "notetype", "deck", "note", "card", "setting")
DELETABLE = frozenset({"preset", "deck", "note", "card", "setting"})
"""A card goes and comes back with its note; deleting some cards of a note (the
browser's *Delete cards*) is a deletion of those cards."""
TRAVELLING_SETTINGS = (
    "exam_date",
    "exam_weights",
    "exam_mode",
    "exam_target_recall",
    "day_rollover_hour",
)
PRESET_FIELDS = (
    "desired_retention",
    "learning_steps",
    "relearning_steps",
    "new_per_day",
    "reviews_per_day",
    "maximum_interval",
    "parameters",
    "fuzz",
    "leech_threshold",
    "leech_action",
    "bury_new",
    "bury_reviews",
    "new_order",
)
BOOL_PRESET_FIELDS = ("bury_new", "bury_reviews")
NOTETYPE_FIELDS = ("name", "cloze", "fields", "templates", "css")
NOTE_FIELDS = (
    "kind",
    "prompt_md",
    "front_md",
    "answer_md",
    "source",
    "verified",
    "origin",
    "position",
    "content_hash",
    "retired",
    "fields",
    "case_uid",
    "expected",
    "exact",
)
Values = dict[str, Any]


def _bools(values: Values, *names: str) -> Values:
    for name in names:
        if name in values and values[name] is not None:
            values[name] = bool(values[name])
    return values


def local_values(conn: Connection, kind: str) -> dict[str, Values]:
    if kind == "preset":
        cols = ", ".join(PRESET_FIELDS)
        rows = conn.execute(text(f"SELECT name, {cols} FROM preset")).all()
        return {
            r[0]: _bools(dict(zip(PRESET_FIELDS, r[1:], strict=True)), "fuzz", *BOOL_PRESET_FIELDS)
            for r in rows
        }
    if kind == "notetype":
        cols = ", ".join(NOTETYPE_FIELDS)
        rows = conn.execute(text(f"SELECT uid, {cols} FROM notetype")).all()
        return {r[0]: _bools(dict(zip(NOTETYPE_FIELDS, r[1:], strict=True)), "cloze") for r in rows}
    if kind == "deck":
        rows = conn.execute(
            text(
                "SELECT d.uid, d.name, d.description, d.source, p.name, d.position, d.origin "
                "FROM deck d JOIN preset p ON p.id = d.preset_id"
            )
        ).all()
        names = ("name", "description", "source", "preset", "position", "origin")
        return {r[0]: dict(zip(names, r[1:], strict=True)) for r in rows}
    if kind == "note":
        return _notes(conn)
    if kind == "card":
        rows = conn.execute(
            text(
                "SELECT n.uid, c.ord, c.suspended, c.flag, c.buried_until, c.state, c.due, "
                "c.created FROM card c JOIN note n ON n.id = c.note_id"
            )
        ).all()
        out: dict[str, Values] = {}
        for uid, ord_, suspended, flag, buried, state, due, created in rows:
            values: Values = {"suspended": bool(suspended), "flag": flag, "buried_until": buried}
            if created is not None:
                values["created"] = created
            if state == CardState.NEW:
                values["position"] = due
            out[f"{uid}/{ord_}"] = values
        return out
    keys = ", ".join(f"'{k}'" for k in TRAVELLING_SETTINGS)
    rows = conn.execute(text(f"SELECT key, value FROM setting WHERE key IN ({keys})")).all()
    return {r[0]: {"value": json.loads(r[1])} for r in rows}


def _notes(conn: Connection) -> dict[str, Values]:
    cols = ", ".join(f"n.{f}" for f in NOTE_FIELDS)
    rows = conn.execute(
        text(
            f"SELECT n.id, n.uid, d.uid, t.uid, {cols} FROM note n JOIN deck d ON d.id = n.deck_id "
            "LEFT JOIN notetype t ON t.id = n.notetype_id"
        )
    ).all()
    tags: dict[int, list[str]] = {}
    for note_id, tag in conn.execute(text("SELECT note_id, tag FROM note_tag ORDER BY tag")):
        tags.setdefault(int(note_id), []).append(str(tag))
    out: dict[str, Values] = {}
    for row in rows:
        values = dict(zip(NOTE_FIELDS, row[4:], strict=True))
        values.update(deck=row[2], notetype=row[3], tags=tags.get(int(row[0]), []))
        out[row[1]] = _bools(values, "retired", "exact")
    return out


def apply(conn: Connection, kind: str, key: str, values: Values, now_ms: int) -> bool:
    """Write the merged values of one thing; False when it cannot be placed (a card
    whose note is not here)."""
    if kind == "preset":
        fields = {f: values[f] for f in PRESET_FIELDS if f in values}
        _upsert(conn, "preset", "name", key, fields)
    elif kind == "notetype":
        fields = {f: values[f] for f in NOTETYPE_FIELDS if f in values}
        fields.setdefault("name", key)
        _upsert(conn, "notetype", "uid", key, fields)
    elif kind == "deck":
        fields = {f: values[f] for f in ("name", "description", "source", "position", "origin")}
        fields["preset_id"] = _preset_id(conn, values.get("preset") or "Default")
        _upsert(conn, "deck", "uid", key, fields)
    elif kind == "note":
        return _apply_note(conn, key, values, now_ms)
    elif kind == "card":
        return _apply_card(conn, key, values)
    else:
        conn.execute(
            text(
                "INSERT INTO setting (key, value) VALUES (:k, :v) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
            ),
            {"k": key, "v": json.dumps(values.get("value"))},
        )
    return True


def _upsert(conn: Connection, table: str, key_col: str, key: str, fields: Values) -> None:
    exists = conn.execute(text(f"SELECT 1 FROM {table} WHERE {key_col} = :k"), {"k": key}).first()
    params = {**{f"v_{f}": v for f, v in fields.items()}, "k": key}
    if exists:
        if fields:
            sets = ", ".join(f"{f} = :v_{f}" for f in fields)
            conn.execute(text(f"UPDATE {table} SET {sets} WHERE {key_col} = :k"), params)
        return
    cols = ", ".join([key_col, *fields])
    marks = ", ".join([":k", *(f":v_{f}" for f in fields)])
    conn.execute(text(f"INSERT INTO {table} ({cols}) VALUES ({marks})"), params)


def _preset_id(conn: Connection, name: str) -> int:
    found = conn.execute(text("SELECT id FROM preset WHERE name = :n"), {"n": name}).scalar()
    if found is not None:
        return int(found)
    conn.execute(
        text(
            "INSERT INTO preset (name, desired_retention, learning_steps, relearning_steps, "
            "new_per_day, reviews_per_day, maximum_interval, parameters, fuzz) "
            "VALUES (:n, 0.9, '[60, 600]', '[600]', 20, 200, 36500, NULL, 1)"
        ),
        {"n": name},
    )
    return int(
        conn.execute(text("SELECT id FROM preset WHERE name = :n"), {"n": name}).scalar_one()
    )


def _deck_id(conn: Connection, uid: str) -> int:
    found = conn.execute(text("SELECT id FROM deck WHERE uid = :u"), {"u": uid}).scalar()
    if found is not None:
        return int(found)
    _upsert(conn, "deck", "uid", uid, {"name": uid, "description": "", "origin": "sync"})
    return _deck_id(conn, uid)


def _apply_note(conn: Connection, key: str, values: Values, now_ms: int) -> bool:
    fields = {f: values[f] for f in NOTE_FIELDS if f in values}
    fields["deck_id"] = _deck_id(conn, values.get("deck") or "synced")
    notetype = values.get("notetype")
    fields["notetype_id"] = (
        conn.execute(text("SELECT id FROM notetype WHERE uid = :u"), {"u": notetype}).scalar()
        if notetype
        else None
    )
    fields["mtime"] = now_ms
    _upsert(conn, "note", "uid", key, fields)
    note_id = int(conn.execute(text("SELECT id FROM note WHERE uid = :u"), {"u": key}).scalar_one())
    conn.execute(text("DELETE FROM note_tag WHERE note_id = :i"), {"i": note_id})
    for tag in values.get("tags") or []:
        conn.execute(
            text("INSERT OR IGNORE INTO note_tag (note_id, tag) VALUES (:i, :t)"),
            {"i": note_id, "t": tag},
        )
    return True


def _apply_card(conn: Connection, key: str, values: Values) -> bool:
    uid, _, ord_text = key.rpartition("/")
    note_id = conn.execute(text("SELECT id FROM note WHERE uid = :u"), {"u": uid}).scalar()
    if note_id is None:
        return False
    params = {
        "n": note_id,
        "o": int(ord_text),
        "s": bool(values.get("suspended", False)),
        "f": int(values.get("flag") or 0),
        "b": values.get("buried_until"),
        "p": values.get("position"),
        "c": values.get("created"),
    }
    exists = conn.execute(
        text("SELECT 1 FROM card WHERE note_id = :n AND ord = :o"), params
    ).first()
    if exists is None:
        conn.execute(
            text(
                "INSERT INTO card (note_id, ord, state, due, reps, lapses, suspended, flag, "
                "buried_until, created) VALUES (:n, :o, 0, COALESCE(:p, 0), 0, 0, :s, :f, :b, :c)"
            ),
            params,
        )
    else:
        conn.execute(
            text(
                "UPDATE card SET suspended = :s, flag = :f, buried_until = :b, "
                "created = COALESCE(:c, created), "
                "due = CASE WHEN state = 0 AND :p IS NOT NULL THEN :p ELSE due END "
                "WHERE note_id = :n AND ord = :o"
            ),
            params,
        )
    return True


def remove(conn: Connection, kind: str, key: str) -> None:
    """Delete one thing here because a newer deletion won (answers are kept aside)."""
    from app.storage.sync.reviews import card_id, set_aside

    if kind == "card":
        card = card_id(conn, key)
        if card is not None:
            set_aside(conn, [int(card)])
            conn.execute(text("DELETE FROM card WHERE id = :i"), {"i": card})
    elif kind == "note":
        note_id = conn.execute(text("SELECT id FROM note WHERE uid = :u"), {"u": key}).scalar()
        if note_id is None:
            return
        cards = [
            int(r[0])
            for r in conn.execute(text("SELECT id FROM card WHERE note_id = :n"), {"n": note_id})
        ]
        set_aside(conn, cards)
        conn.execute(text("DELETE FROM card WHERE note_id = :n"), {"n": note_id})
        conn.execute(text("DELETE FROM note_tag WHERE note_id = :n"), {"n": note_id})
        conn.execute(text("DELETE FROM note WHERE id = :n"), {"n": note_id})
    elif kind == "deck":
        deck_id = conn.execute(text("SELECT id FROM deck WHERE uid = :u"), {"u": key}).scalar()
        used = conn.execute(text("SELECT 1 FROM note WHERE deck_id = :d"), {"d": deck_id}).first()
        if deck_id is not None and used is None:
            conn.execute(text("DELETE FROM deck WHERE id = :d"), {"d": deck_id})
    elif kind == "preset":
        preset_id = conn.execute(text("SELECT id FROM preset WHERE name = :n"), {"n": key}).scalar()
        if preset_id is not None and int(preset_id) != DEFAULT_PRESET_ID:
            presets_repo.delete(conn, int(preset_id))  # its decks go back to the default
    elif kind == "setting":
        conn.execute(text("DELETE FROM setting WHERE key = :k"), {"k": key})
