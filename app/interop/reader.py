"""Read any importable source into memory, before anything is written.

``read_source`` detects the format and parses the file (extracting media into a work
folder), so the GUI can show a preview and the import itself is one short transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.core.anki_template import generated_ords
from app.core.import_choices import ImportChoices
from app.core.models import DeckFile
from app.core.note_cards import card_ords
from app.interop.detect import detect_format
from app.interop.foreign import ForeignBatch, ForeignNote


@dataclass
class PreparedImport:
    path: Path
    format: str
    batch: ForeignBatch | None = None
    """Notes with note types (Anki packages, text files)."""
    decks: list[DeckFile] = field(default_factory=list)
    """Markdown notes (deck files, packs, Obsidian vaults)."""
    media: dict[str, Path] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    choices: ImportChoices = field(default_factory=ImportChoices)
    """What to do with notes the collection already has (set after the preview)."""

    def preview(self) -> dict[str, object]:
        """What the source holds: counts, decks, note types and warnings."""
        if self.batch is not None:
            batch = self.batch
            decks = sorted({n.deck for n in batch.notes})
            cards = sum(self._cards(n) for n in batch.notes)
            notetypes = sorted({batch.notetypes[n.notetype].name for n in batch.notes})
            notes, reviews = len(batch.notes), len(batch.reviews)
        else:
            decks = [d.name for d in self.decks]
            notes = sum(len(d.notes) for d in self.decks)
            cards = sum(len(card_ords(n)) for d in self.decks for n in d.notes)
            notetypes, reviews = ["Markdown"], 0
        return {
            "format": self.format,
            "notes": notes,
            "cards": cards,
            "decks": decks,
            "notetypes": notetypes,
            "media": len(self.media),
            "review_logs": reviews,
            "warnings": list(self.warnings),
            **(
                {"file_choices": dict(self.batch.text_choices)}
                if self.format == "csv" and self.batch is not None
                else {}
            ),
        }

    def _cards(self, note: ForeignNote) -> int:
        """The note's cards: those the source gives, else those its templates make."""
        if note.cards or self.batch is None:
            return len(note.cards)
        notetype = self.batch.notetypes[note.notetype]
        templates = [(t.qfmt, t.afmt) for t in notetype.templates]
        values = dict(zip(notetype.fields, note.fields, strict=False))
        return len(generated_ords(templates, values, notetype.cloze, tagged=bool(note.tags)) or [0])


def read_source(path: Path, workdir: Path, deck: str | None = None) -> PreparedImport:
    """Parse ``path``; ``deck`` is the default deck for text files without a deck column."""
    kind = detect_format(path)
    if kind in ("apkg", "colpkg"):
        from app.interop.anki_collection import open_readonly, read_collection
        from app.interop.anki_zip import open_package

        package = open_package(path, workdir)
        db = open_readonly(package.collection)
        try:
            batch = read_collection(db, kind)
        finally:
            db.close()
        return PreparedImport(
            path, kind, batch=batch, media=package.media, warnings=list(batch.warnings)
        )
    if kind == "csv":
        from app.interop.text_notes import TextOptions, parse_text_notes, read_text

        batch = parse_text_notes(read_text(path), TextOptions(deck=deck), source=str(path))
        prepared = PreparedImport(path, kind, batch=batch, warnings=list(batch.warnings))
        prepared.choices = prepared.choices.with_names(batch.text_choices)
        return prepared
    if kind == "obsidian":
        from app.interop.obsidian import read_vault, vault_media

        decks, warnings = read_vault(path)
        media = vault_media(path, decks)
        return PreparedImport(path, kind, decks=decks, media=media, warnings=warnings)
    from app.interop.markdown_pack import read_markdown

    pack = read_markdown(path, workdir)
    return PreparedImport(
        path, "markdown", decks=pack.decks, media=pack.media, warnings=pack.warnings
    )
