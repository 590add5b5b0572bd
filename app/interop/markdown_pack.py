"""Read Markdown deck files, pack folders and zipped packs."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from app.core.deck_parser import parse_deck_file
from app.core.errors import BadInputError
from app.core.models import DeckFile, NoteSpec

MAX_UNZIPPED_BYTES = 512 * 1024 * 1024
MAX_MEMBERS = 20_000
_IMAGE = re.compile(r"(!\[[^\]]*\]\()([^)\s]+)((?:\s+\"[^\"]*\")?\))")
_REMOTE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")


@dataclass
class MarkdownPack:
    decks: list[DeckFile]
    media: dict[str, Path] = field(default_factory=dict)
    """Link text as written in a card -> the file it points to (resolved, existing)."""
    warnings: list[str] = field(default_factory=list)


def read_markdown(path: Path, workdir: Path) -> MarkdownPack:
    """Parse a deck file, a pack folder, or a ``.zip`` of one (extracted into ``workdir``)."""
    if not path.exists():
        raise BadInputError(f"{path}: no such file or folder")
    if path.is_dir():
        return read_folder(path)
    if path.suffix.lower() == ".zip":
        extract_zip(path, workdir)
        return read_folder(workdir)
    if path.suffix.lower() in (".md", ".markdown"):
        return _pack([parse_deck_file(path)], [])
    raise BadInputError(f"{path}: not a Markdown deck (.md), pack folder or .zip")


def read_folder(folder: Path) -> MarkdownPack:
    decks: list[DeckFile] = []
    skipped: list[str] = []
    for file in sorted(folder.rglob("*.md")):
        if any(part.startswith(".") for part in file.relative_to(folder).parts):
            continue
        if not _has_front_matter(file):
            skipped.append(f"{file.relative_to(folder)}: not a deck file (no front matter)")
            continue
        decks.append(parse_deck_file(file))
    if not decks:
        raise BadInputError(f"{folder}: no deck files (Markdown with front matter) found")
    return _pack(decks, skipped)


def extract_zip(archive: Path, target: Path) -> None:
    """Extract a pack safely: no path escapes, capped sizes, a clear error if corrupt."""
    try:
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            if len(members) > MAX_MEMBERS:
                raise BadInputError(f"{archive}: too many files in the archive")
            total = 0
            for info in members:
                name = PurePosixPath(info.filename.replace("\\", "/"))
                if name.is_absolute() or ".." in name.parts or re.match(r"^[A-Za-z]:", str(name)):
                    raise BadInputError(f"{archive}: member '{info.filename}' escapes the pack")
                total += info.file_size
                if total > MAX_UNZIPPED_BYTES:
                    raise BadInputError(f"{archive}: unpacks to more than 512 MB; refused")
                if info.is_dir():
                    continue
                dest = target.joinpath(*name.parts)
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, dest.open("wb") as out:
                    written = 0
                    for block in iter(lambda: src.read(1 << 20), b""):
                        written += len(block)
                        if written > info.file_size:
                            raise BadInputError(f"{archive}: member sizes do not match")
                        out.write(block)
    except zipfile.BadZipFile as exc:
        raise BadInputError(f"{archive}: not a valid zip file ({exc})") from exc


def _has_front_matter(file: Path) -> bool:
    with file.open("rb") as fh:
        return fh.read(8).lstrip(b"\xef\xbb\xbf").startswith(b"---")


def _pack(decks: list[DeckFile], warnings: list[str]) -> MarkdownPack:
    media: dict[str, Path] = {}
    out: list[DeckFile] = []
    for deck in decks:
        base = Path(deck.path).parent if deck.path else Path()
        for note in deck.notes:
            for link in _image_links(note):
                if _REMOTE.match(link):
                    continue
                target = (base / link).resolve()
                if target.is_file():
                    media[f"{deck.uid}:{link}"] = target
                else:
                    warnings.append(f"{deck.path}:{note.line}: media file '{link}' not found")
        out.append(deck)
        warnings.extend(deck.warnings)
    return MarkdownPack(out, media, warnings)


def _image_links(note: NoteSpec) -> list[str]:
    return [
        m.group(2) for text in (note.prompt, note.front, note.answer) for m in _IMAGE.finditer(text)
    ]


def rewrite_media_links(note: NoteSpec, deck_uid: str, stored: dict[str, str]) -> NoteSpec:
    """Point image links at stored media (``media/<sha>.<ext>``)."""

    def repl(m: re.Match[str]) -> str:
        name = stored.get(f"{deck_uid}:{m.group(2)}")
        return f"{m.group(1)}media/{name}{m.group(3)}" if name else m.group(0)

    return replace(
        note,
        prompt=_IMAGE.sub(repl, note.prompt),
        front=_IMAGE.sub(repl, note.front),
        answer=_IMAGE.sub(repl, note.answer),
    )


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
