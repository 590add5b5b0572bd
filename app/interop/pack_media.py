"""Media links of Markdown notes (images and ``[sound:]`` clips), resolved only to files
inside their pack's root.

A Markdown pack (folder or zip), a single deck file's folder or an Obsidian vault is a
*root*. A media link may name a file inside it and nothing else: absolute paths,
``..`` that climbs out, and symlinks (of the file or of a folder on the way) that lead
out are refused with a warning naming the file and line. The note is still imported;
its image or clip shows as missing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from app.core import input_limits as limits
from app.core.models import NoteSpec

IMAGE = re.compile(r"(!\[[^\[\]\n]*\]\()([^()\s]+)((?:\s+\"[^\"\n]*\")?\))")
"""``![alt](link "title")``; the alt text holds no brackets, so matching stays linear."""
SOUND_LINK = re.compile(r"(\[sound:)([^\[\]\n]+)(\])")
"""``[sound:clip.mp3]``: an audio or video clip, resolved like an image link."""
REMOTE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")
_ABSOLUTE = re.compile(r"^(?:[\\/~]|[A-Za-z]:)")


def image_links(note: NoteSpec) -> Iterator[str]:
    """The note's media links: images, then ``[sound:]`` clips."""
    for pattern in (IMAGE, SOUND_LINK):
        for text in (note.prompt, note.front, note.answer):
            for m in pattern.finditer(text):
                yield m.group(2).strip()


def resolve(link: str, base: Path, root: Path) -> Path | str:
    """The file inside ``root`` that ``link`` (relative to ``base``) names, or why not."""
    if _ABSOLUTE.match(link):
        return "is an absolute path; only files inside the pack are imported"
    relative = link.replace("\\", "/")
    root_real = root.resolve()
    lexical = Path(os.path.normpath(base.absolute() / relative))
    if not _inside(lexical, Path(os.path.normpath(root.absolute()))):
        return "leads outside the pack; only files inside it are imported"
    try:
        target = lexical.resolve()
    except (OSError, RuntimeError):
        return "cannot be resolved (a symlink loop?)"
    if not _inside(target, root_real):
        return "is a symlink leading outside the pack; not imported"
    if not target.is_file():
        return "not found"
    if target.stat().st_size > limits.MAX_FILE_BYTES:
        return f"is larger than the limit of {limits.describe(limits.MAX_FILE_BYTES)}"
    return target


def inside_root(path: Path, root: Path) -> bool:
    """Whether ``path`` (after following symlinks) lies inside ``root``."""
    try:
        return _inside(path.resolve(), root.resolve())
    except (OSError, RuntimeError):
        return False


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def rewrite_links(note: NoteSpec, change: dict[str, str]) -> NoteSpec:
    """The note with media links replaced as ``change`` says (others kept)."""
    if not change:
        return note

    def repl(m: re.Match[str]) -> str:
        new = change.get(m.group(2).strip())
        return f"{m.group(1)}{new}{m.group(3)}" if new is not None else m.group(0)

    def both(text: str) -> str:
        return SOUND_LINK.sub(repl, IMAGE.sub(repl, text))

    return replace(note, prompt=both(note.prompt), front=both(note.front), answer=both(note.answer))
