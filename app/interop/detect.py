"""Which importer a path needs."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from app.core.errors import BadInputError
from app.core.input_limits import MAX_MEMBERS

ANKI = (".apkg", ".colpkg")
TEXT = (".csv", ".tsv", ".txt")


def detect_format(path: Path) -> str:
    """One of ``apkg``, ``colpkg``, ``csv``, ``markdown`` or ``obsidian``."""
    if not path.exists():
        raise BadInputError(f"{path}: no such file or folder")
    suffix = path.suffix.lower()
    if path.is_dir():
        for file in itertools.islice(path.rglob("*.md"), MAX_MEMBERS + 1):
            if any(part.startswith(".") for part in file.relative_to(path).parts):
                continue
            if _is_deck_file(file):
                return "markdown"
        return "obsidian"
    if suffix in ANKI:
        return suffix[1:]
    if suffix in TEXT:
        return "csv"
    if suffix in (".md", ".markdown", ".zip"):
        return "markdown"
    raise BadInputError(
        f"{path}: not a format Cirrus imports (.apkg, .colpkg, .csv, .tsv, .txt, .md, .zip, "
        "or a folder)"
    )


_DECK_KEY = re.compile(rb"^deck:", re.MULTILINE)


def _is_deck_file(file: Path) -> bool:
    """A Cirrus deck file: front matter with a ``deck:`` key (Obsidian notes have other
    front matter)."""
    with file.open("rb") as fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf")
    if not head.startswith(b"---"):
        return False
    end = head.find(b"\n---", 3)
    return bool(_DECK_KEY.search(head[: end if end > 0 else len(head)]))
