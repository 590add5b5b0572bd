"""Write a folder of files so that a killed process never leaves half of it in place."""

from __future__ import annotations

import os
import re
import secrets
import shutil
from pathlib import Path

from app.core.errors import BadInputError
from app.core.process import process_alive

_MARK = ".cirrus-"


def write_folder(out: Path, files: dict[str, str]) -> None:
    """Write ``files`` (name -> text) into the folder ``out``.

    Everything is first written, and flushed to disk, into a fresh folder beside ``out``.
    A new ``out`` is then that folder renamed into place, so it appears whole or not at
    all. Into an existing ``out`` each file is renamed in turn: each file is whole, and
    files of other names already there are kept. Work folders that a killed export left
    beside ``out`` are removed first.
    """
    if out.exists() and not out.is_dir():
        raise BadInputError(f"{out} exists and is not a folder")
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    sweep_beside(out)
    work = parent / f".{out.name}{_MARK}{os.getpid()}-{secrets.token_hex(4)}"
    work.mkdir()  # the umask applies, as for a folder made in place
    try:
        for name, content in files.items():
            with (work / name).open("w", encoding="utf-8") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
        if not out.exists():
            work.rename(out)
            return
        for name in files:
            (work / name).replace(out / name)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def sweep_beside(out: Path) -> list[Path]:
    """Remove work folders of exports to ``out`` whose process is gone."""
    pattern = re.compile(re.escape(f".{out.name}{_MARK}") + r"(\d+)-[0-9a-f]+$")
    removed: list[Path] = []
    try:
        entries = list(out.parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = pattern.match(entry.name)
        if m and entry.is_dir() and not process_alive(int(m.group(1))):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed
