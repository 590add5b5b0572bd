"""Write a :class:`ForeignBatch` as an Anki package that Anki imports.

The package uses the widely read schema-11 layout (``collection.anki2`` plus a JSON media
map). ``col.conf`` marks the v3 scheduler, so Anki takes the review log's ratings as they
are. With scheduling, cards keep their state, due dates, flags, suspension and burying
and FSRS memory (``data`` holds stability, difficulty and the last review time, as Anki
stores them); the review history goes into ``revlog`` with its type, intervals and
factor; the decks' presets go into ``dconf``. Cards of the ``Default`` deck land in
Anki's ``Default`` (id 1).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.core.anki_template import strip_html
from app.core.models import CardState, ReviewKind
from app.interop.anki_occlusion_type import mark_occlusion
from app.interop.anki_preset_export import dconf
from app.interop.foreign import ForeignBatch, ForeignCard, ForeignNotetype, ForeignReview
from app.sqlite import sqlite3

DAY_MS = 86_400_000
_SCHEMA = """
CREATE TABLE col (id integer primary key, crt integer not null, mod integer not null,
  scm integer not null, ver integer not null, dty integer not null, usn integer not null,
  ls integer not null, conf text not null, models text not null, decks text not null,
  dconf text not null, tags text not null);
CREATE TABLE notes (id integer primary key, guid text not null, mid integer not null,
  mod integer not null, usn integer not null, tags text not null, flds text not null,
  sfld text not null, csum integer not null, flags integer not null, data text not null);
CREATE TABLE cards (id integer primary key, nid integer not null, did integer not null,
  ord integer not null, mod integer not null, usn integer not null, type integer not null,
  queue integer not null, due integer not null, ivl integer not null, factor integer not null,
  reps integer not null, lapses integer not null, left integer not null, odue integer not null,
  odid integer not null, flags integer not null, data text not null);
CREATE TABLE revlog (id integer primary key, cid integer not null, usn integer not null,
  ease integer not null, ivl integer not null, lastIvl integer not null,
  factor integer not null, time integer not null, type integer not null);
CREATE TABLE graves (usn integer not null, oid integer not null, type integer not null);
CREATE INDEX ix_cards_nid on cards (nid);
CREATE INDEX ix_cards_sched on cards (did, queue, due);
CREATE INDEX ix_revlog_cid on revlog (cid);
CREATE INDEX ix_notes_csum on notes (csum);
"""


def stable_id(text: str) -> int:
    """A positive id that stays the same for the same key (note types, decks)."""
    return int(hashlib.sha1(text.encode()).hexdigest()[:12], 16) + 1_000_000_000_000


def deck_id(name: str) -> int:
    """Anki's id for a deck: its own ``Default`` is 1."""
    return 1 if name == "Default" else stable_id("deck:" + name)


def write_apkg(batch: ForeignBatch, out: Path, now: datetime, with_scheduling: bool) -> None:
    """Write ``batch`` to ``out`` (written to a temporary file, then moved into place)."""
    crt = int(now.astimezone(UTC).replace(hour=0, minute=0, second=0).timestamp())
    with tempfile.TemporaryDirectory(prefix="cirrus-export-") as tmp:
        db_path = Path(tmp) / "collection.anki2"
        db = sqlite3.connect(db_path)
        try:
            db.executescript(_SCHEMA)
            _write_col(db, batch, crt, now)
            _write_notes(db, batch, crt, now, with_scheduling)
            db.commit()
        finally:
            db.close()
        part = out.with_name(out.name + ".part")
        with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(db_path, "collection.anki2")
            names = sorted(batch.media)
            zf.writestr("media", json.dumps({str(i): n for i, n in enumerate(names)}))
            for i, name in enumerate(names):
                zf.write(batch.media[name], str(i))
        part.replace(out)


def _model(nt: ForeignNotetype, now_s: int) -> dict[str, Any]:
    model = _plain_model(nt, now_s)
    mark_occlusion(model, nt)
    return model


def _plain_model(nt: ForeignNotetype, now_s: int) -> dict[str, Any]:
    mid = stable_id("notetype:" + nt.key)
    return {
        "id": mid,
        "name": nt.name,
        "type": 1 if nt.cloze else 0,
        "mod": now_s,
        "usn": -1,
        "sortf": 0,
        "did": None,
        "css": nt.css or ".card { font-family: arial; }",
        "latexPre": "",
        "latexPost": "",
        "latexsvg": False,
        "tags": [],
        "vers": [],
        "req": [[i, "any", [0]] for i in range(len(nt.templates))],
        "flds": [
            {
                "name": name,
                "ord": i,
                "sticky": False,
                "rtl": False,
                "font": "Arial",
                "size": 20,
                "media": [],
            }
            for i, name in enumerate(nt.fields)
        ],
        "tmpls": [
            {
                "name": t.name,
                "ord": i,
                "qfmt": t.qfmt,
                "afmt": t.afmt,
                "did": None,
                "bqfmt": "",
                "bafmt": "",
            }
            for i, t in enumerate(nt.templates)
        ],
    }


def _filtered_names(batch: ForeignBatch) -> list[str]:
    return sorted({c.filtered_deck for n in batch.notes for c in n.cards if c.filtered_deck})


def _deck_names(batch: ForeignBatch) -> list[str]:
    names = {n.deck for n in batch.notes} | {c.deck for n in batch.notes for c in n.cards}
    names -= set(_filtered_names(batch))
    full: set[str] = set()
    for name in names:
        parts = name.split("::")
        full.update("::".join(parts[: i + 1]) for i in range(len(parts)))
    return sorted(full)


def _write_col(db: sqlite3.Connection, batch: ForeignBatch, crt: int, now: datetime) -> None:
    now_s = int(now.timestamp())
    used = {n.notetype for n in batch.notes}
    models = {str(m["id"]): m for m in (_model(batch.notetypes[k], now_s) for k in sorted(used))}
    decks: dict[str, Any] = {}
    for name in ["Default", *_deck_names(batch)]:
        did = deck_id(name)
        decks[str(did)] = {
            "id": did,
            "name": name,
            "mod": now_s,
            "usn": -1,
            "collapsed": False,
            "desc": batch.deck_descriptions.get(name, ""),
            "dyn": 0,
            "conf": batch.deck_presets.get(name, 1),
            "extendNew": 0,
            "extendRev": 0,
            "lrnToday": [0, 0],
            "revToday": [0, 0],
            "newToday": [0, 0],
            "timeToday": [0, 0],
        }
    for filtered in _filtered_names(batch):
        decks[str(deck_id(filtered))] = _filtered_deck(batch, filtered, decks, now_s)
    conf = {
        "nextPos": sum(len(n.cards) for n in batch.notes) + len(batch.notes) + 1,
        "curDeck": 1,
        "activeDecks": [1],
        "sortType": "noteFld",
        "sortBackwards": False,
        "newSpread": 0,
        "collapseTime": 1200,
        "timeLim": 0,
        "estTimes": True,
        "dueCounts": True,
        "schedVer": 2,
        "sched2021": True,
    }
    db.execute(
        "INSERT INTO col VALUES (1, ?, ?, ?, 11, 0, 0, 0, ?, ?, ?, ?, '{}')",
        (
            crt,
            now_s * 1000,
            now_s * 1000,
            json.dumps(conf),
            json.dumps(models),
            json.dumps(decks),
            json.dumps(dconf(batch.presets.values(), now_s)),
        ),
    )


def _write_notes(
    db: sqlite3.Connection, batch: ForeignBatch, crt: int, now: datetime, with_scheduling: bool
) -> None:
    now_s = int(now.timestamp())
    base_id = now_s * 1000
    card_ids: dict[tuple[str, int], int] = {}
    next_card = base_id
    # new cards keep the collection's order: Cirrus positions as their rank, from 1
    positions = sorted(
        {c.new_position for n in batch.notes for c in n.cards if c.new_position is not None}
    )
    rank = {position: i + 1 for i, position in enumerate(positions)}
    for index, note in enumerate(batch.notes):
        nid = base_id + index
        first = strip_html(note.fields[0]) if note.fields else ""
        db.execute(
            "INSERT INTO notes VALUES (?, ?, ?, ?, -1, ?, ?, ?, ?, 0, '')",
            (
                nid,
                note.guid,
                stable_id("notetype:" + note.notetype),
                now_s,
                f" {' '.join(t.replace('/', '::') for t in note.tags)} " if note.tags else "",
                "\x1f".join(note.fields),
                first,
                int(hashlib.sha1(first.encode()).hexdigest()[:8], 16),
            ),
        )
        for card in note.cards:
            next_card += 1
            card_ids[(note.guid, card.ord)] = next_card
            kind, queue, due, *rest, flags, data = _schedule(
                card,
                crt,
                rank.get(card.new_position or -1, index),
                with_scheduling,
                _retention(batch, card.deck),
            )
            did, odid, odue = deck_id(card.deck), 0, 0
            if with_scheduling and card.filtered_deck is not None:  # as Anki moves it in
                did, odid, odue = deck_id(card.filtered_deck), did, due
                due = -100_000 + len(card_ids) if due > 0 else due
                fd = batch.filtered_decks.get(card.filtered_deck)
                queue = queue if fd is None or fd.reschedule or queue < 0 else 2
            row = [next_card, nid, did, card.ord, now_s, kind, queue, due, *rest]
            row += [odue, odid, flags, data]
            db.execute(
                "INSERT INTO cards VALUES (?, ?, ?, ?, ?, -1, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
                row,
            )
    if with_scheduling:
        used: set[int] = set()
        for review in sorted(batch.reviews, key=lambda r: r.reviewed_at_ms):
            cid = card_ids.get((review.guid, review.ord))
            if cid is None:
                continue
            rid = review.reviewed_at_ms
            while rid in used:
                rid += 1
            used.add(rid)
            db.execute(
                "INSERT INTO revlog VALUES (?, ?, -1, ?, ?, ?, ?, ?, ?)",
                (
                    rid,
                    cid,
                    review.rating,
                    review.ivl or 0,
                    review.last_ivl or 0,
                    review.factor or 0,
                    review.duration_ms,
                    revlog_type(review),
                ),
            )


def revlog_type(review: ForeignReview) -> int:
    """Anki's revlog ``type``: 0 learning, 1 review, 2 relearning, 3 filtered (kept for
    answers that did not reschedule), 4 manual, 5 rescheduled."""
    if review.kind in (ReviewKind.FILTERED, ReviewKind.MANUAL, ReviewKind.RESCHEDULED):
        return int(review.kind)
    if review.kind == ReviewKind.PRACTICE:
        return int(ReviewKind.FILTERED)
    return {0: 0, 1: 0, 2: 1, 3: 2}.get(review.state_before, 1)


def _retention(batch: ForeignBatch, deck: str) -> float:
    """The desired retention of the deck's preset (Anki keeps it in ``cards.data``)."""
    preset = batch.presets.get(batch.deck_presets.get(deck, -1))
    return preset.desired_retention if preset is not None else 0.9


def _filtered_deck(
    batch: ForeignBatch, name: str, decks: dict[str, Any], now_s: int
) -> dict[str, Any]:
    """An Anki filtered deck (schema 11) with its searches and rescheduling choice."""
    found = batch.filtered_decks.get(name)
    terms = [list(t) for t in found.terms] if found is not None else []
    did = deck_id(name)
    base = {k: v for k, v in decks.get(str(did), decks["1"]).items() if k not in ("conf",)}
    return {
        **base,
        "id": did,
        "name": name,
        "desc": "",
        "dyn": 1,
        "resched": found.reschedule if found is not None else True,
        "terms": terms or [["", 100, 0]],
        "separate": True,
        "delays": None,
        "previewDelay": 0,
        "previewAgainSecs": 60,
        "previewHardSecs": 600,
        "previewGoodSecs": 0,
    }


def _schedule(
    card: ForeignCard, crt: int, position: int, with_scheduling: bool, retention: float = 0.9
) -> tuple[int, ...] | tuple[Any, ...]:
    """type, queue, due, ivl, factor, reps, lapses, flags, data."""
    if not with_scheduling:
        return (0, 0, position, 0, 0, 0, 0, 0, "{}")
    if card.state == CardState.NEW:
        queue = -1 if card.suspended else (-3 if card.buried else 0)
        studied = json.dumps({"dr": round(retention, 4)}) if card.reps else "{}"  # as Anki
        return (0, queue, position, 0, 0, card.reps, card.lapses, card.flag, studied)
    due_ms = card.due_ms or 0
    last_ms = card.last_review_ms or due_ms
    data: dict[str, Any] = {}
    if card.stability is not None and card.difficulty is not None:
        data = {
            "s": round(card.stability, 4),
            "d": round(card.difficulty, 3),
            "dr": round(retention, 4),
            "lrt": last_ms // 1000,
        }
    queue = -1 if card.suspended else (-3 if card.buried else card.state)
    if card.state == CardState.REVIEW:
        due = (due_ms // 1000 - crt) // 86_400
        ivl = max(1, round((due_ms - last_ms) / DAY_MS))
    else:  # learning and relearning cards are due at a time of day
        due, ivl = due_ms // 1000, 0
    if queue not in (-1, -3) and card.state == CardState.RELEARNING:
        queue = 1
    return (card.state, queue, due, ivl, 2500, card.reps, card.lapses, card.flag, json.dumps(data))
