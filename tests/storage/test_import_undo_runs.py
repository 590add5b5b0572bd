"""The rows an import added, recorded as runs of their ids."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from app.storage.import_undo import _runs_above, added_notes


@pytest.mark.parametrize(
    ("ids", "above", "runs"),
    [
        ([], 0, []),
        ([1, 2, 3], 0, [[1, 3]]),
        ([1, 2, 3, 7, 8, 10], 0, [[1, 3], [7, 8], [10, 10]]),
        ([1, 2, 3, 7, 8, 10], 2, [[3, 3], [7, 8], [10, 10]]),
        ([5, 6, 9], 9, []),
    ],
)
def test_runs_cover_exactly_the_rows_past_the_mark(
    ids: list[int], above: int, runs: list[list[int]]
) -> None:
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        for i in ids:
            conn.execute(text("INSERT INTO t VALUES (:i)"), {"i": i})
        found = _runs_above(conn, "t", "id", above)
    assert found == runs
    assert added_notes({"note_runs": found}) == [i for i in ids if i > above]
