"""One side of an image occlusion card as an SVG: the image, and its shapes over it.

Drawn as Anki's reviewer draws on its canvas (``ts/routes/image-occlusion/review.ts``):
rectangles and ellipses turn about their top-left corner, a polygon moves by its
``left``/``top`` offset, a label is a white box with its lines in Arial. Borders stay one
pixel wide however the picture is scaled. SVG Tiny 1.2, which Qt's SVG renderer reads.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from app.core.image_occlusion import (
    TEXT_BACKGROUND,
    TEXT_COLOUR,
    TEXT_FONT_SIZE,
    TEXT_PADDING,
    Colours,
    Role,
    Shape,
    drawn,
)

MARK = 'id="cirrus-image-occlusion"'
"""On every picture's root element, so a viewer can tell one from other SVG."""

# Helvetica / Arial advance widths (per 1000 em) of ASCII 32..126, for a label's box.
_WIDTHS = (
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 "
    "556 556 556 556 556 278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 "
    "500 667 556 833 722 778 667 778 722 667 611 722 667 944 667 667 611 278 278 278 469 "
    "556 333 556 556 500 556 556 278 556 556 222 222 500 222 833 556 556 556 556 333 500 "
    "278 556 500 722 500 500 500 334 260 334 584"
)
_ADVANCE = {chr(32 + i): int(w) / 1000 for i, w in enumerate(_WIDTHS.split())}
_CAP_HEIGHT = 0.716
"""Arial's "M" from top to baseline, per em (what Anki's line height is measured by)."""
_ASCENT = 0.905
"""Arial's ascent per em: the top of a line to its baseline."""


def text_width(line: str, size: float) -> float:
    return sum(_ADVANCE.get(ch, 0.556) for ch in line) * size


def _n(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") or "0"


def _finite(*values: float) -> bool:
    return all(math.isfinite(v) for v in values)


def _paint(role: Role, shape: Shape, colours: Colours) -> tuple[str, str]:
    if role == "active":
        return colours.active, colours.active_border
    if role == "inactive":
        fill = shape.fill or colours.inactive
        return fill, colours.inactive_border
    return "none", colours.highlight_border


def _style(fill: str, stroke: str) -> str:
    return f'fill="{fill}" stroke="{stroke}" stroke-width="1" vector-effect="non-scaling-stroke"'


def shape_svg(role: Role, shape: Shape, width: int, height: int, colours: Colours) -> str:
    """One shape in image pixels ("" for one Anki would not draw)."""
    if not drawn(role, shape):
        return ""
    left, top = shape.left * width, shape.top * height
    turn = f' transform="rotate({_n(shape.angle)} {_n(left)} {_n(top)})"' if shape.angle else ""
    fill, stroke = _paint(role, shape, colours)
    if shape.kind == "rect":
        w, h = shape.width * width, shape.height * height
        if not _finite(w, h, left, top):
            return ""
        return (
            f'<rect x="{_n(left)}" y="{_n(top)}" width="{_n(w)}" height="{_n(h)}" '
            f"{_style(fill, stroke)}{turn}/>"
        )
    if shape.kind == "ellipse":
        rx, ry = shape.rx * width, shape.ry * height
        if not _finite(rx, ry, left, top):
            return ""
        return (
            f'<ellipse cx="{_n(left + rx)}" cy="{_n(top + ry)}" rx="{_n(rx)}" ry="{_n(ry)}" '
            f"{_style(fill, stroke)}{turn}/>"
        )
    if shape.kind == "polygon":
        points = [(x * width, y * height) for x, y in shape.points]
        if len(points) < 2 or not all(_finite(x, y) for x, y in points):
            return ""
        dx = left - min(x for x, _ in points)
        dy = top - min(y for _, y in points)
        listed = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        return (
            f'<polygon points="{listed}" {_style(fill, stroke)} '
            f'transform="translate({_n(dx)} {_n(dy)})"/>'
        )
    return _label(shape, left, top, height)


def _label(shape: Shape, left: float, top: float, height: int) -> str:
    size = shape.font_size * height if shape.font_size else TEXT_FONT_SIZE
    lines = shape.text.split("\n")
    line_height = 1.5 * _CAP_HEIGHT * size
    box_w = max(text_width(line, size) for line in lines) + TEXT_PADDING
    box_h = line_height * len(lines) + TEXT_PADDING
    spans = "".join(
        f'<text x="0" y="{_n(i * line_height + _ASCENT * size)}" font-family="Arial" '
        f'font-size="{_n(size)}" fill="{shape.fill or TEXT_COLOUR}" '
        f'xml:space="preserve">{escape(line, quote=False)}</text>'
        for i, line in enumerate(lines)
    )
    turn = f" rotate({_n(shape.angle)})" if shape.angle else ""
    return (
        f'<g transform="translate({_n(left)} {_n(top)}){turn} scale({_n(shape.scale)})">'
        f'<rect x="0" y="0" width="{_n(box_w)}" height="{_n(box_h)}" '
        f'fill="{TEXT_BACKGROUND}"/>{spans}</g>'
    )


def compose_svg(
    image_href: str,
    width: int,
    height: int,
    shapes: Sequence[tuple[Role, Shape]],
    colours: Colours | None = None,
) -> str:
    """The image (``image_href``, ``width`` x ``height`` pixels) with ``shapes`` drawn."""
    colours = colours or Colours()
    body = "".join(shape_svg(role, shape, width, height, colours) for role, shape in shapes)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'version="1.2" baseProfile="tiny" {MARK} width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
        f'<image x="0" y="0" width="{width}" height="{height}" preserveAspectRatio="none" '
        f'xlink:href="{escape(image_href)}"/>{body}</svg>\n'
    )
