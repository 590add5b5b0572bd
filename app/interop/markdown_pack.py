"""Read Markdown deck files, pack folders and zipped packs."""

from __future__ import annotations

import itertools
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from app.core import input_limits as limits
from app.core.deck_parser import parse_deck_file
from app.core.errors import BadInputError
from app.core.models import DeckFile, NoteSpec
from app.interop.bounded import Extraction
from app.interop.pack_media import REMOTE, image_links, inside_root, resolve, rewrite_links


@dataclass
class MarkdownPack:
    decks: list[DeckFile]
    media: dict[str, Path] = field(default_factory=dict)
    """``<deck uid>:<link as written>`` -> the file inside the pack it points to."""
    warnings: list[str] = field(default_factory=list)


def read_markdown(path: Path, workdir: Path) -> MarkdownPack:
    """Parse a deck file, a pack folder, or a ``.zip`` of one (extracted into ``workdir``)."""
    if not path.exists():
        raise BadInputError(f"{path}: no such file or folder")
    if path.is_dir():
        return read_folder(path)
    if path.suffix.lower() == ".zip":
        extract_zip(path, workdir)
        return read_folder(workdir, shown_as=path)
    if path.suffix.lower() in (".md", ".markdown"):
        _check_text_size(path, path.name)
        return _pack([parse_deck_file(path)], [], path.parent, path.parent)
    raise BadInputError(f"{path}: not a Markdown deck (.md), pack folder or .zip")


def read_folder(folder: Path, shown_as: Path | None = None) -> MarkdownPack:
    """The deck files of a pack folder; ``shown_as`` names the folder in messages."""
    shown = shown_as or folder
    decks: list[DeckFile] = []
    skipped: list[str] = []
    files = sorted(itertools.islice(folder.rglob("*.md"), limits.MAX_MEMBERS + 1))
    limits.check_count(shown, len(files))
    for file in files:
        relative = file.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if not inside_root(file, folder):
            skipped.append(f"{shown / relative}: a symlink leading outside the pack; skipped")
            continue
        if not _has_front_matter(file):
            skipped.append(f"{shown / relative}: not a deck file (no front matter)")
            continue
        _check_text_size(file, str(shown / relative))
        decks.append(parse_deck_file(file))
    if not decks:
        raise BadInputError(f"{shown}: no deck files (Markdown with front matter) found")
    return _pack(decks, skipped, folder, shown)


def extract_zip(archive: Path, target: Path) -> None:
    """Extract a pack safely: no path escapes, sizes held to :mod:`app.core.input_limits`,
    a clear error if corrupt."""
    try:
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            limits.check_count(archive, len(members))
            files: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
            for info in members:
                name = PurePosixPath(info.filename.replace("\\", "/"))
                if name.is_absolute() or ".." in name.parts or re.match(r"^[A-Za-z]:", str(name)):
                    raise BadInputError(f"{archive}: member '{info.filename}' escapes the pack")
                if info.is_dir():
                    continue
                limits.check_declared(archive, info.filename, info.file_size, info.compress_size)
                files.append((info, name))
            total = sum(info.file_size for info, _ in files)
            limits.check_total(archive, total)
            extraction = Extraction(archive, target)
            extraction.reserve(total)
            for info, name in files:
                with zf.open(info) as src:
                    extraction.copy(
                        src, target.joinpath(*name.parts), info.filename, limits.MAX_FILE_BYTES
                    )
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise BadInputError(f"{archive}: not a valid zip file ({exc})") from exc
    except OSError as exc:
        raise BadInputError(f"{archive}: cannot extract the pack ({exc.strerror or exc})") from exc


def _check_text_size(file: Path, shown: str) -> None:
    size = file.stat().st_size
    if size > limits.MAX_TEXT_BYTES:
        raise limits.refuse(
            None, shown, f"is larger than the limit of {limits.describe(limits.MAX_TEXT_BYTES)}"
        )


def _has_front_matter(file: Path) -> bool:
    with file.open("rb") as fh:
        return fh.read(8).lstrip(b"\xef\xbb\xbf").startswith(b"---")


def _pack(decks: list[DeckFile], warnings: list[str], root: Path, shown: Path) -> MarkdownPack:
    media: dict[str, Path] = {}
    out: list[DeckFile] = []
    total = 0
    for deck in decks:
        base = Path(deck.path).parent if deck.path else root
        where = _shown_path(Path(deck.path), root, shown) if deck.path else str(shown)
        lines: list[str] | None = None
        for note in deck.notes:
            for link in image_links(note):
                if REMOTE.match(link) or f"{deck.uid}:{link}" in media:
                    continue
                found = resolve(link, base, root)
                if isinstance(found, str):
                    if lines is None:
                        lines = _lines(deck.path)
                    line = _line_of(lines, note.line, link)
                    warnings.append(f"{where}:{line}: image '{link}' {found}")
                    continue
                total += found.stat().st_size
                limits.check_total(shown, total)
                media[f"{deck.uid}:{link}"] = found
        out.append(deck)
        warnings.extend(deck.warnings)
    limits.check_count(shown, len(media))
    return MarkdownPack(out, media, warnings)


def _lines(path: str | None) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8-sig").splitlines() if path else []
    except (OSError, UnicodeDecodeError):
        return []


def _line_of(lines: list[str], start: int, link: str) -> int:
    """The line (1-based, from the note's own line on) where ``link`` is written."""
    needle = f"]({link}"
    for index in range(max(start - 1, 0), len(lines)):
        if needle in lines[index]:
            return index + 1
    return start


def _shown_path(path: Path, root: Path, shown: Path) -> str:
    try:
        return str(shown / path.relative_to(root))
    except ValueError:
        return str(path)


def rewrite_media_links(note: NoteSpec, deck_uid: str, stored: dict[str, str]) -> NoteSpec:
    """Point image links at stored media (``media/<sha>.<ext>``)."""
    change = {
        link: f"media/{stored[key]}"
        for link in image_links(note)
        if (key := f"{deck_uid}:{link}") in stored
    }
    return rewrite_links(note, change)


def write_markdown_pack(decks: list[DeckFile], out: Path) -> None:
    """One ``.md`` file per deck into the folder ``out`` (or a ``.zip`` of it)."""
    from app.core.deck_writer import write_deck

    files = {f"{deck.uid}.md": write_deck(deck) for deck in decks}
    if out.suffix.lower() == ".zip":
        part = out.with_name(out.name + ".part")
        with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, content in files.items():
                zf.writestr(name, content)
        part.replace(out)
        return
    from app.interop.folder_write import write_folder

    write_folder(out, files)
