"""Key/value settings stored as JSON in the collection."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, text


def get_setting(conn: Connection, key: str, default: Any = None) -> Any:
    row = conn.execute(text("SELECT value FROM setting WHERE key = :k"), {"k": key}).first()
    return default if row is None else json.loads(row[0])


def set_setting(conn: Connection, key: str, value: Any) -> None:
    conn.execute(
        text(
            "INSERT INTO setting (key, value) VALUES (:k, :v) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
        ),
        {"k": key, "v": json.dumps(value)},
    )
