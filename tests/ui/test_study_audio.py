"""Sound on the study screen, driven as a learner does: clips play when a side shows, R
replays, the play button plays its clip, problems reach the status bar. Everything runs
for real (Markdown import, media store, miniaudio's decoder) except the sound device,
which is replaced by an output that records what it was asked to play."""

from __future__ import annotations

import math
import random
import struct
import threading
import wave
from collections.abc import Callable, Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from sqlalchemy import text

from app.storage.collection import Collection
from app.ui.audio_player import NoAudioDevice
from app.ui.main_window import MainWindow
from tests.conftest import T0

pytestmark = pytest.mark.gui

DECK = """---
deck: Sounds
id: sounds
---

## Listen [sound:media/a.wav]
<!-- id: s1 -->

Answer [sound:media/b.wav]

## Broken [sound:media/broken.mp3] then [sound:media/gone.mp3] then [sound:media/a.wav]
<!-- id: s2 -->

A film [sound:media/film.mp4]
"""


def _tone(path: Path, seconds: float, rate: int = 22_050) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = int(seconds * rate)
        out.writeframes(
            b"".join(struct.pack("<h", int(6000 * math.sin(i / 9))) for i in range(frames))
        )


class Recorder:
    """The sound device: takes every frame it is given, and notes which clip it was."""

    def __init__(self, hold: bool = False) -> None:
        self.played: list[tuple[str, int]] = []
        self.hold = hold
        self.stopped = threading.Event()

    def play(self, name: str, chunks: Iterator[Any], seconds: float, stop: Any) -> None:
        frames = 0
        while True:  # as the device pulls: 4096 frames at a time, until the clip ends
            try:
                chunk = chunks.send(4096)  # type: ignore[attr-defined]
            except StopIteration:
                break
            frames += len(chunk) // 2
        self.played.append((name, frames))
        if self.hold:  # a long clip: plays until stopped
            stop.wait(30)
            self.stopped.set()


class NoDevice:
    def play(self, name: str, chunks: Iterator[Any], seconds: float, stop: Any) -> None:
        raise NoAudioDevice("no playback device")


@pytest.fixture
def sounds(qtbot, tmp_path: Path) -> Iterator[Callable[..., tuple[MainWindow, Any]]]:
    folder = tmp_path / "deck"
    (folder / "media").mkdir(parents=True)
    (folder / "sounds.md").write_text(DECK, encoding="utf-8")
    _tone(folder / "media" / "a.wav", 0.1)
    _tone(folder / "media" / "b.wav", 0.2)
    (folder / "media" / "broken.mp3").write_bytes(b"not an mp3 at all" * 20)
    (folder / "media" / "film.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)
    opened: list[tuple[MainWindow, Collection]] = []

    def open_(
        output: Any = None, autoplay: bool = True, card: str = "Listen"
    ) -> tuple[MainWindow, Any]:
        col = Collection.open(tmp_path / "data", tz=UTC, rng=random.Random(5))
        col.import_path(folder / "sounds.md", T0)
        col.set_setting("autoplay_audio", autoplay)
        window = MainWindow(col, clock=lambda: T0)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        study = window.study_view
        study.audio.player.output = output if output is not None else Recorder()
        opened.append((window, col))
        with col.engine.connect() as conn:
            card_id = conn.execute(
                text(
                    "SELECT c.id FROM card c JOIN note n ON n.id = c.note_id "
                    "WHERE n.prompt_md LIKE :p"
                ),
                {"p": f"{card}%"},
            ).scalar_one()
        window.stack.setCurrentWidget(study)
        assert study.start_cards([card_id], "Sounds")
        return window, study

    yield open_
    for window, col in opened:
        window.close()
        col.close()


def _played(study) -> list[tuple[str, int]]:
    assert study.audio.player.wait()
    return list(study.audio.player.output.played)


def _status(window) -> str:
    return window.statusBar().currentMessage()


def test_sides_play_their_own_clips_and_r_replays_both(qtbot, sounds) -> None:
    _window, study = sounds()
    recorder = study.audio.player.output
    assert study.audio.player.wait()
    recorder.played.clear()
    study.show_card(study.card)
    played = _played(study)
    assert [name.rsplit(".", 1)[1] for name, _ in played] == ["wav"]
    assert 4_400 <= played[0][1] <= 4_420  # 0.1 s at 22.05 kHz, played at 44.1 kHz
    qtbot.keyClick(study, Qt.Key.Key_Space)  # the answer: its own clip only (0.2 s)
    played = _played(study)
    assert len(played) == 2 and 8_800 <= played[1][1] <= 8_840
    recorder.played.clear()
    qtbot.keyClick(study, "R")
    assert [frames // 4_410 for _, frames in _played(study)] == [1, 2]  # question, then answer


def test_preference_off_plays_nothing_until_r(qtbot, sounds) -> None:
    _window, study = sounds(autoplay=False)
    qtbot.keyClick(study, Qt.Key.Key_Space)
    assert _played(study) == []
    qtbot.keyClick(study, "R")
    assert len(_played(study)) == 2


def test_the_play_button_plays_its_clip(qtbot, sounds) -> None:
    _window, study = sounds(autoplay=False)
    qtbot.keyClick(study, Qt.Key.Key_Space)
    view = study.view
    doc = view.document()
    buttons = []
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if (
                fragment.charFormat().isAnchor()
                and "cirrus-play" in fragment.charFormat().anchorHref()
            ):
                buttons.append(fragment.position())
            it += 1
        block = block.next()
    assert len(buttons) == 2  # the question's clip (shown again) and the answer's
    cursor = QTextCursor(doc)
    cursor.setPosition(buttons[1] + 1)
    spot = view.cursorRect(cursor).center()
    spot.setX(spot.x() - 3)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=spot)
    played = _played(study)
    assert len(played) == 1 and 8_800 <= played[0][1] <= 8_840  # b.wav, the answer's


def test_broken_and_missing_clips_are_reported_and_the_rest_plays(qtbot, sounds) -> None:
    _window, study = sounds(card="Broken")
    assert study.audio.player.wait()
    study.audio.player.output.played.clear()
    messages: list[str] = []
    study.statusMessage.connect(messages.append)
    study.show_card(study.card)
    assert study.audio.player.wait()
    qtbot.waitUntil(lambda: len(messages) >= 2)
    assert messages[0].startswith("Cannot play broken.mp3: not a sound file"), messages
    assert messages[1] == "Clip not found in the media folder: gone.mp3", messages
    played = study.audio.player.output.played
    assert [(name, frames // 4_410) for name, frames in played] == [("a.wav", 1)]
    qtbot.keyClick(study, Qt.Key.Key_Space)  # the screen goes on
    assert study.revealed


def test_video_opens_in_the_system_player_from_a_file_with_its_extension(qtbot, sounds) -> None:
    window, study = sounds(card="Broken")
    opened: list[Path] = []
    study.audio.player.open_video = lambda path: opened.append(path) or True
    qtbot.keyClick(study, Qt.Key.Key_Space)
    assert opened == []  # never opened by itself
    assert _status(window) == "Video film.mp4: R or its ▶ opens it in the system player"
    qtbot.keyClick(study, "R")
    assert len(opened) == 1 and opened[0].suffix == ".mp4" and opened[0].is_file()
    assert opened[0].read_bytes().startswith(b"\x00\x00\x00\x18ftyp")


def test_no_audio_device_says_so_and_study_goes_on(qtbot, sounds) -> None:
    window, study = sounds(output=NoDevice())
    study.show_card(study.card)
    qtbot.waitUntil(lambda: _status(window).startswith("No audio device"))
    qtbot.keyClick(study, Qt.Key.Key_Space)
    assert study.revealed


def test_playback_stops_when_the_card_changes_or_the_window_closes(qtbot, sounds) -> None:
    window, study = sounds(output=Recorder(hold=True))
    recorder = study.audio.player.output
    qtbot.waitUntil(lambda: len(recorder.played) == 1)
    qtbot.keyClick(study, Qt.Key.Key_Space)  # the answer cuts the question's clip
    qtbot.waitUntil(recorder.stopped.is_set)
    qtbot.waitUntil(lambda: len(recorder.played) == 2)
    recorder.stopped.clear()
    window.close()
    qtbot.waitUntil(recorder.stopped.is_set)
    assert study.audio.player.wait()


def test_the_preference_is_in_the_preferences_dialog_and_on_by_default(qtbot, sounds) -> None:
    from app.ui.options.preferences_dialog import PreferencesDialog

    window, study = sounds()
    col = window.collection
    col.set_setting("autoplay_audio", None)  # never chosen: Anki's default, on
    dialog = PreferencesDialog(col, window)
    qtbot.addWidget(dialog)
    assert dialog.autoplay_audio.isChecked()
    assert "Play audio automatically" in dialog.autoplay_audio.text()
    dialog.autoplay_audio.setChecked(False)
    dialog.save()
    assert col.setting("autoplay_audio") is False
    assert study.audio.player.wait()
    study.audio.player.output.played.clear()
    study.show_card(study.card)
    qtbot.keyClick(study, Qt.Key.Key_Space)
    assert _played(study) == []
