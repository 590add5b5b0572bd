"""The form of one preset's options, grouped as Anki's deck options are."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.presets import (
    LEECH_SUSPEND,
    LEECH_TAG_ONLY,
    ORDER_DECK,
    ORDER_RANDOM,
    Preset,
    format_steps,
    parse_steps,
)
from app.core.scheduling import DEFAULT_PARAMETERS


def _spin(low: int, high: int, suffix: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setSuffix(suffix)
    return spin


class PresetForm(QWidget):
    """Edits a :class:`Preset`; :meth:`preset` reads the form back (ValueError if bad)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.new_per_day = _spin(0, 9999)
        self.reviews_per_day = _spin(0, 99999)
        self.today_only = QCheckBox("Today only, for this deck:")
        self.today_new = _spin(0, 9999, " new")
        self.today_reviews = _spin(0, 99999, " reviews")
        self.today_only.toggled.connect(self._today_toggled)
        self.learning_steps = QLineEdit()
        self.learning_steps.setPlaceholderText("1m 10m")
        self.relearning_steps = QLineEdit()
        self.relearning_steps.setPlaceholderText("10m")
        self.retention = QDoubleSpinBox()
        self.retention.setRange(0.70, 0.99)
        self.retention.setSingleStep(0.01)
        self.retention.setDecimals(2)
        self.workload = QLabel("")
        self.workload.setWordWrap(True)
        self.estimate = QPushButton("Estimate the workload at 80-95 %")
        self.maximum_interval = _spin(1, 36500, " days")
        self.parameters = QLineEdit()
        self.parameters.setReadOnly(True)
        self.optimise = QPushButton("Optimise")
        self.reset_parameters = QPushButton("Reset to defaults")
        self.reset_parameters.clicked.connect(lambda _c=False: self.show_parameters(None))
        self.leech_threshold = _spin(1, 99, " lapses")
        self.leech_action = QComboBox()
        self.leech_action.addItem("Tag only", LEECH_TAG_ONLY)
        self.leech_action.addItem("Tag and suspend", LEECH_SUSPEND)
        self.bury_new = QCheckBox("Bury new siblings until tomorrow")
        self.bury_reviews = QCheckBox("Bury review siblings until tomorrow")
        self.new_order = QComboBox()
        self.new_order.addItem("Deck order", ORDER_DECK)
        self.new_order.addItem("Random", ORDER_RANDOM)
        self._parameters: tuple[float, ...] | None = None

        limits = QFormLayout()
        limits.addRow("New cards/day", self.new_per_day)
        limits.addRow("Maximum reviews/day", self.reviews_per_day)
        limits.addRow(self.today_only, self._row(self.today_new, self.today_reviews))
        learning = QFormLayout()
        learning.addRow("Learning steps", self.learning_steps)
        learning.addRow("Relearning steps", self.relearning_steps)
        learning.addRow("New card order", self.new_order)
        fsrs = QFormLayout()
        fsrs.addRow("Desired retention", self._row(self.retention, self.estimate))
        fsrs.addRow("", self.workload)
        fsrs.addRow("Maximum interval", self.maximum_interval)
        fsrs.addRow("FSRS parameters", self.parameters)
        fsrs.addRow("", self._row(self.optimise, self.reset_parameters))
        lapses = QFormLayout()
        lapses.addRow("Leech threshold", self.leech_threshold)
        lapses.addRow("Leech action", self.leech_action)
        lapses.addRow("", self.bury_new)
        lapses.addRow("", self.bury_reviews)
        layout = QVBoxLayout(self)
        for title, form in (
            ("Daily limits", limits),
            ("New cards and learning", learning),
            ("FSRS", fsrs),
            ("Lapses and siblings", lapses),
        ):
            box = QGroupBox(title)
            box.setLayout(form)
            layout.addWidget(box)
        layout.addStretch(1)

    @staticmethod
    def _row(*widgets: QWidget) -> QWidget:
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        for widget in widgets:
            box.addWidget(widget)
        box.addStretch(1)
        return row

    def _today_toggled(self, on: bool) -> None:
        self.today_new.setEnabled(on)
        self.today_reviews.setEnabled(on)

    def show_preset(self, preset: Preset, today: tuple[int, int] | None) -> None:
        self._preset = preset
        self.new_per_day.setValue(preset.new_per_day)
        self.reviews_per_day.setValue(preset.reviews_per_day)
        self.today_only.setChecked(today is not None)
        self.today_new.setValue(today[0] if today else preset.new_per_day)
        self.today_reviews.setValue(today[1] if today else preset.reviews_per_day)
        self._today_toggled(today is not None)
        self.learning_steps.setText(format_steps(preset.learning_steps))
        self.relearning_steps.setText(format_steps(preset.relearning_steps))
        self.retention.setValue(preset.desired_retention)
        self.maximum_interval.setValue(preset.maximum_interval)
        self.show_parameters(preset.parameters)
        self.leech_threshold.setValue(preset.leech_threshold)
        self.leech_action.setCurrentIndex(self.leech_action.findData(preset.leech_action))
        self.bury_new.setChecked(preset.bury_new)
        self.bury_reviews.setChecked(preset.bury_reviews)
        self.new_order.setCurrentIndex(self.new_order.findData(preset.new_order))
        self.workload.clear()

    def show_parameters(self, parameters: tuple[float, ...] | None) -> None:
        self._parameters = parameters
        shown = parameters or DEFAULT_PARAMETERS
        label = "defaults: " if parameters is None else ""
        self.parameters.setText(label + ", ".join(f"{p:.4g}" for p in shown))

    def preset(self) -> Preset:
        return replace(
            self._preset,
            new_per_day=self.new_per_day.value(),
            reviews_per_day=self.reviews_per_day.value(),
            learning_steps=parse_steps(self.learning_steps.text()),
            relearning_steps=parse_steps(self.relearning_steps.text()),
            desired_retention=round(self.retention.value(), 2),
            maximum_interval=self.maximum_interval.value(),
            parameters=self._parameters,
            leech_threshold=self.leech_threshold.value(),
            leech_action=int(self.leech_action.currentData()),
            bury_new=self.bury_new.isChecked(),
            bury_reviews=self.bury_reviews.isChecked(),
            new_order=int(self.new_order.currentData()),
        )

    def today(self) -> tuple[int, int] | None:
        if not self.today_only.isChecked():
            return None
        return self.today_new.value(), self.today_reviews.value()
