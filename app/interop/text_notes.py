"""Anki-style text files (CSV/TSV) as a :class:`ForeignBatch`.

A file may start with Anki's header lines (``#separator:tab``, ``#html:true``,
``#guid column:1`` ...); the rows below are parsed with the :mod:`csv` module. The
file's headers win over :class:`TextOptions`, which fill in what a plain CSV leaves
open; only a column mapping (``TextOptions.columns``) wins over column headers.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import html
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from app.core.errors import BadInputError
from app.core.input_limits import MAX_TEXT_BYTES, describe
from app.interop.foreign import BASIC, ForeignBatch, ForeignNote, ForeignNotetype, Template

DELIMITER_NAMES = {
    "tab": "\t",
    "comma": ",",
    "semicolon": ";",
    "pipe": "|",
    "space": " ",
    "colon": ":",
}
_SNIFFED = ("\t", ",", ";", "|")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SPECIAL = ("guid", "notetype", "deck", "tags")
_KNOWN_KEYS: tuple[str, ...] = ("separator", "html", "tags", "deck", "notetype", "columns")
_KNOWN_KEYS += tuple(f"{role} column" for role in _SPECIAL)
_KNOWN_KEYS += ("if matches", "match scope")
_CHOICE_HEADERS = {  # Anki's header values -> Cirrus's import choices
    "if matches": (
        "duplicates",
        {"update current": "update", "keep current": "keep", "keep both": "duplicate"},
    ),
    "match scope": ("match_scope", {"notetype": "notetype", "notetype + deck": "deck"}),
}
_HEADER_LINE = re.compile(r"#\s*([A-Za-z][A-Za-z ]*):(.*)", re.DOTALL)
_BAD_FIELD_NAME = re.compile(r'^[#/^]|[:{}"]')
_ROLES = "front, back, field:<name>, tags, deck, guid, ignore"
_HTML = re.compile(
    r"<(?:[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?|/[A-Za-z][A-Za-z0-9-]*\s*)>"
    r"|&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);"
)
_ANSWER = "{{FrontSide}}<hr id=answer>"


@dataclass(frozen=True)
class TextOptions:
    """Choices for a text file; the file's own header lines take precedence."""

    delimiter: str | None = None
    """A single character or a name: tab, comma, semicolon, pipe, space, colon."""
    html: bool | None = None
    """None: fields are HTML when any of them holds a tag or an entity."""
    deck: str | None = None
    notetype: str | None = None
    columns: tuple[str, ...] | None = None
    """One role per column: front, back, field:<name>, tags, deck, guid, ignore."""
    has_header_row: bool = False
    """Skip the first row (column titles of a plain CSV)."""


@dataclass
class _Plan:
    """Which column holds what (0-based)."""

    guid: int | None = None
    notetype: int | None = None
    deck: int | None = None
    tags: int | None = None
    fields: list[int] | None = None
    """Field columns of a column mapping; None: every column without another role."""
    names: tuple[str, ...] | None = None
    mapped_notetype: str | None = None


@dataclass
class _Header:
    delimiter: str | None = None
    html: bool | None = None
    tags: tuple[str, ...] = ()
    deck: str | None = None
    notetype: str | None = None
    plan: _Plan = field(default_factory=_Plan)
    choices: dict[str, str] = field(default_factory=dict)
    end: int = 0
    """Index of the first line below the header."""


@dataclass
class _Row:
    line: int
    notetype: str | None
    fields: list[str]
    tags: tuple[str, ...]
    deck: str
    guid: str


_TOO_LARGE = f"the file is larger than the limit of {describe(MAX_TEXT_BYTES)}; refused"


def read_text(path: Path) -> str:
    """Read a text file as UTF-8 (with or without BOM) or UTF-16."""
    try:
        if path.is_dir():
            raise BadInputError(f"{path}: is a folder, not a text file")
        if path.stat().st_size > MAX_TEXT_BYTES:
            raise BadInputError(f"{path}: {_TOO_LARGE}")
        data = path.read_bytes()
    except OSError as exc:
        raise BadInputError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    return decode_text(data, str(path))


def decode_text(data: bytes, source: str = "<text>") -> str:
    """Decode the bytes of a text file; binary or undecodable data is refused."""
    if len(data) > MAX_TEXT_BYTES:
        raise BadInputError(f"{source}: {_TOO_LARGE}")
    encoding, start = "utf-8", 0
    for bom, name in _BOMS:
        if data.startswith(bom):
            encoding, start = name, len(bom)
            break
    else:
        encoding = _utf16_without_bom(data) or encoding
        if encoding == "utf-8" and b"\x00" in data:
            raise BadInputError(f"{source}: a binary file (it contains NUL bytes), not text")
    try:
        text = data[start:].decode(encoding)
    except UnicodeDecodeError as exc:
        end = exc.start + start
        line = data[:end].count(b"\n") + 1
        where = f"line {line}" if encoding == "utf-8" else f"byte {end}"
        raise BadInputError(f"{source}: not UTF-8 or UTF-16 text (bad data at {where})") from exc
    sample = text[:4096]
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\t\n\r\f\v")
    if "\x00" in text or controls > len(sample) * 0.1:
        raise BadInputError(f"{source}: a binary file (control characters), not text")
    return text


def _utf16_without_bom(data: bytes) -> str | None:
    """The UTF-16 byte order when every other byte is mostly NUL, as in UTF-16 text."""
    sample = data[:4096]
    if len(data) % 2 or len(sample) < 4:
        return None
    pairs = len(sample) // 2
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= pairs * 0.5 and even <= pairs * 0.05:
        return "utf-16-le"
    if even >= pairs * 0.5 and odd <= pairs * 0.05:
        return "utf-16-be"
    return None


def parse_text_notes(
    text: str, options: TextOptions | None = None, *, source: str = "<text>"
) -> ForeignBatch:
    """Parse an Anki-style CSV/TSV text; note types are made from the names it uses."""
    opts = options or TextOptions()
    batch = ForeignBatch(format="csv")
    lines = list(io.StringIO(text, newline=""))
    header = _parse_header(lines, source, batch.warnings)
    delimiter = header.delimiter
    if delimiter is None and opts.delimiter is not None:
        delimiter = _delimiter(opts.delimiter)
        if delimiter is None:
            raise BadInputError(f"{source}: unknown delimiter {opts.delimiter!r}")
    rows = _read_rows(lines, header.end, delimiter or _sniff(lines, header.end), source)
    if opts.has_header_row and rows:
        rows.pop(0)
    plan = _plan(header, opts, source)
    is_html = header.html if header.html is not None else opts.html
    if is_html is None:
        is_html = any(_HTML.search(cell) for _, cells in rows for cell in cells)
    defaults = (header.notetype or opts.notetype, header.deck or opts.deck or "Default")
    parsed: list[_Row] = []
    beyond = len(opts.columns) if opts.columns is not None else None
    for line, cells in rows:
        if beyond is not None and any(cell.strip() for cell in cells[beyond:]):
            batch.warnings.append(f"{source}:{line}: columns beyond the mapping are ignored")
            beyond = None
        row = _row(line, cells, plan, defaults, header.tags, is_html)
        if not row.fields or not row.fields[0].strip():
            batch.skipped += 1
            batch.warnings.append(f"{source}:{line}: the first field is empty; row skipped")
        else:
            parsed.append(row)
    _build(parsed, plan, batch, source)
    batch.tags_column = plan.tags is not None
    batch.text_choices = dict(header.choices)
    if not batch.notes and not batch.skipped:
        raise BadInputError(f"{source}: no notes found")
    return batch


def _parse_header(lines: list[str], source: str, warnings: list[str]) -> _Header:
    """Read the ``#key:value`` lines at the top; a ``#`` line without a colon is a comment.

    A ``#`` line that holds the separator but no known key is the first row (Anki quotes
    such fields; other writers may not).
    """
    header = _Header()
    while header.end < len(lines) and lines[header.end].startswith("#"):
        line = lines[header.end]
        match = _HEADER_LINE.match(line)
        key = match.group(1).strip().lower() if match else ""
        if key not in _KNOWN_KEYS and any(c in line for c in header.delimiter or "\t,;|"):
            break
        header.end += 1
        if match is None:
            continue
        value = match.group(2).removesuffix("\n").removesuffix("\r")
        where = f"{source}:{header.end}"
        if key not in _KNOWN_KEYS:
            warnings.append(f"{where}: unknown header '#{key}:' ignored")
        elif key == "separator":
            header.delimiter = _delimiter(value)
            if header.delimiter is None:
                raise BadInputError(f"{where}: unknown separator {value.strip()!r}")
        elif key == "html":
            if value.strip().lower() not in ("true", "false"):
                raise BadInputError(f"{where}: '#html:' takes true or false, not {value!r}")
            header.html = value.strip().lower() == "true"
        elif key == "tags":
            header.tags = tuple(value.split())
        elif key in _CHOICE_HEADERS:
            name, values = _CHOICE_HEADERS[key]
            found = values.get(value.strip().lower())
            if found is None:
                warnings.append(f"{where}: '#{key}:' value {value.strip()!r} ignored")
            else:
                header.choices[name] = found
        elif key in ("deck", "notetype"):
            setattr(header, key, value.strip() or None)
        elif key != "columns":  # column titles are not needed
            column = int(value.strip()) if value.strip().isdecimal() else 0
            if column < 1:
                raise BadInputError(f"{where}: '#{key}:' needs a column number from 1")
            role = key.split()[0]
            if any(getattr(header.plan, r) == column - 1 for r in _SPECIAL if r != role):
                raise BadInputError(f"{where}: column {column} already has another role")
            setattr(header.plan, role, column - 1)
    return header


def _delimiter(value: str) -> str | None:
    char = value if len(value) == 1 else DELIMITER_NAMES.get(value.strip().lower())
    if char is None and len(value.strip()) == 1:
        char = value.strip()
    return None if char is None or char in '"\r\n\x00' else char


def _sniff(lines: list[str], start: int) -> str:
    """The delimiter that splits the first rows most evenly; tab wins ties."""
    sample = lines[start : start + 200]
    best, best_score = "\t", 0.0
    for delimiter in _SNIFFED:
        try:
            rows = [r for r in csv.reader(sample, delimiter=delimiter) if r][:50]
        except csv.Error:
            continue
        if len(rows) > 1 and len(lines) > start + 200:
            rows.pop()  # may be cut short
        counts = Counter(len(r) for r in rows)
        if counts and max(counts) > 1:
            mode, hits = counts.most_common(1)[0]
            score = hits / len(rows) if mode > 1 else 0.0
            if score > best_score:
                best, best_score = delimiter, score
    return best


def _read_rows(
    lines: list[str], start: int, delimiter: str, source: str
) -> list[tuple[int, list[str]]]:
    """(line number, cells) of each row that is not blank."""
    rows: list[tuple[int, list[str]]] = []
    old_limit = csv.field_size_limit(MAX_TEXT_BYTES)
    try:
        reader = csv.reader(lines[start:], delimiter=delimiter, quotechar='"', doublequote=True)
        while True:
            line = start + reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return rows
            except csv.Error as exc:
                raise BadInputError(f"{source}:{line}: {exc}") from exc
            if any(cell.strip() for cell in cells):
                rows.append((line, cells))
    finally:
        csv.field_size_limit(old_limit)


def _plan(header: _Header, opts: TextOptions, source: str) -> _Plan:
    if opts.columns is None:
        return header.plan
    plan = _Plan()
    names: list[str] = []
    columns: list[int] = []
    for index, role in enumerate(opts.columns):
        where, word = f"{source}: column {index + 1}", role.strip().lower()
        name = role.strip()[6:].strip() if word.startswith("field:") else word.capitalize()
        if word in ("tags", "deck", "guid"):
            if getattr(plan, word) is not None:
                raise BadInputError(f"{where}: the role '{word}' is given twice")
            setattr(plan, word, index)
        elif word.startswith("field:") or word in ("front", "back"):
            if not name or name in names or _BAD_FIELD_NAME.search(name):
                raise BadInputError(f"{where}: field name {name!r} is empty, taken or invalid")
            names.append(name)
            columns.append(index)
        elif word != "ignore":
            raise BadInputError(f"{where}: unknown role {role!r} ({_ROLES})")
    if any(role.strip().lower().startswith("field:") for role in opts.columns):
        plan.names, plan.mapped_notetype = tuple(names), opts.notetype or "Imported"
    elif "Front" not in names:
        raise BadInputError(f"{source}: the column mapping needs a 'front' or 'field:' column")
    else:  # Basic: Front first
        front = columns[names.index("Front")]
        columns.sort(key=lambda c: c != front)
    plan.fields = columns
    return plan


def _row(
    line: int,
    cells: list[str],
    plan: _Plan,
    defaults: tuple[str | None, str],
    global_tags: tuple[str, ...],
    is_html: bool,
) -> _Row:
    def cell(index: int | None) -> str:
        return cells[index] if index is not None and index < len(cells) else ""

    if plan.fields is not None:
        raw = [cell(index) for index in plan.fields]
        notetype = plan.mapped_notetype
    else:
        special = {plan.guid, plan.notetype, plan.deck, plan.tags}
        raw = [c for i, c in enumerate(cells) if i not in special]
        notetype = cell(plan.notetype).strip() or defaults[0]
    fields = raw if is_html else [_escape(value) for value in raw]
    tags = tuple(dict.fromkeys((*global_tags, *cell(plan.tags).split())))
    deck = cell(plan.deck).strip() or defaults[1]
    return _Row(line, notetype, fields, tags, deck, cell(plan.guid).strip())


def _escape(value: str) -> str:
    escaped = html.escape(value, quote=False)
    return escaped.replace("\r\n", "<br>").replace("\r", "<br>").replace("\n", "<br>")


def _build(rows: list[_Row], plan: _Plan, batch: ForeignBatch, source: str) -> None:
    """Note types sized by the most fields their rows use, then the notes."""
    counts: dict[str, int] = {}
    for row in rows:
        if row.notetype is not None and row.notetype != BASIC.key:
            used = len(row.fields)
            while used > 1 and not row.fields[used - 1].strip():
                used -= 1
            counts[row.notetype] = max(counts.get(row.notetype, 0), used)
    for name, count in counts.items():
        mapped = plan.names if name == plan.mapped_notetype else None
        batch.notetypes[name] = _notetype(name, count, mapped)
    guids: dict[str, int] = {}
    repeats: dict[str, int] = {}
    basic_extra = False
    for row in rows:
        notetype = batch.notetypes.get(row.notetype or "", BASIC)
        width = len(notetype.fields)
        if notetype is BASIC and not basic_extra and any(v.strip() for v in row.fields[width:]):
            basic_extra = True
            batch.warnings.append(
                f"{source}:{row.line}: Basic notes take two fields; further columns are "
                "ignored (a notetype column or a column mapping keeps them)"
            )
        fields = (row.fields + [""] * width)[:width]
        guid = row.guid or generated_guid(notetype.key, fields[0])
        if row.guid and guid in guids:
            batch.skipped += 1
            batch.warnings.append(
                f"{source}:{row.line}: the same guid as line {guids[guid]}; row skipped"
            )
            continue
        if guid in guids:  # a first field repeated: Anki imports each row, so does Cirrus
            repeats[guid] = repeats.get(guid, 0) + 1
            guid = f"{guid}-{repeats[guid]}"
        guids[guid] = row.line
        batch.notetypes.setdefault(notetype.key, notetype)
        batch.notes.append(ForeignNote(guid, notetype.key, tuple(fields), row.tags, row.deck))


def generated_guid(notetype_key: str, first_field: str) -> str:
    """Identity of a note without a guid column, the same on every import."""
    digest = hashlib.sha1(f"{notetype_key}\x1f{first_field.strip()}".encode()).hexdigest()
    return "csv:" + digest[:16]


def is_generated_guid(guid: str, notetype_key: str, first_field: str) -> bool:
    """Whether a row's guid was made from its first field (the row had no guid), also for
    a first field repeated in the file (``<guid>-<n>`` for its n-th repeat)."""
    made = generated_guid(notetype_key, first_field)
    return guid == made or (guid.startswith(made + "-") and guid[len(made) + 1 :].isdecimal())


def _notetype(name: str, count: int, names: tuple[str, ...] | None) -> ForeignNotetype:
    """A note type for a name seen in a text file, with Anki's standard fields and templates.

    ``count`` fields at least; ``names`` (from a column mapping) replace the standard ones.
    """
    lower = name.casefold()
    fields: tuple[str, ...] = ()
    if "cloze" in lower:
        fields = ("Text", "Back Extra")
    elif lower == "basic (optional reversed card)":
        fields = ("Front", "Back", "Add Reverse")
    elif lower.startswith("basic"):
        fields = ("Front", "Back")
    fields = names or fields + tuple(f"Field {i}" for i in range(len(fields) + 1, count + 1))
    fields = fields or ("Field 1",)
    first = "{{" + fields[0] + "}}"
    second = "{{" + fields[1] + "}}" if len(fields) > 1 else ""
    rest = "<br>".join("{{" + f + "}}" for f in fields[1:])
    if "cloze" in lower:
        cloze = "{{cloze:" + fields[0] + "}}"
        back = cloze + ("<br>" + second if second else "")
        return ForeignNotetype(name, name, fields, (Template("Cloze", cloze, back),), cloze=True)
    templates = [Template("Card 1", first, _ANSWER + rest)]
    if lower == "basic (and reversed card)" and len(fields) > 1:
        templates.append(Template("Card 2", second, _ANSWER + first))
    elif lower == "basic (optional reversed card)" and len(fields) > 2:
        flag = fields[2]
        question = "{{#" + flag + "}}" + second + "{{/" + flag + "}}"
        templates = [
            Template("Card 1", first, _ANSWER + second),
            Template("Card 2", question, _ANSWER + first),
        ]
    return ForeignNotetype(name, name, fields, tuple(templates))
