"""Plays a card's clips: audio with miniaudio on a worker thread, video in the system player.

Decoding and the audio device live on one worker thread, so a slow, missing or corrupt
clip or a missing sound card never blocks the study screen; what went wrong comes back as
a status-bar message. :meth:`AudioPlayer.stop` (a new card, leaving the screen, closing
the window) cuts the current clip and drops the rest of the queue.

The device is behind :class:`Output`: :class:`MiniaudioOutput` opens the real one; tests
give a recording one.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices

from app.core.av_tags import is_video

DECODABLE = frozenset({".mp3", ".ogg", ".oga", ".flac", ".wav"})
"""What miniaudio decodes; other audio (m4a, opus, ...) goes to the system player."""
RATE, CHANNELS = 44_100, 2


class NoAudioDevice(Exception):
    """The machine has no sound output miniaudio can open."""


class Output(Protocol):
    """Where decoded sound goes (the device boundary)."""

    def play(self, name: str, chunks: Iterator[Any], seconds: float, stop: threading.Event) -> None:
        """Play ``chunks`` (16-bit stereo frames at :data:`RATE`, one ``send(frames)``
        each) until they end or ``stop`` is set; raise :class:`NoAudioDevice`."""


class MiniaudioOutput:
    """The default sound device, opened for each clip."""

    def play(self, name: str, chunks: Iterator[Any], seconds: float, stop: threading.Event) -> None:
        import miniaudio

        try:
            device = miniaudio.PlaybackDevice(
                output_format=miniaudio.SampleFormat.SIGNED16,
                nchannels=CHANNELS,
                sample_rate=RATE,
                app_name="Cirrus",
            )
        except miniaudio.MiniaudioError as exc:
            raise NoAudioDevice(str(exc)) from exc
        try:
            if device.backend.lower() == "null":
                raise NoAudioDevice("only the null back end is available")
            ended = threading.Event()
            device.start(_until_end(chunks, ended))
            # ends with the clip; the deadline only guards against a device that stops pulling
            deadline = time.monotonic() + seconds + 5
            while not ended.is_set() and not stop.wait(0.05):
                if time.monotonic() > deadline:
                    break
        finally:
            device.close()


def _until_end(chunks: Iterator[Any], ended: threading.Event) -> Any:
    """miniaudio's generator protocol over ``chunks``, marking the end of the clip."""
    frames = yield b""
    for chunk in _frames(chunks, frames):
        frames = yield chunk
    ended.set()
    while True:  # silence until the device is closed
        yield b""


def _frames(chunks: Iterator[Any], frames: int) -> Iterator[Any]:
    """The clip's chunks until it ends or fails to decode further (a truncated file)."""
    send = getattr(chunks, "send", None)
    while True:
        try:
            chunk = send(frames) if send is not None else next(chunks)
        except Exception:  # StopIteration, or a decoding error: the clip ends here
            return
        if len(chunk) == 0:
            return
        yield chunk


def open_in_system(path: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class AudioPlayer(QObject):
    """One queue of clips at a time; every problem becomes :attr:`message`.

    The worker thread never calls Qt: it leaves its messages in a queue that a timer of
    the GUI thread empties while the worker runs."""

    message = Signal(str)

    def __init__(self, output: Output | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.output: Output = output or MiniaudioOutput()
        self.open_video: Callable[[Path], bool] = open_in_system
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._outbox: queue.SimpleQueue[tuple[threading.Event, str]] = queue.SimpleQueue()
        self._timer = QTimer(self)
        self._timer.setInterval(50)
        self._timer.timeout.connect(self._deliver)

    def play(self, clips: Sequence[tuple[str, Path | None]], *, asked: bool = False) -> None:
        """Play ``clips`` (name, stored file or None when missing) in order, after stopping
        what plays now. ``asked``: a play button or ``R``; then a clip miniaudio cannot
        decode opens in the system player, like a video."""
        self.stop()
        audio: list[tuple[str, Path | None]] = []
        for name, path in clips:
            if path is not None and path.suffix.lower() not in DECODABLE:
                if asked:
                    self._open(name, path)
                else:
                    kind = "Video" if is_video(path.name) else "Audio"
                    self.message.emit(f"{kind} {name}: R or its ▶ opens it in the system player")
                continue
            audio.append((name, path))
        if not audio:
            return
        stop = threading.Event()
        self._stop = stop
        self._thread = threading.Thread(
            target=self._run, args=(audio, stop), name="cirrus-audio", daemon=True
        )
        self._thread.start()
        self._timer.start()

    def stop(self) -> None:
        """Cut the clip that plays and drop the queue; returns at once."""
        self._stop.set()

    def wait(self, seconds: float = 5.0) -> bool:
        """Block until the queue is done (tests, closing); False on timeout."""
        thread = self._thread
        if thread is not None:
            thread.join(seconds)
            return not thread.is_alive()
        return True

    def _deliver(self) -> None:
        running = self._thread is not None and self._thread.is_alive()
        while not self._outbox.empty():
            stop, text = self._outbox.get()
            if not stop.is_set():  # what a stopped queue had to say is out of date
                self.message.emit(text)
        if not running:
            self._timer.stop()

    def _open(self, name: str, path: Path) -> None:
        if not self.open_video(path):
            self.message.emit(f"No program on this system opens {name}")

    def _run(self, clips: list[tuple[str, Path | None]], stop: threading.Event) -> None:
        try:
            import miniaudio  # noqa: F401  (its C part loads here, off the GUI thread)
        except ImportError as exc:
            self._outbox.put((stop, f"Audio cannot play on this system: {exc}"))
            return
        for name, path in clips:
            if stop.is_set():
                return
            if path is None:
                self._outbox.put((stop, f"Clip not found in the media folder: {name}"))
                continue
            if not self._play_one(name, path, stop):
                return

    def _play_one(self, name: str, path: Path, stop: threading.Event) -> bool:
        """Decode and play one clip; False when nothing more should be tried."""
        import miniaudio

        try:
            info = miniaudio.get_file_info(str(path))
            chunks = miniaudio.stream_file(
                str(path), miniaudio.SampleFormat.SIGNED16, CHANNELS, RATE, frames_to_read=4096
            )
        except (miniaudio.MiniaudioError, OSError) as exc:
            self._outbox.put(
                (stop, f"Cannot play {name}: not a sound file Cirrus can read ({exc})")
            )
            return True
        try:
            self.output.play(name, chunks, float(info.duration), stop)
        except NoAudioDevice as exc:
            self._outbox.put((stop, f"No audio device: {name} not played ({exc})"))
            return False
        except Exception as exc:  # a device or decoder failure must not end the program
            self._outbox.put((stop, f"Cannot play {name}: {exc}"))
        return True
