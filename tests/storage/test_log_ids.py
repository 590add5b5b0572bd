"""Answer ids: UUIDs every device reads, growing with the time they were made."""

from __future__ import annotations

import time
import uuid

from app.core.models import Rating
from app.storage.collection import Collection
from app.storage.log_ids import from_db, new_log_id
from tests.conftest import T0, deck_text

CARDS = "".join(f"## Q{i}\n<!-- id: q{i} -->\nA{i}\n\n" for i in range(6))


def test_answers_get_distinct_uuid_ids_in_the_order_they_were_given(
    col: Collection, write_deck
) -> None:
    col.import_path(write_deck(deck_text(CARDS)), T0)
    for _ in range(6):
        col.answer(col.next_card(T0).card_id, Rating.GOOD, T0)
        time.sleep(0.002)  # ids are ordered by the millisecond they were made in
    with col.engine.connect() as conn:
        stored = [r[0] for r in conn.exec_driver_sql("SELECT id FROM review_log ORDER BY seq")]
    ids = [from_db(v) for v in stored]
    assert len(set(ids)) == 6
    parsed = [uuid.UUID(hex=i) for i in ids]  # as sync reads another device's ids
    assert all(p.version == 7 and p.variant == uuid.RFC_4122 for p in parsed)
    assert [p.bytes for p in parsed] == sorted(p.bytes for p in parsed)


def test_ids_made_in_one_millisecond_still_differ() -> None:
    made = {new_log_id() for _ in range(10_000)}
    assert len(made) == 10_000
    assert all(len(value) == 16 for value in made)
