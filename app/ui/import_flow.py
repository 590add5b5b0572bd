"""File > Import and drag-and-drop: read, preview, write with progress and Cancel."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from app.core.errors import CirrusError, ImportCancelled
from app.core.import_choices import Duplicates, ImportChoices, MatchScope
from app.core.models import ImportSummary
from app.interop.reader import PreparedImport, read_source
from app.storage.collection import Collection
from app.ui.db_executor import DbExecutor
from app.ui.import_preview import ImportPreviewDialog

log = logging.getLogger(__name__)


def preview_text(preview: dict[str, Any]) -> str:
    decks = preview["decks"]
    lines = [
        f"{preview['notes']} notes"
        + (f", {preview['cards']} cards" if preview["cards"] else "")
        + f" in {len(decks)} decks",
        f"Note types: {', '.join(preview['notetypes'])}",
        f"Media files: {preview['media']}   Review history: {preview['review_logs']} reviews",
        "",
        *[f"• {d}" for d in decks[:12]],
    ]
    if len(decks) > 12:
        lines.append(f"• … and {len(decks) - 12} more")
    if preview["warnings"]:
        lines += ["", f"{len(preview['warnings'])} warnings:", *preview["warnings"][:8]]
    return "\n".join(lines)


def summary_text(summary: ImportSummary) -> str:
    text = (
        f"{summary.added} added, {summary.updated} updated, {summary.unchanged} unchanged, "
        f"{summary.skipped} skipped, {summary.retired} retired.\n"
        f"{summary.cards} cards, {summary.media} media files, "
        f"{summary.review_logs} reviews brought in."
    )
    if summary.backup:
        text = (
            f"Your collection was replaced by the package ({summary.removed} notes removed); "
            f"your collection before it is in the backup {Path(summary.backup).name}.\n\n" + text
        )
    if summary.warnings:
        text += "\n\n" + "\n".join(summary.warnings[:15])
    return text


class ImportFlow(QObject):
    """One import at a time; nothing is written until the learner confirms the preview."""

    progressed = Signal(int, int)
    finished = Signal(object)
    """An :class:`ImportSummary`, or the exception that stopped the import."""

    def __init__(
        self,
        parent: QWidget,
        collection: Collection,
        executor: DbExecutor,
        clock: Callable[[], datetime],
    ) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.collection = collection
        self.executor = executor
        self.clock = clock
        self.confirm: Callable[[dict[str, Any]], bool | ImportChoices] = self._ask
        """The preview: False cancels; True imports with the last choices (Anki's defaults)."""
        self.report: Callable[[str, str, bool], None] = self._message
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._cancelled = False
        self.dialog: QProgressDialog | None = None
        self.busy = False
        self.preview_dialog: ImportPreviewDialog | None = None

    def start(self, path: Path) -> None:
        if self.busy:
            self.report("Import", "Another import is still running.", False)
            return
        self.busy = True
        self._tmp = self.collection.temp_folder("import")
        workdir = Path(self._tmp.name)
        self.executor.submit(lambda: read_source(path, workdir), self._preview, self._failed)

    def _preview(self, prepared: PreparedImport) -> None:
        answer = self.confirm(prepared.preview())
        if answer is False:
            self._cleanup()
            return
        if isinstance(answer, ImportChoices):
            prepared.choices = answer
        else:
            prepared.choices = self.last_choices().with_names(
                prepared.batch.text_choices if prepared.batch else {}
            )
        self._cancelled = False
        self.dialog = QProgressDialog("Importing…", "Cancel", 0, 0, self.parent_widget)
        self.dialog.setWindowTitle("Import")
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(300)
        self.dialog.canceled.connect(self.cancel)
        self.progressed.connect(self._show_progress)
        now = self.clock()
        self.executor.submit(
            lambda: self.collection.apply_import(prepared, now, progress=self._progress),
            self._done,
            self._failed,
        )

    def cancel(self) -> None:
        self._cancelled = True

    def _progress(self, done: int, total: int) -> None:  # on the worker thread
        if self._cancelled:
            raise ImportCancelled("the import was cancelled; nothing was written")
        self.progressed.emit(done, total)

    def _show_progress(self, done: int, total: int) -> None:
        if self.dialog is not None:
            self.dialog.setMaximum(total)
            self.dialog.setValue(done)

    def _done(self, summary: ImportSummary) -> None:
        self._cleanup()
        self.report("Import finished", summary_text(summary), False)
        self.finished.emit(summary)

    def _failed(self, exc: BaseException) -> None:
        self._cleanup()
        if isinstance(exc, ImportCancelled):
            self.report("Import cancelled", str(exc), False)
        elif isinstance(exc, CirrusError):
            self.report("Import refused", str(exc), True)
        else:
            log.error("import failed", exc_info=exc)
            self.report("Import failed", f"Unexpected error: {exc}\nNothing was written.", True)
        self.finished.emit(exc)

    def _cleanup(self) -> None:
        self.busy = False
        if self.dialog is not None:
            self.progressed.disconnect(self._show_progress)
            self.dialog.close()
            self.dialog = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def last_choices(self) -> ImportChoices:
        """The text-file choices last made (Anki remembers them too); a backup is replaced."""
        try:
            duplicates = Duplicates(self.collection.setting("import_duplicates") or "update")
            scope = MatchScope(self.collection.setting("import_match_scope") or "notetype")
        except ValueError:
            return ImportChoices()
        return ImportChoices(duplicates, scope)

    def _ask(self, preview: dict[str, Any]) -> bool | ImportChoices:
        start = self.last_choices().with_names(preview.get("file_choices", {}))  # file first
        dialog = ImportPreviewDialog(self.parent_widget, preview, preview_text(preview), start)
        self.preview_dialog = dialog
        if dialog.exec() != ImportPreviewDialog.DialogCode.Accepted:
            return False
        choices = dialog.choices()
        if preview["format"] == "csv":
            self.collection.set_setting("import_duplicates", choices.duplicates.value)
            self.collection.set_setting("import_match_scope", choices.match_scope.value)
        return choices

    def _message(self, title: str, text: str, problem: bool) -> None:
        if problem:
            QMessageBox.warning(self.parent_widget, title, text)
        else:
            QMessageBox.information(self.parent_widget, title, text)
