"""Packages built by the real Anki, and Anki's own reading of them, for comparisons."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app.core.render import sanitise
from app.storage.collection import Collection

anki_collection = pytest.importorskip("anki.collection")

_STYLE = re.compile(r"<style>.*?</style>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def plain(rendered: str) -> str:
    """Rendered HTML as the text a user reads: no style sheet, no tags, spaces collapsed."""
    return " ".join(html.unescape(_TAG.sub(" ", _STYLE.sub("", rendered))).split())


def new_anki(folder: Path, name: str = "src") -> Any:
    folder.mkdir(parents=True, exist_ok=True)
    return anki_collection.Collection(str(folder / f"{name}.anki2"))


def export(col: Any, out: Path, *, legacy: bool) -> Path:
    options = anki_collection.ExportAnkiPackageOptions(
        with_scheduling=True, with_deck_configs=True, with_media=True, legacy=legacy
    )
    col.export_anki_package(out_path=str(out), options=options, limit=None)
    return out


def import_into_anki(package: Path, folder: Path) -> Any:
    from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col = new_anki(folder, "dest")
    col.import_anki_package(
        ImportAnkiPackageRequest(
            package_path=str(package),
            options=ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True),
        )
    )
    return col


def cirrus_cards(col: Collection) -> dict[tuple[str, int], int]:
    """Cirrus card ids by (Anki guid, template ordinal)."""
    with col.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT n.uid, c.ord, c.id FROM card c JOIN note n ON n.id = c.note_id")
        )
        return {(str(uid).removeprefix("guid:"), int(o)): int(i) for uid, o, i in rows}


def cirrus_sides(col: Collection, card_id: int) -> tuple[str, str]:
    """What the card view shows (sanitised HTML), as plain text: question, answer."""
    card = col.card(card_id)
    return plain(sanitise(card.front)), plain(sanitise(card.answer))


def anki_sides(card: Any) -> tuple[str, str]:
    return plain(card.question()), plain(card.answer())
