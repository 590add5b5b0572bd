"""The real output's feed: miniaudio's decoder pulled as the sound device pulls it."""

from __future__ import annotations

import threading
from pathlib import Path

import miniaudio

from app.ui.audio_player import CHANNELS, RATE, _until_end
from tests.ui.test_study_audio import _tone


def test_the_device_feed_gives_every_frame_then_marks_the_end(tmp_path: Path) -> None:
    clip = tmp_path / "tone.wav"
    _tone(clip, 0.25)
    stream = miniaudio.stream_file(
        str(clip), miniaudio.SampleFormat.SIGNED16, CHANNELS, RATE, frames_to_read=4096
    )
    ended = threading.Event()
    feed = _until_end(stream, ended)
    assert len(next(feed)) == 0  # primed, as miniaudio's device expects
    frames = 0
    for _ in range(100):  # the device asks for 441 frames (10 ms) at a time
        chunk = feed.send(441)
        assert len(chunk) <= 441 * CHANNELS
        frames += len(chunk) // CHANNELS
        if ended.is_set():
            break
    assert ended.is_set() and 11_020 <= frames <= 11_030  # 0.25 s at 44.1 kHz
    assert len(feed.send(441)) == 0  # silence until the device is closed


def test_a_clip_that_breaks_off_ends_the_feed_instead_of_raising(tmp_path: Path) -> None:
    def breaks():
        yield b""  # primed, as miniaudio's streams are
        yield b"\x00\x00" * 4
        raise miniaudio.DecodeError("truncated")

    source = breaks()
    next(source)
    ended = threading.Event()
    feed = _until_end(source, ended)
    next(feed)
    assert len(feed.send(4)) == 8
    assert len(feed.send(4)) == 0 and ended.is_set()
