"""Opening a collection for reading only: no upgrade, no write, no lock needed."""

from __future__ import annotations

import os
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.errors import BadInputError
from app.sqlite import sqlite3
from app.storage import migrations
from app.storage.engine import read_only_engine, read_only_uri

if TYPE_CHECKING:
    from app.storage.collection import Collection

DB_NAME = "collection.sqlite"


def open_readonly(cls: type[Collection], data_dir: Path, tz: tzinfo | None) -> Collection:
    path = data_dir / DB_NAME
    if not path.is_file():
        raise BadInputError(f"no collection in {data_dir}")
    # a folder nobody can write, with no write-ahead log: the file cannot change
    frozen = not os.access(data_dir, os.W_OK) and not Path(f"{path}-wal").exists()
    try:
        db = sqlite3.connect(read_only_uri(path, frozen), uri=True)
        try:
            version = migrations.schema_version(db)
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise BadInputError(f"cannot read {path}: {exc}") from exc
    if version > migrations.LATEST:
        raise BadInputError(str(migrations.NewerSchemaError(version)))
    if version < migrations.LATEST:
        raise BadInputError(
            f"{path} was written by an older Cirrus (schema {version}); open it once with "
            "this version to upgrade it"
        )
    return cls(read_only_engine(path, frozen), data_dir, tz=tz)
