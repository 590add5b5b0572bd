"""The start screen of a practice exam: questions, time limit, domain weights, prediction."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.exam import ExamProfile, Prediction


class StartPage(QWidget):
    startRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.prediction = QLabel()
        self.prediction.setWordWrap(True)
        self.questions = QSpinBox()
        self.questions.setRange(1, 200)
        self.minutes = QSpinBox()
        self.minutes.setRange(1, 600)
        self.minutes.setSuffix(" min")
        self.seed = QLineEdit()
        self.seed.setPlaceholderText("random")
        self.allow_pause = QCheckBox("Allow pausing the clock")
        form = QFormLayout()
        form.addRow("Questions", self.questions)
        form.addRow("Time limit", self.minutes)
        form.addRow("Seed (the same seed draws the same exam)", self.seed)
        form.addRow("", self.allow_pause)
        self.weights_box = QGroupBox("Domain weights (share of the questions)")
        self.weights_form = QFormLayout(self.weights_box)
        self.weights: dict[str, QSpinBox] = {}
        self.start_button = QPushButton("Start exam  (Enter)")
        self.start_button.setMinimumHeight(40)
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(lambda _checked=False: self.startRequested.emit())
        rules = QLabel(
            "No feedback until the end, as in the real exam. Move with \u2190/\u2192, pick "
            "with 1-9, flag with F, and open the review screen with R. A question is right "
            "only with exactly its right options picked; the score is scaled to 1,000 with "
            "700 to pass."
        )
        rules.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.prediction)
        layout.addWidget(rules)
        layout.addLayout(form)
        layout.addWidget(self.weights_box)
        layout.addStretch(1)
        layout.addWidget(self.start_button, 0, Qt.AlignmentFlag.AlignRight)

    def set_profile(self, profile: ExamProfile, allow_pause: bool) -> None:
        self.title.setText(profile.name)
        self.questions.setValue(profile.questions)
        self.minutes.setValue(profile.minutes)
        self.allow_pause.setChecked(allow_pause)
        for spin in self.weights.values():
            self.weights_form.removeRow(spin)
        self.weights = {}
        for key, weight in profile.weights.items():
            spin = QSpinBox()
            spin.setRange(0, 100)
            spin.setSuffix(" %")
            spin.setValue(round(weight * 100))
            self.weights_form.addRow(profile.titles.get(key, key), spin)
            self.weights[key] = spin

    def set_prediction(self, prediction: Prediction, when: str) -> None:
        self.prediction.setText(
            f"Predicted score {when}: <b>{prediction.score}</b> "
            f"(likely {prediction.low}-{prediction.high}), pass probability "
            f"{prediction.pass_probability:.0%}."
        )

    def chosen_weights(self) -> dict[str, float]:
        return {key: float(spin.value()) for key, spin in self.weights.items()}

    def chosen_seed(self) -> int | None:
        text = self.seed.text().strip()
        return int(text) if text.isdigit() else None
