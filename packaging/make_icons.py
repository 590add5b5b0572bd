"""Draw the app icons from ``resources/icons/cirrus.svg``: PNG sizes, Windows ICO, macOS ICNS.

The results are committed, so builds need neither tool; run this after changing the SVG:

    apt-get install librsvg2-bin && pip install pillow
    python packaging/make_icons.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SOURCE = ICONS / "cirrus.svg"
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)
"""Committed as ``cirrus-<size>.png``: the Linux hicolor theme sizes."""
ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)


def render(size: int, folder: Path) -> Path:
    out = folder / f"cirrus-{size}.png"
    subprocess.run(
        ["rsvg-convert", "--width", str(size), "--height", str(size), "-o", str(out), str(SOURCE)],
        check=True,
    )
    return out


def main() -> int:
    if shutil.which("rsvg-convert") is None:
        print("make_icons: rsvg-convert is missing (apt-get install librsvg2-bin)", file=sys.stderr)
        return 1
    try:
        from PIL import Image
    except ImportError:
        print("make_icons: Pillow is missing (pip install pillow)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sizes = sorted(set(PNG_SIZES) | set(ICO_SIZES) | set(ICNS_SIZES))
        images = {size: render(size, folder) for size in sizes}
        for size in PNG_SIZES:
            shutil.copyfile(images[size], ICONS / f"cirrus-{size}.png")
        # Pillow picks each frame from the matching image when it is given all of them.
        frames = [Image.open(images[size]) for size in ICO_SIZES]
        frames[-1].save(
            ICONS / "cirrus.ico", sizes=[(s, s) for s in ICO_SIZES], append_images=frames[:-1]
        )
        big = [Image.open(images[size]) for size in ICNS_SIZES]
        big[-1].save(ICONS / "cirrus.icns", append_images=big[:-1])
    for path in sorted(ICONS.iterdir()):
        print(f"{path.name:20} {path.stat().st_size:>8} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
