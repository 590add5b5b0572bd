"""Stopping the app cleanly from outside: SIGTERM, SIGHUP, SIGINT and session end.

A signal handler only sets a byte on a socket (``signal.set_wakeup_fd``); a
``QSocketNotifier`` wakes the event loop, and the window is closed through its normal
close path (finish the running job, save the window, write a backup) before the app
quits. When the desktop session ends, a backup is written at once. While the app runs,
the daily backup is checked every hour.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
from types import FrameType
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSocketNotifier, QTimer
from PySide6.QtGui import QSessionManager
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

log = logging.getLogger(__name__)
HOUR_MS = 3_600_000


def _names() -> list[str]:
    return [n for n in ("SIGTERM", "SIGHUP", "SIGINT") if hasattr(signal, n)]


class Lifecycle(QObject):
    def __init__(self, app: QApplication, window: MainWindow, check_every_ms: int = HOUR_MS):
        super().__init__(window)
        self.app = app
        self.window = window
        self.stopped_by: str | None = None
        self._old: dict[int, object] = {}
        self._old_fd: int | None = None
        self._sockets: tuple[socket.socket, socket.socket] | None = None
        self._notifier: QSocketNotifier | None = None
        self._install_signals()
        app.commitDataRequest.connect(self._session_ending)
        app.aboutToQuit.connect(self._about_to_quit)
        self.timer = QTimer(self)
        self.timer.setInterval(check_every_ms)
        self.timer.timeout.connect(window.backups.daily)
        self.timer.start()
        QTimer.singleShot(0, window.backups.daily)

    # -- signals ----------------------------------------------------------------------

    def _install_signals(self) -> None:
        read, write = socket.socketpair()
        read.setblocking(False)
        write.setblocking(False)
        try:
            self._old_fd = signal.set_wakeup_fd(write.fileno(), warn_on_full_buffer=False)
        except ValueError:  # not the main thread: leave the defaults alone
            read.close()
            write.close()
            return
        self._sockets = (read, write)
        self._notifier = QSocketNotifier(read.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._wake)
        for name in _names():
            number = getattr(signal, name)
            old = signal.getsignal(number)
            if name == "SIGHUP" and old == signal.SIG_IGN:
                continue  # started with nohup: keep running when the terminal goes
            self._old[number] = old
            signal.signal(number, _note)

    def _wake(self) -> None:
        assert self._sockets is not None
        try:
            data = self._sockets[0].recv(64)
        except OSError:
            return
        for number in data:
            if number in self._old:
                self.stop(signal.Signals(number).name)
                return

    def stop(self, reason: str) -> None:
        """Close the window through its normal path, without questions, then quit."""
        if self.stopped_by is not None:
            return
        self.stopped_by = reason
        log.info("stopping on %s", reason)
        self.window.backups.quiet = True
        self.window.close()
        self.app.quit()

    def uninstall(self) -> None:
        self.timer.stop()
        with contextlib.suppress(RuntimeError, TypeError):
            self.app.commitDataRequest.disconnect(self._session_ending)
            self.app.aboutToQuit.disconnect(self._about_to_quit)
        for number, old in self._old.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(number, old)  # type: ignore[arg-type]
        self._old.clear()
        if self._sockets is not None:
            with contextlib.suppress(ValueError):
                signal.set_wakeup_fd(self._old_fd if self._old_fd is not None else -1)
            if self._notifier is not None:
                self._notifier.setEnabled(False)
            for sock in self._sockets:
                sock.close()
            self._sockets = None

    # -- the session and quitting -------------------------------------------------------

    def _session_ending(self, _manager: QSessionManager) -> None:
        log.info("the session is ending")
        self.window.backups.at_session_end()

    def _about_to_quit(self) -> None:
        if not self.window.backups.quit_written:  # quit without the window's close path
            self.window.backups.quiet = True
            self.window.close()
            self.window.backups.at_quit()


def _note(_number: int, _frame: FrameType | None) -> None:
    """The wakeup socket carries the signal; this handler only keeps the process alive."""
