"""Start to first paint, each in a fresh process under X: a bare PySide6 window, Cirrus's
deck list, Cirrus's first card (its study screen opened at once), and Anki desktop
(``aqt``) with its deck list painted, on the same Anki-built collection.

The clock starts just before the process is spawned (``time.monotonic_ns``, one clock
for the whole machine) and stops at the time the process prints after the first paint.
Anki's side is an add-on in its profile folder: when the deck browser has rendered it
asks the page for two animation frames (a frame has been painted) and prints then.
Both profile folders are opened once before measuring (a returning learner, no
first-run dialogs); every run works on a fresh copy. Run the X server with
``-noreset``: one that resets when its last client leaves refuses the next start.
"Cold" runs drop the collection file from the page cache first (``posix_fadvise``: the
Python, Qt and Anki libraries stay cached; dropping the whole cache would need
privileges and disturb the machine).
"""

from __future__ import annotations

import compileall
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

from benchmarks import dataset
from benchmarks.runner import ROOT, spread

SIDES = ("bare", "cirrus_deck_list", "cirrus_first_card", "anki_deck_list")
PROFILE = "User 1"
ADDON = '''
"""Prints when Anki's deck list has painted, then leaves at once."""
import os
import time

from aqt import gui_hooks

TAG = "cirrus-bench:painted"


def on_message(handled, message, context):
    if message == TAG:
        print(f"PAINTED anki-deck-list {time.monotonic_ns()}", flush=True)
        os._exit(0)
    return handled


def on_render(browser):
    browser.web.eval(
        "requestAnimationFrame(() => requestAnimationFrame(() => pycmd('%s')))" % TAG
    )


gui_hooks.webview_did_receive_js_message.append(on_message)
gui_hooks.deck_browser_did_render.append(on_render)
'''
PROFILE_SETUP = """
import sys
from pathlib import Path
import anki.lang
from aqt.profiles import ProfileManager
anki.lang.set_lang("en_US")
pm = ProfileManager(Path(sys.argv[1]))
pm.setupMeta()
pm.create(sys.argv[2])
pm.load(sys.argv[2])
pm.meta.update(firstRun=False, defaultLang="en_US", check_for_updates=False, updates=False)
pm.profile.update(autoSync=False, syncMedia=False)
pm.save()
"""


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "xcb"}
    env.setdefault("DISPLAY", ":0")
    env["QTWEBENGINE_DISABLE_SANDBOX"] = "1"  # runs as root in the build container
    env.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
    # an installed program runs from compiled bytecode (pip compiles Anki's at install;
    # an editable install of Cirrus would otherwise compile every module on every start)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def templates(cards: int) -> Path:
    """Anki's base folder (profile, add-on, collection) and Cirrus's data folder, each
    opened once by its program."""
    root = dataset.ensure(cards, 12)
    out = dataset.cache_root() / f"start-{root.name}"
    if (out / "ready").exists():
        return out
    shutil.rmtree(out, ignore_errors=True)
    base = out / "anki-base"
    (base / PROFILE).mkdir(parents=True)
    subprocess.run(
        [sys.executable, "-c", PROFILE_SETUP, str(base), PROFILE], check=True, env=_env()
    )
    dataset.checkpoint(root / "anki" / "collection.anki2")
    shutil.copyfile(root / "anki" / "collection.anki2", base / PROFILE / "collection.anki2")
    (base / "addons21" / "cirrus_bench").mkdir(parents=True)
    (base / "addons21" / "cirrus_bench" / "__init__.py").write_text(textwrap.dedent(ADDON))
    shutil.copytree(root / "cirrus", out / "cirrus", ignore=shutil.ignore_patterns("*.lock"))
    for side in ("anki_deck_list", "cirrus_deck_list"):
        _launch(side, out)
    # the probes leave without closing: fold their write-ahead logs in, as a clean close
    # of either program does (a returning learner's folder has none)
    for path in _collection_files(out):
        if path.suffix in (".sqlite", ".anki2"):
            dataset.checkpoint(path)
    (out / "ready").write_text("")
    return out


def _command(side: str, folder: Path) -> list[str]:
    probe = [sys.executable, "-m", "benchmarks.start_probe"]
    if side == "bare":
        return [*probe, "bare"]
    if side == "cirrus_deck_list":
        return [*probe, "cirrus", str(folder / "cirrus")]
    if side == "cirrus_first_card":
        return [*probe, "cirrus", str(folder / "cirrus"), "Bench"]
    return [str(Path(sys.executable).parent / "anki"), "-b", str(folder / "anki-base")]


def _collection_files(folder: Path) -> list[Path]:
    files = [*(folder / "cirrus").glob("collection.sqlite*")]
    return [*files, *(folder / "anki-base" / PROFILE).glob("collection.anki2*")]


def _drop_from_cache(paths: list[Path]) -> None:
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def _launch(side: str, folder: Path, cold: bool = False) -> dict[str, float]:
    if cold:
        _drop_from_cache(_collection_files(folder))
    start = time.monotonic_ns()
    child = subprocess.Popen(
        _command(side, folder),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        out, err = child.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, 9)
        out, err = child.communicate()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, 9)  # Anki's web engine helpers
    painted = [line for line in out.splitlines() if line.startswith("PAINTED ")]
    if not painted:
        raise RuntimeError(f"{side} did not paint:\n{out[-2000:]}\n{err[-3000:]}")
    return {"ms": (int(painted[0].split()[2]) - start) / 1e6}


def run(cards: int, reps: int) -> dict[str, Any]:
    template = templates(cards)
    for folder in ("app", "benchmarks", "packaging"):
        compileall.compile_dir(ROOT / folder, quiet=1)
    samples: dict[str, dict[str, list[float]]] = {
        cache: {side: [] for side in SIDES} for cache in ("cold", "warm")
    }
    for rep in range(reps):
        order = SIDES[rep % len(SIDES) :] + SIDES[: rep % len(SIDES)]
        if rep % 2:
            order = tuple(reversed(order))
        for side in order:
            with tempfile.TemporaryDirectory(prefix="cirrus-start-") as tmp:
                folder = Path(tmp)
                if side.startswith("cirrus"):
                    shutil.copytree(template / "cirrus", folder / "cirrus")
                elif side.startswith("anki"):
                    shutil.copytree(template / "anki-base", folder / "anki-base")
                for cache in ("cold", "warm"):
                    samples[cache][side].append(_launch(side, folder, cold=cache == "cold")["ms"])
    out: dict[str, Any] = {"processes_per_side_and_cache": reps}
    for cache, by_side in samples.items():
        figures: dict[str, Any] = {side: spread(v) for side, v in by_side.items()}
        figures["samples_ms"] = by_side
        pairs = zip(by_side["cirrus_first_card"], by_side["anki_deck_list"], strict=True)
        figures["ratio_first_card_over_anki_deck_list"] = spread([c / a for c, a in pairs])
        pairs = zip(by_side["cirrus_deck_list"], by_side["anki_deck_list"], strict=True)
        figures["ratio_deck_list_over_anki_deck_list"] = spread([c / a for c, a in pairs])
        out[cache] = figures
    return out
