"""A data folder that cannot be written, for the tests of what Cirrus says about it."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.storage.collection import Collection
from tests.conftest import FIXTURES, T0


@contextmanager
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A data folder holding a collection, then made read-only (a read-only mount as root,
    where permission bits do not stop writes; the permission bits otherwise)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    mounted = False
    if os.geteuid() == 0:
        made = subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(folder)], capture_output=True)
        if made.returncode != 0:
            pytest.skip("running as root without the right to mount a read-only folder")
        mounted = True
    col = Collection.open(folder)
    col.import_path(FIXTURES / "decks" / "sample.md", T0)
    col.close()
    if mounted:
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
    else:
        for p in folder.rglob("*"):
            p.chmod(0o555 if p.is_dir() else 0o444)
        folder.chmod(0o555)
    try:
        yield folder
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=True)
        else:
            folder.chmod(0o755)
