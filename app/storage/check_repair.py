"""Repairs for what :mod:`app.storage.check` finds; the caller backs up first.

Only what is safe is changed: rows nothing can show are deleted (their review history
stays in the backup), notes get their cards back, memory states are recomputed from the
review log, unused media files are moved aside (never deleted). Database changes are
one transaction; media files move after it commits.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DatabaseError, NoResultFound

from app.core.anki_template import generated_ords
from app.core.models import CardState, Memory, NoteKind, NoteSpec, Rating
from app.core.note_cards import card_ords
from app.core.scheduling import CardScheduler, SchedulerSettings
from app.core.timeconv import from_ms
from app.storage import check, stats_repo, study_repo
from app.storage.deck_sync import NEW_ORDER_DECK, NEW_ORDER_NOTE

log = logging.getLogger(__name__)
RECOVERED_DECK = "Recovered"


def repair(engine: Engine, media_dir: Path | None, kinds: set[str]) -> None:
    if "integrity" in kinds:
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql("REINDEX")
        except DatabaseError as exc:
            log.error("rebuilding the indexes: %s", exc)
        with engine.connect() as conn:
            if check.integrity_messages(conn):
                return  # still damaged: nothing read from it can be trusted
            kinds = {p.kind for p in check.find_problems(conn, media_dir)}
    if "missing_media" in kinds and media_dir is not None:
        _restore_unused(engine, media_dir)
    moves: list[Path] = []
    with engine.begin() as conn:
        if "foreign_keys" in kinds:
            _foreign_keys(conn)
        if "cards_without_notes" in kinds:
            ids = [int(r[0]) for r in conn.execute(text(check.CARDS_WITHOUT_NOTES))]
            _delete_cards(conn, ids)
        if "orphan_review_logs" in kinds:
            conn.execute(text(f"DELETE FROM review_log WHERE rowid IN ({check.ORPHAN_LOGS})"))
        if "notes_without_cards" in kinds:
            _make_cards(conn)
        if "fsrs_state" in kinds:
            _fix_memory(conn)
        if "unused_media" in kinds and media_dir is not None:
            files, rows = check.unused_media(conn, media_dir)
            for sha in rows:
                conn.execute(text("DELETE FROM media WHERE sha256 = :s"), {"s": sha})
            moves = files
        if kinds & {"cards_without_notes", "orphan_review_logs", "fsrs_state"}:
            stats_repo.rebuild(conn)  # the aggregates are recomputed from the log
    if moves and media_dir is not None:
        aside = media_dir.parent / check.UNUSED_DIR
        aside.mkdir(exist_ok=True)
        for file in moves:
            try:
                file.replace(aside / file.name)
            except OSError as exc:
                log.error("could not move %s aside: %s", file, exc)


def _foreign_keys(conn: Connection) -> None:
    for table, rowid, parent in check.foreign_key_rows(conn):
        if table == "note_tag":  # kept by its key (no rowid): the tags of missing notes go
            conn.execute(text("DELETE FROM note_tag WHERE note_id NOT IN (SELECT id FROM note)"))
        elif (table, parent) == ("deck", "preset"):
            _ensure_default_preset(conn)
            conn.execute(text("UPDATE deck SET preset_id = 1 WHERE rowid = :r"), {"r": rowid})
        elif (table, parent) == ("note", "deck"):
            deck_id = _recovered_deck(conn)
            conn.execute(
                text("UPDATE note SET deck_id = :d WHERE rowid = :r"), {"d": deck_id, "r": rowid}
            )
        # a note whose note type is gone cannot be shown rightly: reported, left as it is


def _ensure_default_preset(conn: Connection) -> None:
    if conn.execute(text("SELECT 1 FROM preset WHERE id = 1")).first() is None:
        conn.execute(
            text(
                "INSERT INTO preset (id, name, desired_retention, learning_steps, "
                "relearning_steps, new_per_day, reviews_per_day, maximum_interval, parameters, "
                "fuzz) VALUES (1, :n, 0.9, '[60, 600]', '[600]', 20, 200, 36500, NULL, 1)"
            ),
            {"n": "Default" if not _preset_named(conn, "Default") else "Default (recovered)"},
        )


def _preset_named(conn: Connection, name: str) -> bool:
    return (
        conn.execute(text("SELECT 1 FROM preset WHERE name = :n"), {"n": name}).first() is not None
    )


def _recovered_deck(conn: Connection) -> int:
    found = conn.execute(text("SELECT id FROM deck WHERE uid = 'recovered'")).scalar()
    if found is not None:
        return int(found)
    _ensure_default_preset(conn)
    position = conn.execute(text("SELECT COALESCE(MAX(position), -1) + 1 FROM deck")).scalar_one()
    conn.execute(
        text(
            "INSERT INTO deck (uid, name, description, preset_id, position, origin) VALUES "
            "('recovered', :n, 'Notes whose deck was missing, found by Check Database.', 1, "
            ":p, 'check')"
        ),
        {"n": RECOVERED_DECK, "p": position},
    )
    return int(conn.execute(text("SELECT last_insert_rowid()")).scalar_one())


def _delete_cards(conn: Connection, ids: list[int]) -> None:
    for start in range(0, len(ids), 500):
        chunk = ",".join(str(i) for i in ids[start : start + 500])
        conn.execute(text(f"DELETE FROM review_log WHERE card_id IN ({chunk})"))
        conn.execute(text(f"DELETE FROM card WHERE id IN ({chunk})"))


def _make_cards(conn: Connection) -> None:
    rows = conn.execute(
        text(
            "SELECT n.id, n.kind, n.prompt_md, n.front_md, n.answer_md, n.fields, n.position, "
            "d.position, t.templates, t.fields, t.cloze FROM note n "
            "LEFT JOIN deck d ON d.id = n.deck_id LEFT JOIN notetype t ON t.id = n.notetype_id "
            f"WHERE n.id IN ({check.NOTES_WITHOUT_CARDS})"
        )
    ).all()
    for note_id, kind, prompt, front, answer, values, pos, deck_pos, tmpl, names, cloze in rows:
        if NoteKind(kind) == NoteKind.TEMPLATE:
            if tmpl is None:
                continue  # the note type is gone too: nothing says which cards to make
            field_map = dict(zip(json.loads(names), json.loads(values or "[]"), strict=False))
            templates = [(q, a) for _, q, a in json.loads(tmpl)]
            ords = generated_ords(templates, field_map, bool(cloze)) or [0]
        else:
            ords = card_ords(NoteSpec(prompt, front, answer, NoteKind(kind))) or [0]
        order = int(deck_pos or 0) * NEW_ORDER_DECK + min(int(pos), 999_999) * NEW_ORDER_NOTE
        for ord_ in ords:
            conn.execute(
                text(
                    "INSERT INTO card (note_id, ord, state, due, reps, lapses, suspended, flag) "
                    "VALUES (:n, :o, 0, :d, 0, 0, 0, 0)"
                ),
                {"n": note_id, "o": ord_, "d": order + ord_},
            )


def _fix_memory(conn: Connection) -> None:
    cards = conn.execute(
        text(
            "SELECT c.id, c.difficulty, c.due, c.last_review, COALESCE(d.preset_id, 1) "
            "FROM card c LEFT JOIN note n ON n.id = c.note_id LEFT JOIN deck d ON "
            f"d.id = n.deck_id WHERE c.id IN (SELECT id FROM card WHERE {check.BAD_MEMORY})"
        )
    ).all()
    schedulers: dict[int, CardScheduler] = {}
    for card_id, difficulty, due, last_review, preset in cards:
        if preset not in schedulers:
            try:
                settings = study_repo.preset_settings(conn, int(preset))
            except (NoResultFound, ValueError):  # a preset gone or unreadable: the defaults
                settings = SchedulerSettings()
            schedulers[preset] = CardScheduler(replace(settings, fuzz=False))
        stability, diff = _memory_from_log(conn, int(card_id), schedulers[preset])
        if stability is None or diff is None:  # no usable history: keep what can be kept
            days = ((due or 0) - (last_review or 0)) / 86_400_000 if due and last_review else 1
            stability = max(float(days), 0.5)
            diff = _clamp(difficulty)
        conn.execute(
            text("UPDATE card SET stability = :s, difficulty = :d WHERE id = :i"),
            {"s": stability, "d": diff, "i": card_id},
        )


def _memory_from_log(
    conn: Connection, card_id: int, scheduler: CardScheduler
) -> tuple[float | None, float | None]:
    """The state after the last answer, as logged; else replayed from the ratings."""
    rows = conn.execute(
        text(
            "SELECT rating, reviewed_at, stability_after, difficulty_after FROM review_log "
            "WHERE card_id = :c AND rating > 0 ORDER BY reviewed_at, rowid"
        ),
        {"c": card_id},
    ).all()
    if not rows:
        return None, None
    last = rows[-1]
    if _number(last[2]) and 0 < last[2] < 1e300 and _number(last[3]) and 1 <= last[3] <= 10:
        return float(last[2]), float(last[3])
    memory = Memory()
    try:
        for rating, at, _s, _d in rows:
            memory = scheduler.review(memory, Rating(int(rating)), from_ms(int(at)))
    except (ValueError, OverflowError, OSError):
        return None, None
    if memory.state == CardState.NEW:
        return None, None
    return memory.stability, memory.difficulty


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _clamp(value: Any) -> float:
    if _number(value):
        return min(max(float(value), 1.0), 10.0)
    return 5.0


def _restore_unused(engine: Engine, media_dir: Path) -> None:
    """Bring back files an earlier repair moved aside that a card uses after all."""
    aside = media_dir.parent / check.UNUSED_DIR
    if not aside.is_dir():
        return
    with engine.begin() as conn:
        for sha, name in check.referenced_media(conn).items():
            source = aside / name
            if (media_dir / name).exists() or not source.is_file():
                continue
            media_dir.mkdir(parents=True, exist_ok=True)
            source.replace(media_dir / name)
            conn.execute(
                text("INSERT OR IGNORE INTO media (sha256, name, size) VALUES (:s, :n, :z)"),
                {"s": sha, "n": name, "z": (media_dir / name).stat().st_size},
            )
