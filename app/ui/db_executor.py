"""One worker thread for collection work; results come back on the GUI thread.

Like Anki's single collection worker: imports, exports and other work whose cost grows
with the collection run here in order, so the window stays responsive. Tests can pass
``synchronous=True`` to run each job at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.work = work
        self.relay = relay

    def run(self) -> None:
        try:
            result = self.work()
        except BaseException as exc:  # reported on the GUI thread
            self.relay.failed.emit(exc)
        else:
            self.relay.done.emit(result)


class DbExecutor(QObject):
    def __init__(self, parent: QObject | None = None, synchronous: bool = False) -> None:
        super().__init__(parent)
        self.synchronous = synchronous
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._relays: set[_Relay] = set()

    def submit(
        self,
        work: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        """Run ``work`` on the worker; call ``on_done`` or ``on_error`` on the GUI thread."""
        if self.synchronous:
            try:
                result = work()
            except BaseException as exc:
                on_error(exc)
            else:
                on_done(result)
            return
        relay = _Relay()
        self._relays.add(relay)

        def finish(callback: Callable[[Any], None], value: Any) -> None:
            self._relays.discard(relay)
            callback(value)

        relay.done.connect(lambda result: finish(on_done, result))
        relay.failed.connect(lambda exc: finish(on_error, exc))
        self.pool.start(_Job(work, relay))

    def wait(self) -> None:
        self.pool.waitForDone()
