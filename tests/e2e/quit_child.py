"""Open the real window with its lifecycle, then quit the app without closing the window
(as a desktop "Quit" of the whole application does). Prints the backup written."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.storage.collection import Collection
from app.ui.lifecycle import Lifecycle
from app.ui.main_window import MainWindow


def main() -> int:
    app = QApplication(sys.argv[:1])
    col = Collection.open(Path(sys.argv[1]))
    window = MainWindow(col)
    window.show()
    lifecycle = Lifecycle(app, window)
    QTimer.singleShot(200, app.quit)
    code = app.exec()
    lifecycle.uninstall()
    print(f"BACKUP {window.backups.last}", flush=True)
    print(f"VISIBLE {window.isVisible()}", flush=True)
    col.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
