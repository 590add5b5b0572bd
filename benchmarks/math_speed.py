"""How long formulas take to draw: first sight (typeset by ziamath, stored) and again
(read from the media store), and a whole card side through the card view.

    python benchmarks/math_speed.py [--repeat 5]

Prints medians in milliseconds; nothing is written to the repository.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.math_tex import Formula  # noqa: E402
from app.storage.math_images import draw  # noqa: E402

FORMULAS = [
    r"x^2",
    r"a_1 + a_2 + \dots + a_n",
    r"\frac{-b \pm \sqrt{b^2 - 4ac}}{2a}",
    r"\sum_{i=1}^{n} i = \frac{n(n+1)}{2}",
    r"\int_0^\infty e^{-x^2}\,dx = \frac{\sqrt{\pi}}{2}",
    r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}^{-1}",
    r"\mathbb{E}[X] = \sum_x x\,P(X = x)",
    r"\lim_{h \to 0} \frac{f(x + h) - f(x)}{h}",
    r"\hat{\theta} = \operatorname{argmax}_\theta \log L(\theta)",
    r"e^{i\pi} + 1 = 0",
]
CARD = " ".join(rf"Step {i}: \({tex}\)." for i, tex in enumerate(FORMULAS)) + (
    r" $$\sum_{k=0}^{\infty} \frac{x^k}{k!} = e^x$$"
)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    start = time.perf_counter()
    import ziamath  # noqa: F401

    print(f"import ziamath: {_ms(time.perf_counter() - start)} ms")
    first: list[float] = []
    again: list[float] = []
    for rep in range(args.repeat):
        with tempfile.TemporaryDirectory() as folder:
            media = Path(folder)
            for tex in FORMULAS:
                formula = Formula(((tex, False),), False, tex)
                colour = f"#{rep:06x}"  # a new key each repeat: really typeset
                t0 = time.perf_counter()
                draw(media, formula, colour, "#0550ae")
                t1 = time.perf_counter()
                draw(media, formula, colour, "#0550ae")
                t2 = time.perf_counter()
                first.append(t1 - t0)
                again.append(t2 - t1)
    print(f"first sight, per formula: median {_ms(statistics.median(first))} ms, ", end="")
    print(f"max {_ms(max(first))} ms ({len(first)} draws)")
    print(f"from the store, per formula: median {_ms(statistics.median(again))} ms")
    _card_side(args.repeat)


def _card_side(repeat: int) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.core.render import markdown_html
    from app.ui.card_text_view import CardTextView

    app = QApplication.instance() or QApplication([])
    times: dict[str, list[float]] = {"first": [], "again": []}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as folder:
            view = CardTextView(Path(folder))
            view.resize(900, 600)
            html = markdown_html(CARD)
            for label in ("first", "again"):
                t0 = time.perf_counter()
                view.show_html(html, dark=False)
                view.grab()  # lays out and paints: every image is loaded
                times[label].append(time.perf_counter() - t0)
                app.processEvents()
    for label, values in times.items():
        print(f"card side with 11 formulas, {label}: median {_ms(statistics.median(values))} ms")


if __name__ == "__main__":
    main()
