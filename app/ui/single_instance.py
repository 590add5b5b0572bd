"""One window per data folder: a second launch hands over to the first and exits.

The first window listens on a local socket (a Unix socket or a Windows named pipe) named
for the user and the data folder. A second launch connects, sends one JSON line
(``{"open": FILE or null}``), waits for ``ok`` and exits; the first window comes to the
front and, given a file, starts importing it. The data folder's lock (app.storage.lock)
decides who is first, so a stale socket left by a killed window is safe to remove.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

log = logging.getLogger(__name__)
_TIMEOUT_MS = 3000


def server_name(data_dir: Path) -> str:
    """The socket's name: the same for every launch of one user on one data folder."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "user"
    digest = hashlib.sha256(str(data_dir.expanduser().resolve()).encode()).hexdigest()[:16]
    return f"cirrus-{hashlib.sha256(user.encode()).hexdigest()[:8]}-{digest}"


def hand_over(data_dir: Path, open_file: Path | None = None) -> bool:
    """Ask the window already open on ``data_dir`` to come forward (and open ``open_file``).

    Returns False when no window answers.
    """
    socket = QLocalSocket()
    socket.connectToServer(server_name(data_dir))
    if not socket.waitForConnected(_TIMEOUT_MS):
        return False
    try:
        message = {"open": str(open_file.expanduser().resolve()) if open_file else None}
        socket.write((json.dumps(message) + "\n").encode())
        if not socket.waitForBytesWritten(_TIMEOUT_MS):
            return False
        reply = b""
        while not reply.endswith(b"\n") and socket.waitForReadyRead(_TIMEOUT_MS):
            reply += bytes(socket.readAll().data())
        return reply.strip() == b"ok"
    finally:
        socket.disconnectFromServer()


class InstanceServer(QObject):
    """Listens for later launches; ``activated`` carries the file they asked to open."""

    activated = Signal(object)  # Path | None

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(data_dir)
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._accept)

    def listen(self) -> bool:
        """Start listening; call it only while holding the data folder's lock."""
        QLocalServer.removeServer(self.name)  # left by a window that was killed
        if not self.server.listen(self.name):
            log.warning("cannot listen on %s: %s", self.name, self.server.errorString())
            return False
        return True

    def close(self) -> None:
        self.server.close()

    def _accept(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            buffer = bytearray()

            def read(socket: QLocalSocket = socket, buffer: bytearray = buffer) -> None:
                buffer.extend(bytes(socket.readAll().data()))
                if b"\n" not in buffer:
                    if len(buffer) > 65536:
                        socket.abort()
                    return
                line = bytes(buffer).split(b"\n", 1)[0]
                try:
                    message = json.loads(line)
                    raw = message.get("open") if isinstance(message, dict) else None
                except ValueError:
                    socket.abort()
                    return
                socket.write(b"ok\n")
                socket.flush()
                socket.disconnectFromServer()
                self.activated.emit(Path(raw) if isinstance(raw, str) and raw else None)

            socket.readyRead.connect(read)
            socket.disconnected.connect(socket.deleteLater)


def listen_for_launches(window: MainWindow, data_dir: Path) -> InstanceServer:
    """Bring ``window`` forward (and import the file) whenever a later launch asks."""
    server = InstanceServer(data_dir, window)
    server.activated.connect(lambda path: bring_forward(window, path))
    server.listen()
    return server


def bring_forward(window: MainWindow, open_file: Path | None) -> None:
    if window.isMinimized():
        window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
    window.show()
    window.raise_()
    window.activateWindow()
    if open_file is not None:
        window.import_flow.start(open_file)
