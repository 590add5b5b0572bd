"""Anki's image occlusion notes: the shapes of the Occlusion field, and one card side drawn.

An image occlusion note (Anki's built-in note type since 23.10) keeps its masks as
cloze deletions in the Occlusion field, one shape each:
``{{c1::image-occlusion:rect:left=.2:top=.3:width=.1:height=.1:oi=1}}``; also
``ellipse`` (``rx``, ``ry``), ``polygon`` (``points=x,y x,y ...``) and ``text``
(``text``, ``scale``, ``fs``), with ``angle`` and ``fill``. Positions are fractions of
the image's width and height. ``oi=1`` ("hide all, guess one") also hides the other
cards' shapes; without it ("hide one, guess one") they are not drawn. ``c0`` shapes (text
labels) show on every card and make none.

As Anki's reviewer draws them: on the question the card's own shapes are filled with the
active colour, on the answer they become an outline; other cards' shapes in ``oi`` mode
keep the inactive colour (or their own ``fill``) on both sides. The picture is an SVG of
the image with its shapes over it, in the image's own pixels.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Role = Literal["active", "inactive", "highlight"]

ACTIVE_FILL = "#ff8e8e"
INACTIVE_FILL = "#ffeba2"
BORDER = "#212121"
HIGHLIGHT_BORDER = "#ff8e8e"
TEXT_BACKGROUND = "#ffffff"
TEXT_COLOUR = "#000000"
TEXT_FONT_SIZE = 40.0
"""Anki's default label size in canvas pixels (labels older than ``fs``)."""
TEXT_PADDING = 5.0
KINDS = ("rect", "ellipse", "polygon", "text")
MAX_SHAPES = 2000
"""Shapes read from one note (real notes have tens); a field of more is cut there."""

OCCLUSION = re.compile(r"\{\{c([\d,]+)::image-occlusion:(.*?)\}\}", re.DOTALL)
"""A shape in the Occlusion field: (ordinals, shape text)."""
_CLOZE_FIELD = re.compile(r"\{\{\s*cloze\s*:\s*([^{}:]+?)\s*\}\}")
_CONTAINER = re.compile(r'<div\s+id="image-occlusion-container"[^>]*>(.*?)</div>', re.DOTALL)
_TOGGLE = re.compile(r'<button\s[^>]*id="toggle"[^>]*>.*?</button>', re.DOTALL | re.IGNORECASE)
_CANVAS = re.compile(r"<canvas\b[^>]*>.*?</canvas>", re.DOTALL | re.IGNORECASE)
_HIDDEN = re.compile(
    r"<div\b[^>]*style=\"[^\"]*display:\s*none[^\"]*\"[^>]*>(?:(?!<div\b).)*?</div>",
    re.DOTALL | re.IGNORECASE,
)
_SAFE_COLOUR = re.compile(r"^(?:#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20})$")
_NUMBER = re.compile(r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


@dataclass(frozen=True)
class Shape:
    """One mask, with positions as fractions of the image (Anki's stored form)."""

    kind: str
    ordinals: tuple[int, ...]
    left: float = 0.0
    top: float = 0.0
    width: float = math.nan
    height: float = math.nan
    rx: float = math.nan
    ry: float = math.nan
    points: tuple[tuple[float, float], ...] = ()
    angle: float = 0.0
    """Degrees, clockwise."""
    fill: str | None = None
    occlude_inactive: bool = False
    text: str = ""
    scale: float = 1.0
    font_size: float | None = None
    """A fraction of the image's height."""


@dataclass(frozen=True)
class Colours:
    active: str = ACTIVE_FILL
    inactive: str = INACTIVE_FILL
    active_border: str = BORDER
    inactive_border: str = BORDER
    highlight_border: str = HIGHLIGHT_BORDER


def occlusion_field(template: str) -> str | None:
    """The field holding the shapes, for a template that draws an occlusion image."""
    if _CONTAINER.search(template) is None:
        return None
    m = _CLOZE_FIELD.search(template)
    return m.group(1) if m else None


def without_occlusions(value: str) -> str:
    """A field with its image-occlusion deletions removed (Anki renders them as empty
    elements that only its script reads)."""
    return OCCLUSION.sub("", value)


def _split_properties(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Anki's parse: ``kind:name=value:...`` where ``\\:`` and ``\\\\`` escape a value."""
    kind, sep, rest = text.partition(":")
    props: list[tuple[str, str]] = []
    if not sep:
        return text, props
    pos, rest = 0, ":" + rest
    while pos < len(rest) and rest[pos] == ":":
        eq = rest.find("=", pos + 1)
        if eq <= pos + 1:
            break
        name, i, value = rest[pos + 1 : eq], eq + 1, []
        while i < len(rest) and rest[i] != ":":
            if rest[i] == "\\" and i + 1 < len(rest) and rest[i + 1] in "\\:":
                i += 1
            elif rest[i] == "\\":
                break
            value.append(rest[i])
            i += 1
        if not value:
            break
        props.append((name, "".join(value)))
        pos = i
    return kind, props


def _float(value: str | None) -> float:
    """JavaScript's ``parseFloat``: the leading number, or NaN."""
    m = _NUMBER.match(value or "")
    return float(m.group()) if m else math.nan


def parse_shape(ordinals: tuple[int, ...], text: str) -> Shape | None:
    kind, pairs = _split_properties(text)
    if kind not in KINDS:
        return None
    props: dict[str, str] = {}
    for name, value in pairs:
        if name in ("width", "height", "rx", "ry", "scale") and value == "0":
            continue
        props[name] = value
    left, top = _float(props.get("left")), _float(props.get("top"))
    stored_angle = _float(props.get("angle"))
    angle = 0.0 if math.isnan(stored_angle) else (stored_angle % 10000) / 10000 * 360
    points: list[tuple[float, float]] = []
    for pair in props.get("points", "").split(" "):
        x, comma, y = pair.partition(",")
        if comma:
            points.append((_float(x), _float(y)))
    scale = _float(props.get("scale"))
    font_size = _float(props.get("fs"))
    fill = props.get("fill")
    return Shape(
        kind=kind,
        ordinals=ordinals,
        left=0.0 if math.isnan(left) else left,
        top=0.0 if math.isnan(top) else top,
        width=_float(props.get("width")),
        height=_float(props.get("height")),
        rx=_float(props.get("rx")),
        ry=_float(props.get("ry")),
        points=tuple(points) if points or kind != "polygon" else ((0.0, 0.0),),
        angle=angle,
        fill=fill if fill and _SAFE_COLOUR.match(fill) else None,
        occlude_inactive=props.get("oi") == "1",
        text=props.get("text", ""),
        scale=1.0 if math.isnan(scale) else scale,
        font_size=None if math.isnan(font_size) else font_size,
    )


def parse_occlusions(value: str) -> list[Shape]:
    """Every shape of an Occlusion field, in field order (at most :data:`MAX_SHAPES`)."""
    shapes: list[Shape] = []
    for m in OCCLUSION.finditer(value):
        if len(shapes) >= MAX_SHAPES:
            break
        ordinals = tuple(int(n) for n in m.group(1).split(",") if n.isdigit())
        shape = parse_shape(ordinals, m.group(2))
        if shape is not None:
            shapes.append(shape)
    return shapes


def side_shapes(
    shapes: Sequence[Shape], number: int, *, question: bool
) -> list[tuple[Role, Shape]]:
    """How card ``number`` (1-based) shows each shape, in Anki's terms: ``active`` (the
    card's own on the question, and ``c0`` labels), ``inactive`` (another card's),
    ``highlight`` (the card's own on the answer)."""
    out: list[tuple[Role, Shape]] = []
    for shape in shapes:
        active = number in shape.ordinals
        role: Role
        if (question and active) or 0 in shape.ordinals:
            role = "active"
        elif not active:
            role = "inactive"
        else:
            role = "highlight"
        out.append((role, shape))
    return out


def drawn(role: Role, shape: Shape) -> bool:
    """Whether the reviewer draws it: another card's shape only in ``oi`` mode."""
    return role != "inactive" or shape.occlude_inactive


def colours_from_css(css: str) -> Colours:
    """The note type's own shape colours (``--active-shape-color`` ...), else Anki's."""

    def var(name: str, default: str, border: bool = False) -> str:
        m = re.search(rf"--{name}\s*:\s*([^;}}]+)", css)
        if m is None:
            return default
        value = m.group(1).split()[-1] if border else m.group(1).strip()
        return value if _SAFE_COLOUR.match(value) else default

    return Colours(
        active=var("active-shape-color", ACTIVE_FILL),
        inactive=var("inactive-shape-color", INACTIVE_FILL),
        active_border=var("active-shape-border", BORDER, border=True),
        inactive_border=var("inactive-shape-border", BORDER, border=True),
        highlight_border=var("highlight-shape-border", HIGHLIGHT_BORDER, border=True),
    )


def container_image(html: str) -> tuple[int, int, str] | None:
    """Where a rendered side's occlusion container is, and the HTML inside it."""
    m = _CONTAINER.search(html)
    return (m.start(), m.end(), m.group(1)) if m else None


def without_controls(html: str) -> str:
    """A rendered side without what only Anki's script uses (canvas, toggle button) and
    without hidden blocks (the Occlusion field's; Qt's rich text cannot hide them)."""
    return _HIDDEN.sub("", _CANVAS.sub("", _TOGGLE.sub("", html)))
