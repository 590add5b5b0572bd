"""The frozen build in dist/ (``python packaging/build.py``) starts and answers a card.

Skipped when there is no build: a checkout or CI without the ``package`` extra has none.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"


def _program() -> Path:
    if sys.platform.startswith("win"):
        return DIST / "cirrus" / "cirrus-cli.exe"
    if sys.platform == "darwin":
        return DIST / "Cirrus.app" / "Contents" / "MacOS" / "Cirrus"
    return DIST / "cirrus" / "cirrus"


def _data_root() -> Path:
    """The folder holding the bundled decks, notices and licences (sys._MEIPASS)."""
    if sys.platform == "darwin":
        return DIST / "Cirrus.app" / "Contents" / "Resources"
    return DIST / "cirrus" / "_internal"


@pytest.fixture
def program() -> Path:
    path = _program()
    if not path.is_file():
        pytest.skip(
            f"no frozen build at {path.relative_to(ROOT)}; "
            "build one with `python packaging/build.py` (needs the package extra)"
        )
    return path


def _run(program: Path, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("CIRRUS_DATA_DIR", None)
    return subprocess.run(
        [str(program), "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        cwd=data_dir,
    )


def test_frozen_program_smoke_run(program: Path, tmp_path: Path) -> None:
    result = _run(program, tmp_path, "--smoke")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("cirrus smoke: ok"))
    figures = dict(part.split("=", 1) for part in line.split()[3:])
    assert int(figures["cards"]) >= 500
    assert int(figures["review_logs"]) == 1
    assert figures["render"] == "ok"
    assert (tmp_path / "collection.sqlite").exists()


def test_frozen_program_command_line(program: Path, tmp_path: Path) -> None:
    version = _run(program, tmp_path, "--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("cirrus ")
    backup = _run(program, tmp_path, "backup")
    assert backup.returncode == 0, backup.stderr
    assert list((tmp_path / "backups").glob("*.zst"))


def test_build_carries_decks_notices_and_licences(program: Path) -> None:
    root = _data_root()
    assert list((root / "decks").rglob("*.md"))
    assert (root / "resources" / "icons" / "cirrus.svg").is_file()
    notices = (root / "THIRD_PARTY_NOTICES.md").read_text(encoding="utf-8")
    assert "LGPL-3.0" in notices
    licences = root / "licenses"
    assert (licences / "LGPL-3.0.txt").is_file()
    assert (licences / "GPL-3.0.txt").is_file()
    assert [p for p in licences.iterdir() if p.is_dir()], "no per-package licence folders"
    assert not any("fsrs_rs_python" in p.name for p in root.iterdir())


def test_qt_libraries_stay_separate_files(program: Path) -> None:
    """One-folder layout: users can replace the LGPL Qt libraries."""
    root = _data_root().parent / "Frameworks" if sys.platform == "darwin" else _data_root()
    names = [p.name for p in (root / "PySide6").rglob("*")]
    assert any("Qt6Core" in n or n == "QtCore" for n in names), names[:20]
