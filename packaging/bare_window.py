"""The smallest PySide6 window program: the yardstick for the size of the Cirrus bundle.

``python packaging/build.py --compare-bare`` freezes it with ``bare_window.spec`` (the
same PyInstaller, the same exclusions as ``cirrus.spec``) and compares the two bundles.
With ``--smoke`` it shows its window offscreen, prints one line and exits.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel


def main() -> int:
    app = QApplication(sys.argv)
    label = QLabel("Hello from PySide6")
    label.resize(320, 120)
    label.show()
    if "--smoke" in sys.argv:
        shown: list[bool] = []

        def finish() -> None:
            shown.append(label.isVisible())
            app.quit()

        QTimer.singleShot(0, finish)
        code = app.exec()
        print(f"bare window: ok shown={shown == [True]}")
        return code if shown == [True] else 1
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
