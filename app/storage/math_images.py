"""Formulas drawn as SVG by ziamath, kept in the media store's ``math/`` folder.

ziamath typesets TeX math (through latex2mathml) with the STIX Two Math font it ships,
in pure Python: no LaTeX installation, no web engine. Each drawing is stored once as
``math/<sha256>.svg``, named by a hash of what it shows (the TeX with its clozes, inline
or display, the colours), so a formula is drawn the first time a card shows it and read
from the store afterwards. A formula ziamath cannot read, or that uses a command it does
not know, gives None: the card view then shows its source, marked.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from app.core.math_tex import Formula

MATH_FOLDER = "math"
REFERENCE_SIZE = 20.0
"""The font size, in SVG units, formulas are drawn at (the card view scales them)."""
MAX_TEX_CHARS = 2000
"""Longer formulas are not drawn (ziamath's time grows with the formula)."""
_NAME = re.compile(r"^[0-9a-f]{64}\.svg$")
_SIZE = re.compile(rb'width="([\d.]+)" height="([\d.]+)" viewBox="([-\d.]+) ([-\d.]+) ')
_UNKNOWN = re.compile(r">\\[A-Za-z]+<|<merror")
"""MathML that latex2mathml made of a command it does not know (kept as its name)."""
_failed: set[str] = set()


@dataclass(frozen=True)
class MathImage:
    """A drawn formula: its file under the media folder and its size at
    :data:`REFERENCE_SIZE` (``ascent`` above the baseline, ``descent`` below)."""

    name: str
    svg: bytes
    width: float
    ascent: float
    descent: float


def drawn_tex(formula: Formula, cloze_colour: str) -> str:
    """The TeX that is drawn: the formula with its clozes in the cloze colour."""
    return "".join(
        f"{{\\color{{{cloze_colour}}}{{{text}}}}}" if cloze else text
        for text, cloze in formula.parts
    )


def math_key(tex: str, display: bool, colour: str) -> str:
    digest = hashlib.sha256(f"cirrus-math\0{int(display)}\0{colour}\0{tex}".encode())
    return digest.hexdigest()


def math_file(media_dir: Path, name: str) -> Path | None:
    """The stored drawing for a ``math/<name>`` link, or None for anything else."""
    if not _NAME.match(name):
        return None
    path = media_dir / MATH_FOLDER / name
    return path if path.is_file() else None


def _metrics(name: str, svg: bytes) -> MathImage | None:
    m = _SIZE.search(svg, 0, 400)
    if m is None:
        return None
    width, height, top = float(m.group(1)), float(m.group(2)), float(m.group(4))
    return MathImage(name, svg, width, -top, height + top)


def _typeset(tex: str, display: bool, colour: str) -> bytes | None:
    # ~0.2 s to import (it reads its font): only once a card has math. It finds its font
    # with importlib.resources.path, deprecated (not removed) in Python 3.11 and 3.12.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            from ziamath.config import config
            from ziamath.zmath import Latex

        config.svg2 = False  # Qt's SVG renderer has no <symbol>/<use href>
        latex = Latex(tex, size=REFERENCE_SIZE, color=colour, inline=not display)
        if _UNKNOWN.search(latex.mathmlstr()):
            return None
        return latex.svg().encode()
    except Exception:  # many kinds on TeX it cannot read; a build without its font
        return None


def draw(
    media_dir: Path | None,
    formula: Formula,
    colour: str,
    cloze_colour: str,
    *,
    typeset: bool = True,
) -> MathImage | None:
    """The drawing of ``formula`` in ``colour``: from the store, or drawn and stored
    (when there is a media folder; only from the store without ``typeset``); None when
    it cannot be drawn."""
    tex = drawn_tex(formula, cloze_colour)
    if not formula.drawable or not tex.strip() or len(tex) > MAX_TEX_CHARS:
        return None
    key = math_key(tex, formula.display, colour)
    name = f"{key}.svg"
    if key in _failed:
        return None
    if media_dir is not None:
        stored = math_file(media_dir, name)
        if stored is not None:
            found = _metrics(name, stored.read_bytes())
            if found is not None:
                return found
    if not typeset:
        return None
    svg = _typeset(tex, formula.display, colour)
    drawn = None if svg is None else _metrics(name, svg)
    if drawn is None:
        if len(_failed) > 10_000:
            _failed.clear()
        _failed.add(key)
        return None
    if media_dir is not None:
        _store(media_dir / MATH_FOLDER, name, drawn.svg)
    return drawn


def _store(folder: Path, name: str, svg: bytes) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / (name + ".part")
        tmp.write_bytes(svg)
        tmp.replace(folder / name)
    except OSError:
        pass  # a full or read-only disk: the formula is drawn again next time
