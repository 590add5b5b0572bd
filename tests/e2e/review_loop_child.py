"""Run the real study screen offscreen and answer cards until killed.

After each answer is acknowledged (the study view's ``answered`` signal, emitted once
``Collection.answer`` has returned) it prints ``ACK <n> <card_id>``. With ``--hold`` it
prints ``OPEN`` once the collection is open, waits for a line on stdin, answers at most
five cards, prints ``DONE`` and keeps the collection open until stdin closes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from app.core.models import NoteKind, Rating
from app.storage.collection import Collection
from app.ui.main_window import MainWindow


def main() -> None:
    app = QApplication(sys.argv[:1])
    hold = "--hold" in sys.argv[2:]
    col = Collection.open(Path(sys.argv[1]))
    if hold:
        print("OPEN", flush=True)
        sys.stdin.readline()
    window = MainWindow(col)
    acked = 0

    def on_answered(card_id: int) -> None:
        nonlocal acked
        acked += 1
        print(f"ACK {acked} {card_id}", flush=True)

    window.study_view.answered.connect(on_answered)
    window.start_study(None)
    study = window.study_view
    while study.card is not None and not (hold and acked >= 5):
        if study.card.kind == NoteKind.CHOICE:
            study.pick(0)
        else:
            study.reveal()
        study.rate(Rating.AGAIN)
        app.processEvents()
    print("DONE", flush=True)
    if hold:
        sys.stdin.read()
    col.close()


if __name__ == "__main__":
    main()
