"""Image occlusion card sides with their picture drawn: the image and the side's shapes.

Each picture is an SVG composed by :mod:`app.core.image_occlusion_svg`, named by the
hash of its content and written once to ``<data folder>/cache/occlusion/`` (to a folder
in the system's temporary folder when the data folder cannot be written). It points at
the image in the media store and is shown as ``media/<sha256>.svg`` like any image; the
media store itself stays as the notes reference it, so the collection check never sees
these files. A side whose picture cannot be drawn shows why, never the bare image (that
would show the answer on the question).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

import imagesize

from app.core.image_occlusion import (
    Shape,
    colours_from_css,
    container_image,
    parse_occlusions,
    side_shapes,
    without_controls,
)
from app.core.image_occlusion_svg import compose_svg
from app.sqlite import sqlite3
from app.storage.media_store import media_path

_SRC = re.compile(r'<img\b[^>]*\bsrc="media/([0-9a-f]{64}(?:\.[A-Za-z0-9]{1,8})?)"')
_PICTURE = re.compile(r"^[0-9a-f]{64}\.svg$")
MAX_SIDE = 20_000
"""Images wider or taller than this (pixels) are not drawn."""


def media_folder(conn: sqlite3.Connection) -> Path | None:
    """The media store beside the open database file (None in memory)."""
    for _seq, name, file in conn.execute("PRAGMA database_list"):
        if name == "main" and file:
            return Path(file).parent / "media"
    return None


def cache_folders(media_dir: Path) -> tuple[Path, Path]:
    """Where pictures go: the data folder's cache, else a temporary folder."""
    digest = hashlib.sha256(str(media_dir.resolve()).encode()).hexdigest()[:16]
    return (
        media_dir.parent / "cache" / "occlusion",
        Path(tempfile.gettempdir()) / f"cirrus-occlusion-{digest}",
    )


def picture_path(media_dir: Path, name: str) -> Path | None:
    """The composed picture for a ``media/<name>`` link, or None."""
    if not _PICTURE.match(name):
        return None
    for folder in cache_folders(media_dir):
        path = folder / name
        if path.is_file():
            return path
    return None


def draw_sides(
    question: str,
    answer: str,
    occlusions: str,
    ord_: int,
    css: str,
    media_dir: Path | None,
) -> tuple[str, str]:
    """Both rendered sides of card ``ord_`` with their picture in place of Anki's
    canvas; ``occlusions`` is the note's Occlusion field."""
    shapes = parse_occlusions(occlusions)
    return (
        _side(question, shapes, ord_ + 1, True, css, media_dir),
        _side(answer, shapes, ord_ + 1, False, css, media_dir),
    )


def _side(
    html: str, shapes: list[Shape], number: int, question: bool, css: str, media_dir: Path | None
) -> str:
    html = without_controls(html)
    found = container_image(html)
    if found is None:
        return html
    start, end, inner = found
    try:
        picture = _picture(inner, shapes, number, question, css, media_dir)
    except (OSError, ValueError) as exc:
        picture = _problem(f"its picture could not be drawn ({exc.__class__.__name__})")
    return html[:start] + picture + html[end:]


def _picture(
    inner: str, shapes: list[Shape], number: int, question: bool, css: str, media_dir: Path | None
) -> str:
    m = _SRC.search(inner)
    if m is None:
        return _problem("no image to show")
    image = media_path(media_dir, m.group(1)) if media_dir is not None else None
    if media_dir is None or image is None:
        return _problem("its image is missing")
    width, height = imagesize.get(image)
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        return _problem("its image cannot be read")
    drawn = side_shapes(shapes, number, question=question)
    colours = colours_from_css(css)
    failure: OSError | None = None
    for folder in cache_folders(media_dir):
        try:
            href = os.path.relpath(image, folder)
        except ValueError:  # another drive (Windows)
            href = image.resolve().as_posix()
        svg = compose_svg(href.replace(os.sep, "/"), width, height, drawn, colours)
        name = hashlib.sha256(svg.encode("utf-8")).hexdigest() + ".svg"
        try:
            _write(folder / name, svg)
        except OSError as exc:
            failure = exc
            continue
        return f'<div class="image-occlusion"><img src="media/{name}" alt="image occlusion"></div>'
    raise failure or OSError("no folder to write to")


def _write(path: Path, svg: str) -> None:
    if path.is_file():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f"{path.name}.{os.getpid()}.part")
    part.write_text(svg, encoding="utf-8")
    part.replace(path)


def _problem(why: str) -> str:
    return f"<p><i>[Image occlusion: {why}.]</i></p>"
