"""How long hostile files take to be refused or rendered (they must stay in seconds).

    python benchmarks/hostile_inputs.py

Prints one line per case: what it is and the seconds it took.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.errors import BadInputError  # noqa: E402
from app.core.render import markdown_html  # noqa: E402
from app.interop.reader import read_source  # noqa: E402

GENANKI = ROOT / "tests" / "fixtures" / "anki" / "genanki_basic.apkg"


def timed(label: str, work: Callable[[], object]) -> None:
    start = time.perf_counter()
    try:
        work()
        outcome = "ok"
    except BadInputError as exc:
        outcome = f"refused: {str(exc)[-70:]}"
    print(f"{time.perf_counter() - start:7.2f} s  {label}  ({outcome})")


def many_members(folder: Path) -> Path:
    out = io.BytesIO()
    with zipfile.ZipFile(GENANKI) as src, zipfile.ZipFile(out, "w") as zf:
        for info in src.infolist():
            zf.writestr(info.filename, src.read(info))
        for index in range(100_000):
            zf.writestr(f"m{index}", b"")
    path = folder / "many.apkg"
    path.write_bytes(out.getvalue())
    return path


def bangs_deck(folder: Path) -> Path:
    path = folder / "bangs.md"
    path.write_text("---\ndeck: B\nid: b\n---\n\n## Q\n\n" + "![" * 80_000, encoding="utf-8")
    return path


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        many = many_members(folder)
        timed("100,000-member zip", lambda: read_source(many, folder / "w1"))
        bangs = bangs_deck(folder)
        timed("160 KB card of '![' (read)", lambda: read_source(bangs, folder / "w2"))
    cases = {
        "render 160 KB of '!['": "![" * 80_000,
        "render 90 KB of '!['": "![" * 45_000,
        "render 90 KB of '['": "[" * 90_000,
        "render 90 KB of '[a]('": "[a](" * 22_500,
        "render 90 KB of '<a '": "<a " * 30_000,
        "render 10 MB nested list": "".join("  " * (i % 40) + "- x\n" for i in range(250_000)),
        "render 150-level list": "".join("  " * i + "- x\n" for i in range(150)),
    }
    for label, text in cases.items():
        timed(label, lambda text=text: markdown_html(text))


if __name__ == "__main__":
    main()
