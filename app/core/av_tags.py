"""Sound and video tags on cards: which clips a side plays, and a play button for each.

Anki notes (and Markdown notes, see docs/deck-format.md) name a clip as
``[sound:file.mp3]``. As in Anki, each side plays the clips written on it, in order; on the
answer side, the clips that come with ``{{FrontSide}}`` are the question's and do not play
again automatically (Anki turns them into ``[anki:play:q:N]`` references to the question's
clip N before filling in ``{{FrontSide}}``). Replaying the answer side plays the question's
clips and then the answer's, as Anki does with its default "replay question audio" option.

On the screen each tag becomes a play button: a link ``cirrus-play:<side>/<n>/<name>``
that the card view hands to the player.
"""

from __future__ import annotations

import html
import itertools
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import quote, unquote

SOUND = re.compile(r"\[sound:([^\]]+)\]")
"""A clip tag as Anki writes it: anything up to the closing bracket is the file name."""
PLAY = re.compile(r"\[anki:play:([qa]):(\d+)\]")
"""A reference to a clip of a side, as ``{{FrontSide}}`` carries the question's clips."""
SCHEME = "cirrus-play"
_BUTTON = re.compile(SCHEME + r":([qa])/(\d+)/([^\"'>\s]*)")
VIDEO_EXTENSIONS = frozenset(
    {".mp4", ".webm", ".mkv", ".mov", ".avi", ".m4v", ".ogv", ".mpg", ".mpeg", ".wmv", ".flv"}
)


@dataclass(frozen=True)
class Clip:
    side: str
    """``q`` (the question's clips) or ``a`` (the answer's own)."""
    index: int
    name: str
    """The file name as the note writes it (HTML entities decoded, as Anki does)."""

    @property
    def video(self) -> bool:
        return is_video(self.name)


def is_video(name: str) -> bool:
    return PurePosixPath(name.strip()).suffix.lower() in VIDEO_EXTENSIONS


def clip_names(text: str) -> list[str]:
    """The clips ``text`` names, in order (what Anki's ``question_av_tags`` lists)."""
    return [html.unescape(m.group(1)) for m in SOUND.finditer(text)]


_STORED = re.compile(r"\[sound:\s*media/[0-9a-f]{64}(?:\.[A-Za-z0-9]{1,8})?\s*\]")


def listed(text: str) -> str:
    """``text`` for one-line lists and sorting: a clip that points at the media store
    (``[sound:media/<sha>.mp3]``) reads ``[sound]``, not its content hash."""
    return _STORED.sub("[sound]", text) if "[sound:" in text else text


def front_side(question: str) -> str:
    """The question as ``{{FrontSide}}`` shows it on the answer: each clip becomes a
    reference to the question's clip of that number, so it does not count again."""
    if "[sound:" not in question:  # no clip (every side without sound): nothing to do
        return question
    number = itertools.count()
    return SOUND.sub(lambda _m: f"[anki:play:q:{next(number)}]", question)


def play_buttons(
    side_html: str, *, answer: bool, question_html: str, front: str | None = None
) -> str:
    """``side_html`` with each clip as a play button.

    ``question_html`` is the question side (whose clips ``[anki:play:q:N]`` references
    name). ``front``, on the answer side, is a leading part of it that shows the question
    again (Markdown notes have no ``{{FrontSide}}``): its clips are the question's."""
    if "[sound:" not in side_html and "[anki:play:" not in side_html:
        return side_html
    question = clip_names(question_html)
    if not answer:
        number = itertools.count()
        return SOUND.sub(lambda m: _button(Clip("q", next(number), _name(m))), side_html)
    head, body = "", side_html
    if front is not None and side_html.startswith(front):
        head = play_buttons(front, answer=False, question_html=question_html)
        body = side_html[len(front) :]
    own = itertools.count()
    body = SOUND.sub(lambda m: _button(Clip("a", next(own), _name(m))), body)

    def reference(m: re.Match[str]) -> str:
        index = int(m.group(2))
        if m.group(1) != "q" or index >= len(question):
            return ""  # as Anki: a reference to nothing shows nothing
        return _button(Clip("q", index, question[index]))

    return head + PLAY.sub(reference, body)


def _name(m: re.Match[str]) -> str:
    return html.unescape(m.group(1))


def _button(clip: Clip) -> str:
    href = f"{SCHEME}:{clip.side}/{clip.index}/{quote(clip.name, safe='')}"
    label = "&#9654;&nbsp;video" if clip.video else "&#9654;"
    return (
        f'<a href="{href}" title="{html.escape(clip.name)}" '
        f'style="text-decoration: none; font-size: 1.3em">{label}</a>'
    )


def clips_in(side_html: str) -> list[Clip]:
    """The play buttons of a side, in order."""
    return [
        Clip(m.group(1), int(m.group(2)), unquote(m.group(3))) for m in _BUTTON.finditer(side_html)
    ]


def parse_button(link: str) -> Clip | None:
    """The clip a play button's link names, or None for any other link."""
    m = _BUTTON.fullmatch(link)
    return Clip(m.group(1), int(m.group(2)), unquote(m.group(3))) if m else None


def autoplay(side_html: str, *, answer: bool) -> list[Clip]:
    """The clips a side plays when it shows: its own, in order (the answer side skips
    the question's clips that ``{{FrontSide}}`` brings back)."""
    side = "a" if answer else "q"
    return [clip for clip in clips_in(side_html) if clip.side == side]


def replay(question_html: str, answer_html: str | None) -> list[Clip]:
    """What ``R`` plays: the question's clips, then (on the answer side) the answer's."""
    out = autoplay(question_html, answer=False)
    if answer_html is not None:
        out += autoplay(answer_html, answer=True)
    return out
