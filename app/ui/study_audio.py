"""The study screen's sound: clips play when a side shows (a preference, as Anki's deck
option), ``R`` replays, each play button plays its clip, and leaving the card stops it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from app.core import av_tags
from app.storage.media_files import clip_file, clip_label
from app.ui.audio_player import AudioPlayer, Output
from app.ui.options.preferences_dialog import preference

if TYPE_CHECKING:
    from app.ui.study_view import StudyView

AUTOPLAY = "autoplay_audio"
"""The setting: play a side's clips when it shows (default on, as in Anki)."""


class StudyAudio:
    def __init__(self, view: StudyView, output: Output | None = None) -> None:
        self.view = view
        self.player = AudioPlayer(output, parent=view)
        self.player.message.connect(view.statusMessage)
        view.view.playRequested.connect(self.play_link)
        self.question_html = ""
        self.answer_html: str | None = None

    def shown(self, html: str, *, answer: bool) -> None:
        """A side was just shown: stop what plays; play its clips if the learner wants."""
        self.player.stop()
        if answer:
            self.answer_html = html
        else:
            self.question_html, self.answer_html = html, None
        if preference(self.view.collection, AUTOPLAY):
            self._play(av_tags.autoplay(html, answer=answer), asked=False)

    def replay(self) -> bool:
        """``R``: the question's clips, and on the answer side the answer's; False if none."""
        clips = av_tags.replay(self.question_html, self.answer_html)
        self._play(clips, asked=True)
        return bool(clips)

    def play_link(self, link: str) -> None:
        clip = av_tags.parse_button(link)
        if clip is not None:
            self._play([clip], asked=True)

    def stop(self) -> None:
        self.player.stop()

    def _play(self, clips: Sequence[av_tags.Clip], *, asked: bool) -> None:
        if clips:
            col = self.view.collection
            found = [(clip_label(col, c.name), clip_file(col, c.name)) for c in clips]
            self.player.play(found, asked=asked)
