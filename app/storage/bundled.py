"""Where the bundled decks live: a checkout, an installed wheel, or a frozen bundle."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path


def bundled_root() -> Path:
    """The folder holding ``decks/`` and ``resources/`` for this installation."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    package = Path(__file__).resolve().parents[1]
    wheel = package / "_bundled"
    if wheel.is_dir():
        return wheel
    return package.parent


def bundled_decks_dir() -> Path | None:
    folder = bundled_root() / "decks"
    return folder if folder.is_dir() else None


def tree_hash(folder: Path) -> str:
    """A digest of every file's relative path and bytes: changes when any deck changes."""
    digest = hashlib.sha256()
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(file.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(file.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()
