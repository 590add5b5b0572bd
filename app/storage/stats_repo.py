"""Statistics from SQL: aggregates kept per group and study day, card metrics per group.

``review_day_stats`` and ``calibration_stats`` are filled from the review log past a
watermark, so a request only aggregates answers given since the last one; undo subtracts
the answer it removes; an import rebuilds them only when it moved counted answers to
another deck or tag (``stats_watch``). Group keys: ``all``,
``deck:<id>``, ``tag:<tag>``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from app.core.statistics import LEECH_LAPSES, MATURE_DAYS, PERIODS, GroupStats, RetentionCounts
from app.storage.engine import raw_connection
from app.storage.log_ids import to_db
from app.storage.retired_notes import RETIRED_IDS
from app.storage.settings_repo import get_setting, set_setting

DAY_MS = 86_400_000
WATERMARK = "stats_watermark"

_LOGS = """
WITH logs AS (
  SELECT r.rowid AS rid, r.rating, r.state_before, r.kind, r.stability_before AS s,
    r.last_review_before AS lrb, r.reviewed_at,
    COALESCE(CASE WHEN r.due_before IS NOT NULL AND r.last_review_before IS NOT NULL
         THEN (r.due_before - r.last_review_before) / 86400000.0
         ELSE (r.reviewed_at - {previous}) / 86400000.0
    END, 0) AS ivl,
    (r.reviewed_at + :offset) / 86400000 AS day, c.note_id, n.deck_id
  FROM {source} JOIN card c ON c.id = r.card_id JOIN note n ON n.id = c.note_id
  WHERE r.rating > 0 AND ({where})
), keyed AS (
  SELECT 'all' AS k, logs.* FROM logs
  UNION ALL SELECT 'deck:' || logs.deck_id, logs.* FROM logs
  UNION ALL SELECT 'tag:' || t.tag, logs.* FROM logs JOIN note_tag t ON t.note_id = logs.note_id
)
"""
_DAY_UPSERT = """
INSERT INTO review_day_stats (group_key, day, reviews, again, hard, good, easy, young_pass,
  young_fail, mature_pass, mature_fail)
SELECT k, day, :sign * COUNT(*), :sign * SUM(rating = 1), :sign * SUM(rating = 2),
  :sign * SUM(rating = 3), :sign * SUM(rating = 4),
  :sign * SUM(state_before = 2 AND kind = 0 AND ivl < {mature} AND rating > 1),
  :sign * SUM(state_before = 2 AND kind = 0 AND ivl < {mature} AND rating = 1),
  :sign * SUM(state_before = 2 AND kind = 0 AND ivl >= {mature} AND rating > 1),
  :sign * SUM(state_before = 2 AND kind = 0 AND ivl >= {mature} AND rating = 1)
FROM keyed WHERE true GROUP BY k, day
ON CONFLICT (group_key, day) DO UPDATE SET reviews = reviews + excluded.reviews,
  again = again + excluded.again, hard = hard + excluded.hard, good = good + excluded.good,
  easy = easy + excluded.easy, young_pass = young_pass + excluded.young_pass,
  young_fail = young_fail + excluded.young_fail, mature_pass = mature_pass + excluded.mature_pass,
  mature_fail = mature_fail + excluded.mature_fail
""".replace("{mature}", str(MATURE_DAYS))
_CALIBRATION_UPSERT = """
INSERT INTO calibration_stats (group_key, bin, count, passes, predicted)
SELECT k, MIN(9, CAST(pred * 10 AS INTEGER)), :sign * COUNT(*), :sign * SUM(rating > 1),
  :sign * SUM(pred)
FROM (SELECT keyed.*, pow(1 + :factor * ((reviewed_at - lrb) / 86400000) / s, :decay) AS pred
      FROM keyed WHERE state_before = 2 AND kind = 0 AND s > 0 AND lrb IS NOT NULL)
WHERE true GROUP BY k, MIN(9, CAST(pred * 10 AS INTEGER))
ON CONFLICT (group_key, bin) DO UPDATE SET count = count + excluded.count,
  passes = passes + excluded.passes, predicted = predicted + excluded.predicted
"""


# The time of the card's answer before this one: looked up per answer for a few new ones,
# or, when the whole log is aggregated, one pass over it in card and time order.
_PREVIOUS_ONE = (
    "(SELECT MAX(p.reviewed_at) FROM review_log p "
    "WHERE p.card_id = r.card_id AND p.reviewed_at < r.reviewed_at)"
)
# (over every row of the log, before any row is left out, as the lookup sees them all)
_ALL_WITH_PREVIOUS = (
    "(SELECT review_log.rowid AS rowid, review_log.*, MAX(reviewed_at) OVER "
    "(PARTITION BY card_id ORDER BY reviewed_at RANGE BETWEEN UNBOUNDED PRECEDING "
    "AND 1 PRECEDING) AS previous_at FROM review_log) r"
)


def accumulate(
    conn: Connection,
    where: str,
    params: dict[str, Any],
    sign: int,
    model: tuple[float, float],
    offset_ms: int,
    whole_log: bool = False,
    source: str | None = None,
) -> None:
    """Add (``sign`` 1) or subtract the answers ``where`` selects. ``whole_log``: they are
    every answer in the log (the window function then sees each card's previous one).
    ``source``: the log as ``r`` with each answer's ``previous_at`` worked out already."""
    factor, decay = model
    values = {**params, "sign": sign, "offset": offset_ms, "factor": factor, "decay": decay}
    _begun(conn)
    if source is not None:
        previous = "r.previous_at"
    else:
        source, previous = (
            (_ALL_WITH_PREVIOUS, "r.previous_at") if whole_log else ("review_log r", _PREVIOUS_ONE)
        )
    head = _LOGS.replace("{where}", where).replace("{source}", source)
    head = head.replace("{previous}", previous)
    conn.execute(text(head + _DAY_UPSERT), values)
    conn.execute(text(head + _CALIBRATION_UPSERT), values)


def _begun(conn: Connection) -> None:
    """A transaction open on ``conn``: ``sqlite3`` opens none by itself for a statement
    that starts with ``WITH``, and the two upserts and the watermark must be written
    together (or a kill between them counts answers twice)."""
    raw = raw_connection(conn)
    if not raw.in_transaction:
        raw.execute("BEGIN")


def backlog(conn: Connection) -> tuple[int, int]:
    """The watermark and the log's last row: the answers past the one wait to be added."""
    mark = int(get_setting(conn, WATERMARK, 0))
    top = conn.execute(text("SELECT COALESCE(MAX(rowid), 0) FROM review_log")).scalar_one()
    return mark, int(top)


def refresh(conn: Connection, model: tuple[float, float], offset_ms: int) -> None:
    """Add answers given since the last refresh to the aggregates."""
    _begun(conn)
    mark, top = backlog(conn)
    if top > mark:
        accumulate(
            conn,
            "r.rowid > :mark AND r.rowid <= :top",
            {"mark": mark, "top": top},
            1,
            model,
            offset_ms,
            whole_log=mark == 0,
        )
        set_setting(conn, WATERMARK, int(top))


def rebuild(conn: Connection) -> None:
    """Forget the aggregates; the next refresh recomputes them from the whole log."""
    conn.execute(text("DELETE FROM review_day_stats"))
    conn.execute(text("DELETE FROM calibration_stats"))
    set_setting(conn, WATERMARK, 0)


def forget(conn: Connection, log_id: str, model: tuple[float, float], offset_ms: int) -> None:
    """Subtract one answer that is about to be deleted (undo), if it was counted."""
    _begun(conn)
    mark = int(get_setting(conn, WATERMARK, 0))
    key = to_db(log_id)
    row = conn.execute(text("SELECT rowid FROM review_log WHERE id = :i"), {"i": key}).first()
    if row is None:
        return
    if int(row[0]) <= mark:
        accumulate(conn, "r.id = :log", {"log": key}, -1, model, offset_ms)
    # SQLite gives the next row the highest rowid left plus one, so once this row is gone
    # the next answer may reuse its rowid: keep the watermark below it, or the refresh
    # would take that answer as counted already.
    rest = conn.execute(
        text("SELECT COALESCE(MAX(rowid), 0) FROM review_log WHERE id != :i"), {"i": key}
    ).scalar_one()
    if int(rest) < mark:
        set_setting(conn, WATERMARK, int(rest))


def retention(
    conn: Connection, prefix: str, today: int
) -> dict[str, tuple[int, dict[str, RetentionCounts]]]:
    """Per group key (without ``prefix``): all answers, and true-retention counts per period."""
    out: dict[str, tuple[int, dict[str, RetentionCounts]]] = {}
    select = ", ".join(
        f"SUM(CASE WHEN day > {today - days} THEN {col} ELSE 0 END)" if days else f"SUM({col})"
        for _, days in PERIODS
        for col in ("young_pass", "young_fail", "mature_pass", "mature_fail")
    )
    rows = conn.execute(
        text(
            f"SELECT group_key, SUM(reviews), {select} FROM review_day_stats "
            "WHERE group_key >= :p AND group_key < :p || x'ff' GROUP BY group_key"
        ),
        {"p": prefix},
    )
    for row in rows:
        key = str(row[0])[len(prefix) :]
        values = [int(v or 0) for v in row[2:]]
        periods = {
            name: RetentionCounts(*values[i * 4 : i * 4 + 4]) for i, (name, _) in enumerate(PERIODS)
        }
        out[key] = (int(row[1] or 0), periods)
    return out


# Cards are scanned in table order and their tags found through the (note_id, tag) key:
# much faster than walking the tag index and looking each card up.
TAG_SOURCE = (
    "FROM card c CROSS JOIN note_tag t ON t.note_id = c.note_id AND t.tag >= :pfx "
    "AND t.tag < :pfx || x'ff' WHERE c.suspended = 0 "
    f"AND c.note_id NOT IN ({RETIRED_IDS})"
)
DECK_SOURCE = "FROM card c JOIN note n ON n.id = c.note_id WHERE c.suspended = 0 AND n.retired = 0"


def card_metrics(
    conn: Connection,
    source: str,
    key_sql: str,
    params: dict[str, Any],
    now_ms: int,
    at_ms: int,
    model: tuple[float, float],
) -> dict[str, dict[str, Any]]:
    """Per group: card counts, summed retrievability now and at ``at_ms``, means, lapses."""
    factor, decay = model
    recall = (
        "CASE WHEN c.state != 0 AND c.stability > 0 AND c.last_review IS NOT NULL "
        "THEN pow(1 + :factor * (MAX(0, {t} - c.last_review) / 86400000) / c.stability, "
        ":decay) ELSE 0 END"
    )
    rows = conn.execute(
        text(
            f"SELECT {key_sql}, COUNT(*), SUM(c.state != 0), "
            f"SUM(c.state = 2 AND c.due - c.last_review >= {MATURE_DAYS} * {DAY_MS}), "
            f"SUM({recall.format(t=':now')}), SUM({recall.format(t=':at')}), "
            "AVG(CASE WHEN c.state != 0 THEN c.stability END), "
            "AVG(CASE WHEN c.state != 0 THEN c.difficulty END), SUM(c.lapses), "
            f"SUM(c.lapses >= {LEECH_LAPSES}) {source} GROUP BY 1"
        ),
        {**params, "now": now_ms, "at": at_ms, "factor": factor, "decay": decay},
    )
    return {
        str(r[0]): {
            "cards": int(r[1]),
            "studied": int(r[2] or 0),
            "mature": int(r[3] or 0),
            "recall_sum_now": float(r[4] or 0),
            "recall_sum_at": float(r[5] or 0),
            "mean_stability_days": r[6],
            "mean_difficulty": r[7],
            "lapses": int(r[8] or 0),
            "leeches": int(r[9] or 0),
        }
        for r in rows
    }


def group_stats(
    conn: Connection,
    by: str,
    today: int,
    now_ms: int,
    at_ms: int,
    model: tuple[float, float],
) -> list[GroupStats]:
    """One row per group: ``service``, ``domain``, ``deck`` or ``tag:PREFIX``."""
    if by == "deck":
        names = {str(i): str(n) for i, n in conn.execute(text("SELECT id, name FROM deck"))}
        cards = card_metrics(conn, DECK_SOURCE, "n.deck_id", {}, now_ms, at_ms, model)
        kept = retention(conn, "deck:", today)
        keys = {k: names.get(k, k) for k in set(cards) | set(kept) if k in names}
    else:
        prefix = {"service": "service/", "domain": "domain/"}.get(by, by.removeprefix("tag:"))
        cards = card_metrics(
            conn,
            TAG_SOURCE,
            "substr(t.tag, :plen + 1)",
            {"plen": len(prefix), "pfx": prefix},
            now_ms,
            at_ms,
            model,
        )
        kept = retention(conn, "tag:" + prefix, today)
        keys = {k: k for k in set(cards) | set(kept)}
    out = []
    for raw, label in keys.items():
        metrics = cards.get(raw, {})
        reviews, periods = kept.get(raw, (0, {}))
        out.append(GroupStats(key=label, reviews=reviews, retention=periods, **metrics))
    return sorted(out, key=lambda g: g.key)


def calibration(conn: Connection, group_key: str) -> list[tuple[int, int, int, float]]:
    """(bin, count, passes, summed prediction) for one group key (e.g. ``tag:service/x``)."""
    rows = conn.execute(
        text(
            "SELECT bin, count, passes, predicted FROM calibration_stats "
            "WHERE group_key = :k AND count > 0 ORDER BY bin"
        ),
        {"k": group_key},
    )
    return [(int(b), int(c), int(p), float(s)) for b, c, p, s in rows]


def day_series(conn: Connection, group_key: str, first_day: int) -> list[tuple[int, ...]]:
    """(day, again, hard, good, easy, young_pass, young_fail, mature_pass, mature_fail)."""
    rows = conn.execute(
        text(
            "SELECT day, again, hard, good, easy, young_pass, young_fail, mature_pass, "
            "mature_fail FROM review_day_stats WHERE group_key = :k AND day >= :d "
            "AND reviews > 0 ORDER BY day"
        ),
        {"k": group_key, "d": first_day},
    )
    return [tuple(int(v) for v in r) for r in rows]


def forecast(conn: Connection, now_ms: int, offset_ms: int, days: int) -> dict[int, int]:
    """Study day -> cards (not new, not suspended) falling due that day, for ``days`` days."""
    today = (now_ms + offset_ms) // DAY_MS
    rows = conn.execute(
        text(
            "SELECT (MAX(c.due, :now) + :off) / 86400000 AS day, COUNT(*) FROM card c "
            "JOIN note n ON n.id = c.note_id WHERE c.state != 0 AND c.suspended = 0 "
            "AND n.retired = 0 AND c.due < :end GROUP BY day"
        ),
        {"now": now_ms, "off": offset_ms, "end": (today + days) * DAY_MS - offset_ms},
    )
    return {int(d): int(n) for d, n in rows}


def distributions(
    conn: Connection, now_ms: int, model: tuple[float, float]
) -> tuple[list[float], list[float], list[float]]:
    """Stability (days), difficulty and retrievability now of every studied card."""
    factor, decay = model
    rows = conn.execute(
        text(
            "SELECT c.stability, c.difficulty, pow(1 + :f * (MAX(0, :now - c.last_review) "
            "/ 86400000) / c.stability, :d) FROM card c JOIN note n ON n.id = c.note_id "
            "WHERE c.state != 0 AND c.stability > 0 AND c.last_review IS NOT NULL "
            "AND c.suspended = 0 AND n.retired = 0"
        ),
        {"f": factor, "d": decay, "now": now_ms},
    ).all()
    return (
        [float(r[0]) for r in rows],
        [float(r[1] or 0) for r in rows],
        [float(r[2]) for r in rows],
    )


def weekly_retention(
    conn: Connection, prefix: str, first_day: int
) -> dict[str, list[tuple[int, int, int]]]:
    """Per group (without prefix): (week's first day, passes, answers) of review-state cards."""
    rows = conn.execute(
        text(
            "SELECT group_key, (day - :first) / 7, SUM(young_pass + mature_pass), "
            "SUM(young_pass + young_fail + mature_pass + mature_fail) FROM review_day_stats "
            "WHERE group_key >= :p AND group_key < :p || x'ff' AND day >= :first "
            "GROUP BY 1, 2 ORDER BY 1, 2"
        ),
        {"p": prefix, "first": first_day},
    )
    out: dict[str, list[tuple[int, int, int]]] = {}
    for key, week, passes, total in rows:
        out.setdefault(str(key)[len(prefix) :], []).append(
            (first_day + int(week) * 7, int(passes or 0), int(total or 0))
        )
    return out


def group_filter(by: str, key: str) -> tuple[str, str, dict[str, Any]]:
    """(join, where, params) selecting the cards of one group."""
    if by == "deck":
        return "JOIN deck d ON d.id = n.deck_id", "d.name = :key", {"key": key}
    prefix = {"service": "service/", "domain": "domain/"}.get(by, by.removeprefix("tag:"))
    return ("JOIN note_tag t ON t.note_id = n.id", "t.tag = :key", {"key": prefix + key})


def weakest_cards(
    conn: Connection, by: str, key: str, now_ms: int, model: tuple[float, float], limit: int
) -> list[int]:
    """Studied cards of a group, lowest retrievability now first (due or not)."""
    factor, decay = model
    join, where, params = group_filter(by, key)
    rows = conn.execute(
        text(
            f"SELECT c.id FROM card c JOIN note n ON n.id = c.note_id {join} "
            f"WHERE {where} AND c.state != 0 AND c.stability > 0 AND c.suspended = 0 "
            "AND n.retired = 0 AND c.last_review IS NOT NULL ORDER BY pow(1 + :f * "
            "(MAX(0, :now - c.last_review) / 86400000) / c.stability, :d) LIMIT :lim"
        ),
        {**params, "f": factor, "d": decay, "now": now_ms, "lim": limit},
    )
    return [int(r[0]) for r in rows]
