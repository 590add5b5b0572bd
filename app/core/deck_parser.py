"""Parse Markdown deck files (format v1) into :class:`DeckFile` objects.

See ``docs/deck-format.md``. Every error names the file and line.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from app.core.choice import is_choice
from app.core.cloze import cloze_numbers, malformed_cloze
from app.core.errors import DeckParseError
from app.core.markdown_blocks import closes_fence, fence_marker, trim_lines
from app.core.models import DeckFile, NoteKind, NoteSpec

_CARD = re.compile(r"^##(?:[ \t]+(.*?))?[ \t]*#*[ \t]*$")
_SECTION = re.compile(r"^#(?:[ \t]|$)")
_META = re.compile(r"^\s*<!--\s*((?:id|tags|type|source|verified|case|exact)\s*:.*?)\s*-->\s*$")
_SPLIT = re.compile(r"^\?\?\?\s*$")
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_TYPES = {"basic": NoteKind.BASIC, "reversed": NoteKind.REVERSED, "cloze": NoteKind.CLOZE}
_TYPES.update(choice=NoteKind.CHOICE, input=NoteKind.INPUT, case=NoteKind.CASE)
META_KEYS = ("id", "tags", "type", "source", "verified", "case", "exact")
_FROM_BASIC = (NoteKind.REVERSED, NoteKind.INPUT, NoteKind.CASE)
_BOOLEANS = {"true": True, "yes": True, "false": False, "no": False}


@dataclass
class _RawCard:
    line: int
    prompt: str
    body: list[tuple[int, str, bool]] = field(default_factory=list)


def parse_deck_file(path: Path) -> DeckFile:
    """Read and parse one deck file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DeckParseError(path, 0, f"cannot read the file: {exc.strerror}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DeckParseError(path, line, "the file is not UTF-8 text") from exc
    return parse_deck(text, path)


def parse_deck(text: str, path: Path | str | None = None) -> DeckFile:
    """Parse the text of a deck file."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n")
    meta, start = _front_matter(lines, path)
    uid, name, tags, source = _deck_header(meta, path)

    description: list[tuple[int, str, bool]] = []
    cards: list[_RawCard] = []
    current: _RawCard | None = None
    opener: str | None = None
    opener_line = 0
    for index in range(start, len(lines)):
        line, number = lines[index], index + 1
        if opener is not None:
            if closes_fence(line, opener):
                opener = None
            _add(current, description, (number, line, True))
            continue
        marker = fence_marker(line)
        if marker is not None:
            opener, opener_line = marker, number
            _add(current, description, (number, line, True))
            continue
        card = _CARD.match(line)
        if card:
            prompt = (card.group(1) or "").strip()
            if not prompt:
                raise DeckParseError(path, number, "a card heading needs a prompt after '## '")
            current = _RawCard(number, prompt)
            cards.append(current)
        elif _SECTION.match(line):
            current = None
        else:
            _add(current, description, (number, line, False))
    if opener is not None:
        raise DeckParseError(path, opener_line, "this code fence is never closed")

    warnings: list[str] = []
    notes = [_note(raw, uid, path, warnings) for raw in cards]
    seen: dict[str, int] = {}
    for note in notes:
        if note.card_id is None:
            continue
        if note.card_id in seen:
            raise DeckParseError(
                path,
                note.line,
                f"card id '{note.card_id}' is used twice (first on line {seen[note.card_id]})",
            )
        seen[note.card_id] = note.line
    return DeckFile(
        uid=uid,
        name=name,
        tags=tags,
        source=source,
        description=trim_lines([t for _, t, _ in description]),
        notes=tuple(notes),
        warnings=tuple(warnings),
        path=str(path) if path is not None else None,
    )


def note_uid(deck_uid: str, note: NoteSpec) -> str:
    """Stable identity of a note: deck id + card id, else a hash of the prompt."""
    if note.card_id:
        return f"{deck_uid}/{note.card_id}"
    normal = " ".join(note.prompt.lower().split())
    return f"{deck_uid}/h-{hashlib.sha1(normal.encode()).hexdigest()[:12]}"


def _add(
    current: _RawCard | None, description: list[tuple[int, str, bool]], item: tuple[int, str, bool]
) -> None:
    (current.body if current is not None else description).append(item)


def _front_matter(lines: list[str], path: Path | str | None) -> tuple[dict[str, object], int]:
    if not lines or lines[0].strip() != "---":
        raise DeckParseError(path, 1, "a deck file starts with '---' and YAML front matter")
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        raise DeckParseError(path, 1, "the front matter is never closed with '---'")
    try:
        meta = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise DeckParseError(path, line, f"front matter: {problem}") from exc
    except (ValueError, RecursionError) as exc:  # impossible dates, absurd nesting
        raise DeckParseError(path, 2, f"front matter: {exc}") from exc
    if not isinstance(meta, dict):
        raise DeckParseError(path, 2, "the front matter must be a set of 'key: value' lines")
    return meta, end + 1


def _deck_header(
    meta: dict[str, object], path: Path | str | None
) -> tuple[str, str, tuple[str, ...], str | None]:
    uid, name = meta.get("id"), meta.get("deck")
    if not isinstance(uid, str) or not _SLUG.match(uid):
        raise DeckParseError(path, 2, "front matter needs 'id:', a slug such as ai200-service-bus")
    if not isinstance(name, str) or not name.strip():
        raise DeckParseError(path, 2, "front matter needs 'deck:', the deck's display name")
    parts = [p.strip() for p in name.split("::")]
    if any(not p for p in parts):
        raise DeckParseError(path, 2, f"deck name '{name}' has an empty level between '::'")
    raw_tags = meta.get("tags", [])
    if isinstance(raw_tags, str):
        raw_tags = raw_tags.replace(",", " ").split()
    if not isinstance(raw_tags, list) or not all(isinstance(t, str) for t in raw_tags):
        raise DeckParseError(path, 2, "front matter 'tags' must be a list of words")
    source = meta.get("source")
    if source is not None and not isinstance(source, str):
        raise DeckParseError(path, 2, "front matter 'source' must be a URL")
    return uid, "::".join(parts), tuple(_check_tags(raw_tags, path, 2)), source


def _check_tags(tags: list[str], path: Path | str | None, line: int) -> list[str]:
    for tag in tags:
        if not tag or any(c.isspace() or c in ";,\"'" for c in tag):
            raise DeckParseError(path, line, f"tag '{tag}' may not contain spaces or ; , quotes")
    return tags


def _metadata(text: str, path: Path | str | None, line: int) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition(":")
        key = key.strip().lower()
        if not sep or key not in META_KEYS:
            raise DeckParseError(
                path,
                line,
                f"unknown card metadata '{part.strip()}' (known: {', '.join(META_KEYS)})",
            )
        if key in out:
            raise DeckParseError(path, line, f"card metadata '{key}' is given twice")
        out[key] = value.strip()
    return out


def _note(raw: _RawCard, deck_uid: str, path: Path | str | None, warnings: list[str]) -> NoteSpec:
    meta: dict[str, str] | None = None
    front: list[str] | None = None
    answer: list[str] = []
    for number, line, code in raw.body:
        if not code:
            m = _META.match(line)
            if m:
                if meta is not None:
                    raise DeckParseError(path, number, "a card has one metadata comment at most")
                meta = _metadata(m.group(1), path, number)
                continue
            if _SPLIT.match(line):
                if front is not None:
                    raise DeckParseError(path, number, "'???' appears twice in one card")
                front, answer = answer, []
                continue
        answer.append(line)
    meta = meta or {}
    prompt = raw.prompt
    front_text = trim_lines(front or [])
    answer_text = trim_lines(answer)

    verified = meta.get("verified") or None
    if verified is not None:
        try:
            date.fromisoformat(verified)
        except ValueError:
            raise DeckParseError(
                path, raw.line, f"verified date '{verified}' is not YYYY-MM-DD"
            ) from None
    card_id = meta.get("id") or None
    if card_id is not None and not _SLUG.match(card_id):
        raise DeckParseError(path, raw.line, f"card id '{card_id}' must be a slug (a-z, 0-9, -)")
    tags = tuple(_check_tags(meta.get("tags", "").split(), path, raw.line))
    bad = malformed_cloze(prompt + "\n" + front_text)
    if bad is not None:
        raise DeckParseError(path, raw.line, f"malformed cloze near '{bad}'")

    kind = _kind(prompt, front_text, meta.get("type"), path, raw.line)
    case, exact = _case_and_exact(meta, kind, path, raw.line)
    if kind == NoteKind.BASIC and cloze_numbers(answer_text) and not front:
        warnings.append(
            f"{path}:{raw.line}: cloze markers in the answer are shown as text; "
            "put them in the heading or before '???'"
        )
    if card_id is None:
        warnings.append(f"{path}:{raw.line}: card has no id; its identity falls back to its prompt")
    return NoteSpec(
        prompt=prompt,
        front=front_text,
        answer=answer_text,
        kind=kind,
        card_id=card_id,
        tags=tags,
        source=meta.get("source") or None,
        verified=verified,
        line=raw.line,
        explicit_type="type" in meta,
        case=case,
        exact=exact,
    )


def _kind(
    prompt: str, front: str, type_name: str | None, path: Path | str | None, line: int
) -> NoteKind:
    kind = _infer_kind(prompt, front)
    if type_name is None:
        return kind
    wanted = _TYPES.get(type_name.lower())
    if wanted is None:
        raise DeckParseError(
            path, line, f"unknown card type '{type_name}' (known: {', '.join(_TYPES)})"
        )
    if wanted in _FROM_BASIC and kind == NoteKind.BASIC:
        return wanted
    if wanted != kind:
        raise DeckParseError(
            path,
            line,
            f"type '{type_name}' does not fit this card, which reads as {kind.name.lower()}",
        )
    return kind


def _case_and_exact(
    meta: dict[str, str], kind: NoteKind, path: Path | str | None, line: int
) -> tuple[str | None, bool]:
    case = meta.get("case") or None
    if case is not None:
        if not _SLUG.match(case):
            raise DeckParseError(path, line, f"case '{case}' must be the card id of a case study")
        if kind == NoteKind.CASE:
            raise DeckParseError(path, line, "a case study cannot itself belong to a case")
    raw_exact = meta.get("exact")
    if raw_exact is None:
        return case, False
    exact = _BOOLEANS.get(raw_exact.lower())
    if exact is None:
        raise DeckParseError(path, line, f"exact must be true or false, not '{raw_exact}'")
    if kind != NoteKind.INPUT:
        raise DeckParseError(path, line, "'exact' applies to typed answers (type: input) only")
    return case, exact


def _infer_kind(prompt: str, front: str) -> NoteKind:
    if cloze_numbers(prompt + "\n" + front):
        return NoteKind.CLOZE
    if is_choice(front):
        return NoteKind.CHOICE
    return NoteKind.BASIC
