"""What an Anki package carries with ``--with-history`` besides cards: the review log in
Anki's figures (type, interval, last interval, factor, time) and the decks' presets.

Rows that came from Anki keep Anki's own figures; Cirrus answers get them from the
logged schedule: the interval from the due date set by the answer (days for reviews,
negative seconds for learning steps), the last interval from the due date the card had,
and the factor as Anki logs FSRS difficulty (``((d - 1) / 9 + 0.1) * 1000``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text

from app.core.models import CardState
from app.interop.anki_export import stable_id
from app.interop.anki_presets import ANKI_DEFAULT_ID, from_preset
from app.interop.foreign import ForeignPreset, ForeignReview
from app.storage import presets_repo
from app.storage.log_ids import from_db

DAY_MS = 86_400_000
DEFAULT_PRESET_ID = 1


def _ids(deck_ids: Sequence[int]) -> str:
    return ",".join(str(int(i)) for i in deck_ids) or "NULL"


def _interval(state: int | None, start: int | None, due: int | None) -> int:
    """Anki's ``ivl`` for a card in ``state`` due at ``due`` after ``start`` (ms)."""
    if state is None or start is None or due is None:
        return 0
    if state == CardState.REVIEW:
        return max(1, round((due - start) / DAY_MS))
    if state in (CardState.LEARNING, CardState.RELEARNING):
        return -max(1, (due - start) // 1000)
    return 0


def anki_factor(difficulty: float | None) -> int:
    """FSRS difficulty (1-10) as Anki writes it in ``revlog.factor``."""
    if difficulty is None:
        return 0
    return round(((difficulty - 1) / 9 + 0.1) * 1000)


def reviews(conn: Connection, deck_ids: Sequence[int]) -> list[ForeignReview]:
    rows = conn.execute(
        text(
            "SELECT n.uid, c.ord, r.reviewed_at, r.rating, r.duration_ms, r.state_before, r.id, "
            "r.kind, r.anki_ivl, r.anki_last_ivl, r.anki_factor, r.state_after, r.due_after, "
            "r.due_before, r.last_review_before, r.difficulty_after "
            "FROM review_log r JOIN card c ON c.id = r.card_id JOIN note n ON n.id = c.note_id "
            f"WHERE n.deck_id IN ({_ids(deck_ids)}) ORDER BY r.reviewed_at"
        )
    )
    out = []
    for row in rows:
        uid, ord_, at, rating, duration, before, log_id, kind = row[:8]
        ivl, last_ivl, factor, after, due_after, due_before, last_before, difficulty = row[8:]
        if ivl is None:
            ivl = _interval(after, at, due_after)
            last_ivl = _interval(before, last_before, due_before)
            factor = anki_factor(difficulty)
        out.append(
            ForeignReview(
                guid=str(uid).removeprefix("guid:"),
                ord=int(ord_),
                reviewed_at_ms=int(at),
                rating=int(rating),
                duration_ms=int(duration),
                state_before=int(before),
                source_id=from_db(log_id),
                kind=int(kind),
                ivl=int(ivl),
                last_ivl=int(last_ivl or 0),
                factor=int(factor or 0),
            )
        )
    return out


def presets(
    conn: Connection, deck_ids: Sequence[int]
) -> tuple[dict[int, ForeignPreset], dict[str, int]]:
    """(presets by the id they get in Anki, deck name -> that id) for these decks.

    Cirrus's Default preset is Anki's Default (id 1); any other gets a stable id from its
    name, so exporting again updates the same preset in Anki."""
    used: dict[str, int] = {}
    by_preset: dict[int, int] = {}
    out: dict[int, ForeignPreset] = {}
    rows = conn.execute(text(f"SELECT name, preset_id FROM deck WHERE id IN ({_ids(deck_ids)})"))
    for deck, preset_id in rows:
        if preset_id not in by_preset:
            preset = presets_repo.get(conn, int(preset_id))
            if preset is None:
                continue
            anki_id = (
                ANKI_DEFAULT_ID
                if preset.id == DEFAULT_PRESET_ID
                else stable_id("preset:" + preset.name)
            )
            by_preset[preset_id] = anki_id
            out[anki_id] = from_preset(preset, anki_id)
        used[str(deck)] = by_preset[preset_id]
    return out, used
