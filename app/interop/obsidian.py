"""Notes of an Obsidian vault written for the "Spaced Repetition" plugin, as decks.

A note takes part when it carries a ``#flashcards`` tag (in the text or the front
matter). ``#flashcards/a/b`` puts its cards in the deck ``a::b``; a plain ``#flashcards``
uses the note's folder path (or ``Obsidian`` at the vault root). Cards follow the
plugin's syntax: ``question::answer`` and ``question:::answer`` (reversed) on one line;
question lines, a line holding only ``?`` (or ``??``, reversed) and answer lines up to a
blank line; a paragraph with ``==highlights==`` is a cloze card. The plugin's
``<!--SR:...-->`` scheduling comments are dropped; fenced code is never card syntax.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePath
from urllib.parse import quote, unquote

import yaml

from app.core import input_limits as limits
from app.core.errors import BadInputError
from app.core.markdown_blocks import iter_outside_code, trim_lines
from app.core.models import DeckFile, NoteKind, NoteSpec
from app.interop.pack_media import REMOTE, image_links, inside_root, resolve, rewrite_links

FLASHCARDS = "flashcards"
ROOT_DECK = "Obsidian"
_TAG = re.compile(r"(?<!\S)#([\w/-]+)")
_NOT_A_TAG = re.compile(r"[\d/_-]*")
_SR_COMMENT = re.compile(r"<!--SR:.*?-->")
_HIGHLIGHT = re.compile(r"==(?=\S)(.+?)(?<=\S)==")
_INLINE_CODE = re.compile(r"(`+).+?\1")
_CLOSING = re.compile(r"(?<=\S)==")
_HEADING = re.compile(r"#{1,6}(?:\s|$)")
_SEPARATORS = ((":::", NoteKind.REVERSED), ("::", NoteKind.BASIC))

_Line = tuple[int, str, bool]
"""(line number, text, inside fenced code)"""


@dataclass
class _Card:
    line: int
    question: list[_Line]
    answer: list[str]
    kind: NoteKind
    key: str
    """The question as written: the card's identity."""


def read_vault(folder: Path) -> tuple[list[DeckFile], list[str]]:
    """Read every note with a ``#flashcards`` tag; hidden folders are skipped.

    Returns the decks (one per deck name, ``DeckFile.path`` is its first note) and warnings.
    """
    if not folder.is_dir():
        raise BadInputError(f"{folder}: not a folder")
    warnings: list[str] = []
    decks: dict[str, list[tuple[Path, list[NoteSpec]]]] = {}
    paths = sorted(itertools.islice(folder.rglob("*.md"), limits.MAX_MEMBERS + 1))
    limits.check_count(folder, len(paths))
    total = 0
    for path in paths:
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if not inside_root(path, folder):
            warnings.append(f"{path}: a symlink leading outside the vault; skipped")
            continue
        text = _read_note(path, warnings)
        if text is None:
            continue
        total += len(text)
        limits.check_total(folder, total)
        deck, notes = _parse_note(text, relative, str(path), warnings)
        if deck is None:
            continue
        if not notes:
            warnings.append(f"{path}: tagged #{FLASHCARDS} but holds no cards")
            continue
        decks.setdefault(deck, []).append((path, _local_images(notes, path, folder, warnings)))
    if not decks:
        raise BadInputError(
            f"{folder}: no flashcards found (notes need a #{FLASHCARDS} tag and cards "
            "such as 'question::answer')"
        )
    return _deck_files(decks, warnings), warnings


def vault_media(folder: Path, decks: list[DeckFile]) -> dict[str, Path]:
    """``<deck uid>:<link>`` -> image file inside the vault, for the decks' image links
    (which :func:`read_vault` made relative to the vault's root)."""
    media: dict[str, Path] = {}
    total = 0
    for deck in decks:
        for note in deck.notes:
            for link in image_links(note):
                key = f"{deck.uid}:{link}"
                if REMOTE.match(link) or key in media:
                    continue
                found = resolve(unquote(link), folder, folder)
                if isinstance(found, Path):
                    total += found.stat().st_size
                    limits.check_total(folder, total)
                    media[key] = found
    limits.check_count(folder, len(media))
    return media


def _local_images(
    specs: list[NoteSpec], path: Path, folder: Path, warnings: list[str]
) -> list[NoteSpec]:
    """Image links made relative to the vault's root; links leading outside it are left
    as they are (they show as missing) with a warning."""
    root = folder.resolve()
    out: list[NoteSpec] = []
    for spec in specs:
        change: dict[str, str] = {}
        for link in image_links(spec):
            if REMOTE.match(link) or link in change:
                continue
            found = resolve(link, path.parent, folder)
            if found == "not found":  # Obsidian also looks from the vault's root
                found = resolve(link, folder, folder)
            if isinstance(found, str):
                warnings.append(f"{path}:{spec.line}: image '{link}' {found}")
                continue
            change[link] = quote(found.relative_to(root).as_posix())
        out.append(rewrite_links(spec, change))
    return out


def _read_note(path: Path, warnings: list[str]) -> str | None:
    try:
        if path.stat().st_size > limits.MAX_TEXT_BYTES:
            warnings.append(
                f"{path}: larger than the limit of {limits.describe(limits.MAX_TEXT_BYTES)}; "
                "skipped"
            )
            return None
        return path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        warnings.append(f"{path}: cannot be read ({exc.strerror or exc}); skipped")
    except UnicodeDecodeError:
        warnings.append(f"{path}: not UTF-8 text; skipped")
    return None


def _deck_files(
    decks: dict[str, list[tuple[Path, list[NoteSpec]]]], warnings: list[str]
) -> list[DeckFile]:
    out: list[DeckFile] = []
    uids: set[str] = set()
    for name, files in decks.items():
        uid = "obsidian-" + _slug(name)
        if uid in uids:
            uid += "-" + hashlib.sha1(name.encode()).hexdigest()[:6]
        uids.add(uid)
        seen: dict[str, str] = {}
        notes: list[NoteSpec] = []
        for path, specs in files:
            for spec in specs:
                where = f"{path}:{spec.line}"
                if spec.card_id in seen:
                    warnings.append(f"{where}: the same question as {seen[spec.card_id]}; skipped")
                    continue
                seen[spec.card_id or ""] = where
                notes.append(spec)
        out.append(DeckFile(uid=uid, name=name, notes=tuple(notes), path=str(files[0][0])))
    return out


def _slug(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
    return slug or hashlib.sha1(name.encode()).hexdigest()[:10]


def _parse_note(
    text: str, relative: PurePath, where: str, warnings: list[str]
) -> tuple[str | None, list[NoteSpec]]:
    """The note's deck (None without a flashcards tag) and its cards."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start, tags = _front_matter(lines, where, warnings)
    marked = [(start + i + 1, line, code) for i, line, code in iter_outside_code(lines[start:])]
    for _, line, code in marked:
        if not code:
            tags.extend(_tags(line))
    deck_tags = [tag for tag in tags if _is_deck_tag(tag)]
    if not deck_tags:
        return None, []
    deck = _deck_name(deck_tags[0], relative)
    if any(_deck_name(tag, relative) != deck for tag in deck_tags):
        warnings.append(f"{where}: several #{FLASHCARDS} tags; every card goes to '{deck}'")
    others: dict[str, str] = {}
    for tag in tags:
        if not _is_deck_tag(tag):
            others.setdefault(tag.casefold(), tag)
    specs: list[NoteSpec] = []
    for paragraph in _paragraphs(marked):
        for card in _cards(paragraph, where, warnings):
            specs.append(_spec(card, tuple(others.values())))
    return deck, specs


def _front_matter(lines: list[str], where: str, warnings: list[str]) -> tuple[int, list[str]]:
    """Index of the first body line and the front matter's tags."""
    if not lines or lines[0].strip() != "---":
        return 0, []
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        return 0, []
    try:
        meta = yaml.safe_load("\n".join(lines[1:end]))
    except (yaml.YAMLError, ValueError, TypeError, RecursionError):
        warnings.append(f"{where}:2: the front matter is not valid YAML; its tags are ignored")
        return end + 1, []
    raw = (meta.get("tags") or meta.get("tag")) if isinstance(meta, dict) else None
    if isinstance(raw, str):
        raw = re.split(r"[,\s]+", raw)
    if not isinstance(raw, list):
        return end + 1, []
    tags = [str(tag).strip().lstrip("#") for tag in raw if isinstance(tag, str | int)]
    return end + 1, [tag for tag in tags if _TAG.fullmatch("#" + tag) and _valid_tag(tag)]


def _without_sr_comments(line: str) -> str:
    """The line without ``<!--SR:...-->``; only text before the last ``-->`` is searched,
    so unclosed comments cannot make the search quadratic."""
    end = line.rfind("-->")
    return line if end < 0 else _SR_COMMENT.sub("", line[: end + 3]) + line[end + 3 :]


def _last_closing(masked: str) -> int:
    """Where a ``==highlight==`` can end at the latest (just after the last ``==`` that
    follows a non-space; one more for an overlapping ``===``): searching no further
    keeps highlight matching linear."""
    last = 0
    for m in _CLOSING.finditer(masked):
        last = m.end()
    return min(len(masked), last + 1) if last else 0


def _mask_code(line: str) -> str:
    """The line with inline code spans blanked out (same length)."""
    return _INLINE_CODE.sub(lambda m: "\x00" * len(m.group()), line)


def _tags(line: str) -> list[str]:
    found = (m.group(1).strip("/") for m in _TAG.finditer(_mask_code(line)))
    return [tag for tag in found if _valid_tag(tag)]


def _valid_tag(tag: str) -> bool:
    return bool(tag) and not _NOT_A_TAG.fullmatch(tag)


def _is_deck_tag(tag: str) -> bool:
    lower = tag.casefold()
    return lower == FLASHCARDS or lower.startswith(FLASHCARDS + "/")


def _deck_name(tag: str, relative: PurePath) -> str:
    parts = [part.strip() for part in tag.split("/")[1:] if part.strip()]
    if not parts:
        parts = [part.strip() for part in relative.parent.parts if part.strip()]
    return "::".join(parts) or ROOT_DECK


def _paragraphs(marked: list[_Line]) -> list[list[_Line]]:
    """Runs of lines between blank lines, headings and tag-only lines.

    Scheduling comments are removed; a fenced code block belongs to its paragraph.
    """
    paragraphs: list[list[_Line]] = []
    current: list[_Line] = []
    for number, line, code in marked:
        if not code:
            cleaned = _without_sr_comments(line).rstrip()
            if cleaned != line.rstrip() and not cleaned.strip():
                continue  # a line holding only a scheduling comment
            line = cleaned
            masked = _mask_code(line)
            if not line.strip() or _HEADING.match(line) or not _TAG.sub("", masked).strip():
                if current:
                    paragraphs.append(current)
                current = []
                continue
        current.append((number, line, code))
    if current:
        paragraphs.append(current)
    return paragraphs


def _cards(paragraph: list[_Line], where: str, warnings: list[str]) -> list[_Card]:
    for index, (number, line, code) in enumerate(paragraph):
        if not code and line.strip() in ("?", "??"):
            kind = NoteKind.REVERSED if line.strip() == "??" else NoteKind.BASIC
            question, answer = paragraph[:index], [t for _, t, _ in paragraph[index + 1 :]]
            if not question or not any(t.strip() for t in answer):
                warnings.append(f"{where}:{number}: '{line.strip()}' needs lines above and below")
                return []
            key = "\n".join(t.strip() for _, t, _ in question)
            return [_Card(question[0][0], question, answer, kind, key)]
    cards: list[_Card] = []
    run: list[_Line] = []
    for item in paragraph:
        number, line, code = item
        split = None if code else _split(line)
        if split is None:
            run.append(item)
            continue
        cards.extend(_cloze(run))
        run = []
        front, back, kind = split
        if front.strip() and back.strip():
            side = [(number, front.strip(), False)]
            cards.append(_Card(number, side, [back.strip()], kind, front.strip()))
        else:
            warnings.append(f"{where}:{number}: a one-line card needs text on both sides")
    cards.extend(_cloze(run))
    return cards


def _split(line: str) -> tuple[str, str, NoteKind] | None:
    masked = _mask_code(line)
    for separator, kind in _SEPARATORS:
        index = masked.find(separator)
        if index >= 0:
            return line[:index], line[index + len(separator) :], kind
    return None


def _cloze(run: list[_Line]) -> list[_Card]:
    """A cloze card when the lines hold ``==highlights==`` (outside code)."""
    number = 0
    converted: list[_Line] = []
    for line_no, line, code in run:
        if not code:
            parts: list[str] = []
            last = 0
            masked = _mask_code(line)
            for m in _HIGHLIGHT.finditer(masked, 0, _last_closing(masked)):
                number += 1
                parts += [
                    line[last : m.start()],
                    f"{{{{c{number}::{line[m.start(1) : m.end(1)]}}}}}",
                ]
                last = m.end()
            line = "".join(parts) + line[last:]
        converted.append((line_no, line, code))
    if not number:
        return []
    key = "\n".join(t.strip() for _, t, _ in run)
    return [_Card(run[0][0], converted, [], NoteKind.CLOZE, key)]


def _spec(card: _Card, tags: tuple[str, ...]) -> NoteSpec:
    """The card as a deck-file note: the first question line is the prompt."""
    lines = card.question
    first = next((i for i, (_, text, code) in enumerate(lines) if not code), None)
    prompt = lines[first][1].strip() if first is not None else "(code)"
    rest = [text for i, (_, text, _) in enumerate(lines) if i != first]
    digest = hashlib.sha1(card.key.encode()).hexdigest()[:12]
    return NoteSpec(
        prompt=prompt,
        front=trim_lines(rest),
        answer=trim_lines(card.answer),
        kind=card.kind,
        card_id=f"obs-{digest}",
        tags=tags,
        line=card.line,
    )
