"""Build a seeded collection of N cards for benchmarks (bulk SQL, one transaction)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from app.core.models import CardState, NoteKind
from app.core.timeconv import to_ms
from app.storage.collection import Collection

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
ANSWER = """**Sessions.** Senders set `SessionId`; a receiver locks one session at a time.

```python
with client.get_queue_receiver(queue, session_id="order-{i}") as receiver:
    for message in receiver:
        receiver.complete_message(message)
```
"""


def build(
    data_dir: Path, cards: int, seed: int = 1, decks: int = 20, logs_per_card: int = 5
) -> Collection:
    """A collection with ``cards`` basic cards: 80% in review, 20% new, a year of logs."""
    rng = random.Random(seed)
    col = Collection.open(data_dir, tz=UTC, rng=random.Random(seed))
    per_deck = cards // decks
    with col.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO deck (uid, name, description, preset_id, position, origin) "
                "VALUES (:u, :n, '', 1, :p, 'bench')"
            ),
            [{"u": f"bench-{d}", "n": f"Bench::Deck {d:02d}", "p": d} for d in range(decks)],
        )
        conn.execute(
            text(
                "INSERT INTO note (id, uid, deck_id, kind, prompt_md, front_md, answer_md, "
                "origin, position, content_hash, retired, mtime) VALUES (:i, :u, :d, :k, :p, "
                "'', :a, 'bench', :pos, '', 0, 0)"
            ),
            [
                {
                    "i": i + 1,
                    "u": f"bench/{i}",
                    "d": i // per_deck % decks + 1,
                    "k": int(NoteKind.BASIC),
                    "p": f"Question {i}: which feature gives FIFO for related messages?",
                    "a": ANSWER.replace("{i}", str(i)),
                    "pos": i,
                }
                for i in range(cards)
            ],
        )
        card_rows, log_rows = [], []
        for i in range(cards):
            if rng.random() < 0.8:
                stability = rng.uniform(1, 200)
                last = NOW - timedelta(days=1 + rng.uniform(0, 1.2 * stability))
                due = last + timedelta(days=stability)
                card_rows.append(
                    {
                        "i": i + 1,
                        "n": i + 1,
                        "s": int(CardState.REVIEW),
                        "st": stability,
                        "d": rng.uniform(1, 10),
                        "due": to_ms(due),
                        "lr": to_ms(last),
                        "r": 5,
                    }
                )
                for k in range(logs_per_card):
                    log_rows.append(
                        {
                            "id": uuid.UUID(int=rng.getrandbits(128)).hex,
                            "c": i + 1,
                            "r": rng.choice((1, 3, 3, 3, 4)),
                            "t": to_ms(last - timedelta(days=k * stability / 5)),
                        }
                    )
            else:
                card_rows.append(
                    {
                        "i": i + 1,
                        "n": i + 1,
                        "s": int(CardState.NEW),
                        "st": None,
                        "d": None,
                        "due": i,
                        "lr": None,
                        "r": 0,
                    }
                )
        conn.execute(
            text(
                "INSERT INTO card (id, note_id, ord, state, stability, difficulty, due, "
                "last_review, reps, lapses, suspended, flag) VALUES (:i, :n, 0, :s, :st, :d, "
                ":due, :lr, :r, 0, 0, 0)"
            ),
            card_rows,
        )
        conn.execute(
            text(
                "INSERT INTO review_log (id, card_id, rating, reviewed_at, duration_ms, "
                "state_before, reps_before, lapses_before, state_after) VALUES (:id, :c, :r, "
                ":t, 5000, 2, 0, 0, 2)"
            ),
            log_rows,
        )
        conn.execute(
            text("INSERT INTO note_tag (note_id, tag) VALUES (:n, :t)"),
            [
                {"n": i + 1, "t": t}
                for i in range(cards)
                for t in (f"service/s{i % 16:02d}", f"domain/{i % 4 + 1}-d", "bench")
            ],
        )
        conn.execute(text("INSERT INTO setting (key, value) VALUES ('bundled_hash', '\"x\"')"))
        conn.execute(text("UPDATE preset SET new_per_day = 100, reviews_per_day = 2000"))
    return col


if __name__ == "__main__":
    import sys
    import tempfile

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())
    build(target, int(sys.argv[2]) if len(sys.argv) > 2 else 100_000).close()
    print(target)
