"""Deck options (gear in the deck list, `O` while studying): choose, add, clone, rename
or delete the preset a deck uses, and edit its options."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import CirrusError
from app.core.presets import Preset
from app.storage.collection import Collection
from app.ui.db_executor import DbExecutor
from app.ui.options.preset_form import PresetForm

RETENTIONS = (0.80, 0.85, 0.90, 0.95)
SECONDS_PER_REVIEW = 10.0


class DeckOptionsDialog(QDialog):
    def __init__(
        self,
        collection: Collection,
        deck: str,
        executor: DbExecutor,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.collection = collection
        self.options = collection.deck_options
        self.deck = deck
        self.executor = executor
        self.clock = clock
        self.setWindowTitle(f"Options for {deck}")
        self.preset_box = QComboBox()
        self.preset_box.currentIndexChanged.connect(self._preset_chosen)
        self.add_button = QPushButton("Add")
        self.clone_button = QPushButton("Clone")
        self.rename_button = QPushButton("Rename")
        self.delete_button = QPushButton("Delete")
        self.add_button.clicked.connect(lambda _c=False: self.add_preset(clone=False))
        self.clone_button.clicked.connect(lambda _c=False: self.add_preset(clone=True))
        self.rename_button.clicked.connect(lambda _c=False: self.rename_preset())
        self.delete_button.clicked.connect(lambda _c=False: self.delete_preset())
        self.apply_children = QCheckBox("Apply to child decks")
        self.form = PresetForm()
        self.form.estimate.clicked.connect(lambda _c=False: self.estimate_workload())
        self.form.optimise.clicked.connect(lambda _c=False: self.optimise())
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.save)
        top = QHBoxLayout()
        top.addWidget(QLabel("Preset"))
        top.addWidget(self.preset_box, 1)
        for button in (self.add_button, self.clone_button, self.rename_button, self.delete_button):
            top.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.apply_children)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        self.resize(620, 640)
        self.reload(self.options.deck_preset(deck).id)

    # -- presets ---------------------------------------------------------------------

    def reload(self, select: int) -> None:
        usage = self.options.usage()
        self.presets = {p.id: p for p in self.options.presets()}
        self.preset_box.blockSignals(True)
        self.preset_box.clear()
        for preset in self.presets.values():
            used = usage.get(preset.id, 0)
            self.preset_box.addItem(
                f"{preset.name} (used by {used} deck{'s' if used != 1 else ''})", preset.id
            )
        self.preset_box.setCurrentIndex(max(0, self.preset_box.findData(select)))
        self.preset_box.blockSignals(False)
        self._preset_chosen()

    def current(self) -> Preset:
        return self.presets[int(self.preset_box.currentData())]

    def _preset_chosen(self) -> None:
        preset = self.current()
        self.form.show_preset(preset, self.options.today_limits(self.deck, self.clock()))
        self.delete_button.setEnabled(preset.id != 1)

    def add_preset(self, clone: bool) -> None:
        base = self.current()
        name, ok = QInputDialog.getText(
            self,
            "Clone preset" if clone else "Add preset",
            "Name",
            text=f"{base.name} copy" if clone else "",
        )
        if not ok or not name.strip():
            return
        try:
            new_id = self.options.add(name, clone_of=base.id if clone else None)
        except CirrusError as exc:
            QMessageBox.warning(self, "Deck options", str(exc))
            return
        self.reload(new_id)

    def rename_preset(self) -> None:
        preset = self.current()
        name, ok = QInputDialog.getText(self, "Rename preset", "Name", text=preset.name)
        if not ok or not name.strip() or name == preset.name:
            return
        try:
            self.options.save(self._edited(name=name.strip()))
        except (CirrusError, ValueError) as exc:
            QMessageBox.warning(self, "Deck options", str(exc))
            return
        self.reload(preset.id)

    def delete_preset(self) -> None:
        preset = self.current()
        used = self.options.usage().get(preset.id, 0)
        answer = QMessageBox.question(
            self,
            "Delete preset",
            f"Delete the preset '{preset.name}'? The {used} deck(s) using it go back to "
            "the default preset.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.options.delete(preset.id)
        self.reload(1)

    def _edited(self, **changes: Any) -> Preset:
        return replace(self.form.preset(), **changes)

    # -- saving ----------------------------------------------------------------------

    def save(self) -> None:
        try:
            preset = self.form.preset()
            self.options.save(preset)
            self.options.assign(self.deck, preset.id, children=self.apply_children.isChecked())
            self.options.set_today_limits(self.deck, self.clock(), self.form.today())
        except (CirrusError, ValueError) as exc:
            QMessageBox.warning(self, "Deck options", str(exc))
            return
        self.accept()

    # -- FSRS helpers ----------------------------------------------------------------

    def estimate_workload(self) -> None:
        from app.core.simulation import workload

        try:
            settings = self.form.preset().scheduler_settings()
        except ValueError as exc:
            self.form.workload.setText(str(exc))
            return
        now, deck = self.clock(), self.deck
        new = self.form.new_per_day.value()
        self.form.workload.setText("Simulating…")

        def work() -> Any:
            cards = self.collection.memories(deck)
            return workload(settings, cards, now, 90, new, RETENTIONS, random.Random(11))

        self.executor.submit(work, self._show_workload, self._workload_failed)

    def _show_workload(self, points: Any) -> None:
        parts = [
            f"{p.desired_retention:.0%}: {p.reviews_per_day:.0f} reviews/day "
            f"({_minutes(p.reviews_per_day * SECONDS_PER_REVIEW / 60)})"
            for p in points
        ]
        self.form.workload.setText(
            "Over the next 90 days with this deck's cards: " + " · ".join(parts)
        )

    def _workload_failed(self, exc: BaseException) -> None:
        self.form.workload.setText(f"Could not simulate: {exc}")

    def optimise(self) -> None:
        preset_id = self.current().id
        self.form.workload.setText("Optimising on your review history…")

        def done(result: Any) -> None:
            self.form.show_parameters(tuple(result.parameters))
            self.form.workload.setText(
                f"Fitted on {result.reviews_used} reviews: log loss "
                f"{result.log_loss_before:.4f} → {result.log_loss_after:.4f}. Save to use them."
            )

        self.executor.submit(
            lambda: self.collection.optimize(preset_id),
            done,
            lambda exc: self.form.workload.setText(str(exc)),
        )


def _minutes(value: float) -> str:
    return "under 1 min" if value < 1 else f"about {value:.0f} min"
