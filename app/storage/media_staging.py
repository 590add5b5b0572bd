"""Media an import brings in is staged first and moved into the store after the commit.

The staging folder (``tmp/stage-<pid>-*`` in the data folder) is on the same drive as
the store, so moving a file is a rename. A process killed before the commit leaves only
the staging folder, which the next start removes; one killed between the commit and the
move leaves files the database already lists, which the next start moves into the store
(see :mod:`app.storage.leftovers`).
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from app.storage.leftovers import STAGE, new_temp_folder, temp_root

log = logging.getLogger(__name__)


class MediaStaging:
    def __init__(self, data_dir: Path) -> None:
        self.store = data_dir / "media"
        self.folder = new_temp_folder(data_dir, STAGE)

    def commit(self) -> int:
        """Move every staged file into the store; returns how many were moved."""
        moved = 0
        try:
            files = sorted(self.folder.iterdir())
            if files:
                self.store.mkdir(parents=True, exist_ok=True)
            for file in files:
                file.replace(self.store / file.name)
                moved += 1
            self.folder.rmdir()
        except OSError as exc:  # the next start moves what is left
            log.error("moving staged media into %s: %s", self.store, exc)
        return moved

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def discard_own_stages(data_dir: Path) -> None:
    """Remove this process's staging folders (an import stopped while making one)."""
    root = temp_root(data_dir)
    for folder in root.glob(f"{STAGE}-{os.getpid()}-*") if root.is_dir() else ():
        shutil.rmtree(folder, ignore_errors=True)
