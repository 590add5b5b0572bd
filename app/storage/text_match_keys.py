"""How a text import finds the notes its rows match, as Anki does.

Anki compares first fields without HTML but keeps the names of media (an image-only
field ``<img src="cat.jpg">`` compares as `` cat.jpg ``; ``strip_html_preserving_media_
filenames`` in ``rslib/src/text.rs``). Cirrus stores media under content names
(``media/<sha256>.<ext>``), so a stored note's first field is compared with the names
its files were imported under. A row's note type is the one note type of that name
(ignoring case) Anki would use: when several share the name, the oldest.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlalchemy import Connection, text

from app.core.anki_template import strip_html
from app.interop.foreign import ForeignNotetype, Template
from app.storage.media_store import stored_name

_MEDIA_TAG = re.compile(
    r"""<\b(?:img|audio|video|object|source)\b(?:[^>]|"[^"]+?"|'[^']+?')+?\b(?:src|data)\b="""
    r"""(?:"([^"]+?)"[^>]*>|'([^']+?)'[^>]*>|([^ >]+?)(?: [^>]*>|>))""",
    re.IGNORECASE | re.DOTALL,
)
_STORED = re.compile(r"media/([0-9a-f]{64}(?:\.[A-Za-z0-9]{1,8})?)")


def anki_first_field_key(value: str) -> str:
    """A first field as Anki compares it: media tags become their file names, other HTML
    goes, entities are decoded."""
    named = _MEDIA_TAG.sub(lambda m: f" {m.group(1) or m.group(2) or m.group(3)} ", value)
    return strip_html(named).replace("\xa0", " ")


class MediaNames:
    """The names media files were imported under, read once when first needed."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._by_stored: dict[str, str] | None = None

    def _load(self) -> dict[str, str]:
        if self._by_stored is None:
            rows = self._conn.execute(text("SELECT sha256, name FROM media"))
            self._by_stored = {stored_name(str(s), str(n)): str(n) for s, n in rows}
        return self._by_stored

    def original(self, value: str) -> str:
        """A stored field with each ``media/<sha>.<ext>`` back to its imported name."""
        if "media/" not in value:
            return value
        names = self._load()
        return _STORED.sub(lambda m: names.get(m.group(1), m.group(0)), value)

    def stored(self) -> dict[str, str]:
        """Imported name -> stored name (the first name each content came under)."""
        out: dict[str, str] = {}
        for stored, name in self._load().items():
            out.setdefault(name, stored)
        return out

    def stored_key(self, value: str) -> str:
        return anki_first_field_key(self.original(value))


@dataclass(frozen=True)
class ChosenNotetype:
    id: int
    notetype: ForeignNotetype


def chosen_notetypes(conn: Connection, names: set[str]) -> dict[str, ChosenNotetype]:
    """Casefolded name -> the collection's note type of that name (the oldest of several)."""
    out: dict[str, ChosenNotetype] = {}
    rows = conn.execute(
        text("SELECT id, name, cloze, fields, templates, css FROM notetype ORDER BY id")
    )
    for row_id, name, cloze, fields, templates, css in rows:
        key = str(name).casefold()
        if key in names and key not in out:
            out[key] = ChosenNotetype(
                int(row_id),
                ForeignNotetype(
                    key=str(name),
                    name=str(name),
                    fields=tuple(str(f) for f in json.loads(fields or "[]")),
                    templates=tuple(Template(*t) for t in json.loads(templates or "[]")),
                    cloze=bool(cloze),
                    css=str(css or ""),
                ),
            )
    return out
