"""Image occlusion packages built by the real Anki, and what Anki's reviewer reads of them."""

from __future__ import annotations

import html
import math
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.interop.anki_oracle import export, new_anki

WIDTH, HEIGHT = 200, 100

HIDE_ALL = (
    # card 1: a rectangle turned 36 degrees, in a colour of its own
    "{{c1::image-occlusion:rect:left=.1:top=.2:width=.3:height=.4:angle=1000:fill=#9ecbff:oi=1}}"
    "<br>{{c2::image-occlusion:ellipse:left=.5:top=.1:rx=.1:ry=.2:oi=1}}"
    # card 2 again: one card, two shapes
    "<br>{{c2::image-occlusion:rect:left=.8:top=.05:width=.1:height=.1:oi=1}}"
    "<br>{{c3::image-occlusion:polygon:left=.6:top=.5:points=.6,.5 .9,.6 .7,.9:oi=1}}"
    # a label on every card, with an escaped colon and backslash
    r"<br>{{c0::image-occlusion:text:text=Hi\: a\\b:left=.05:top=.8:scale=1.5:fs=.08}}"
)
HIDE_ONE = (
    "{{c1::image-occlusion:rect:left=.05:top=.1:width=.2:height=.3}}"
    "<br>{{c2::image-occlusion:ellipse:left=.4:top=.4:rx=.1:ry=.15}}"
    "<br>{{c3::image-occlusion:rect:left=.7:top=.6:width=.2:height=.3:fill=#00ff00}}"
)


def png(width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """A gradient, so that every point of the image has a colour of its own."""
    rows = b"".join(
        b"\x00" + b"".join(bytes((x * 255 // width, y * 255 // height, 128)) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def image_colour(x: float, y: float) -> tuple[int, int, int]:
    """The colour :func:`png` gives the pixel at (x, y) of the image."""
    return int(x) * 255 // WIDTH, int(y) * 255 // HEIGHT, 128


def occlusion_package(folder: Path, notes: dict[str, str]) -> tuple[Path, Any]:
    """An .apkg with one image occlusion note per (header, Occlusion field), and the Anki
    collection it came from (open)."""
    col = new_anki(folder / "anki")
    image = folder / "diagram.png"
    image.write_bytes(png())
    col.add_image_occlusion_notetype()
    notetype = next(m for m in col.models.all() if m.get("originalStockKind") == 6)
    for header, occlusions in notes.items():
        col.add_image_occlusion_note(
            notetype["id"], str(image), occlusions, header, f"Back of {header}", ["io"]
        )
    return export(col, folder / "occlusion.apkg", legacy=False), col


_SHAPE_DIV = re.compile(r'<div class="(cloze|cloze-inactive|cloze-highlight)" ([^>]*)></div>')
_ATTR = re.compile(r'data-([A-Za-z-]+)="([^"]*)"')
ROLES = {"cloze": "active", "cloze-inactive": "inactive", "cloze-highlight": "highlight"}


@dataclass(frozen=True)
class AnkiShape:
    """A shape as Anki's reviewer builds it from the card's HTML (``from-cloze.ts``)."""

    role: str
    kind: str
    ordinals: tuple[int, ...]
    left: float
    top: float
    width: float
    height: float
    rx: float
    ry: float
    points: tuple[tuple[float, float], ...]
    angle: float
    fill: str | None
    occlude_inactive: bool
    text: str
    scale: float
    font_size: float | None


def _num(value: str | None) -> float:
    return float(value) if value else math.nan


def anki_shapes(rendered: str) -> list[AnkiShape]:
    out = []
    for m in _SHAPE_DIV.finditer(rendered):
        attrs = {k.lower(): html.unescape(v) for k, v in _ATTR.findall(m.group(2))}
        points = tuple(
            (float(x), float(y))
            for x, y in (p.split(",") for p in attrs.get("points", "").split(" ") if p)
        )
        angle = _num(attrs.get("angle"))
        out.append(
            AnkiShape(
                role=ROLES[m.group(1)],
                kind=attrs["shape"],
                ordinals=tuple(int(n) for n in attrs["ordinal"].split(",")),
                left=_num(attrs.get("left")) if "left" in attrs else 0.0,
                top=_num(attrs.get("top")) if "top" in attrs else 0.0,
                width=_num(attrs.get("width")),
                height=_num(attrs.get("height")),
                rx=_num(attrs.get("rx")),
                ry=_num(attrs.get("ry")),
                points=points,
                angle=0.0 if math.isnan(angle) else (angle % 10000) / 10000 * 360,
                fill=attrs.get("fill"),
                occlude_inactive=attrs.get("occludeinactive") == "1",
                text=attrs.get("text", ""),
                scale=_num(attrs["scale"]) if "scale" in attrs else 1.0,
                font_size=_num(attrs["font-size"]) if "font-size" in attrs else None,
            )
        )
    return out


_SCRIPT = re.compile(r"<script>.*?</script>", re.DOTALL)
_BUTTON = re.compile(r"<button[^>]*>.*?</button>", re.DOTALL)


def outside_image(rendered: str) -> str:
    """Anki's side without its script and its "Toggle Masks" button (Cirrus has none)."""
    return _BUTTON.sub("", _SCRIPT.sub("", rendered))
