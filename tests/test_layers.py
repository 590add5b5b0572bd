"""Imports point down only: core <- storage/interop <- ui/cli; only app/ui imports Qt."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"
QT = ("PySide6", "shiboken6")
# what each layer must not import
FORBIDDEN = {
    "core": ("app.storage", "app.interop", "app.ui", "app.cli", "sqlalchemy", "sqlmodel", *QT),
    "interop": ("app.storage", "app.ui", "app.cli", *QT),
    "storage": ("app.ui", "app.cli", *QT),
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_layers_import_only_downwards() -> None:
    problems = []
    for layer, banned in FORBIDDEN.items():
        for path in (APP / layer).rglob("*.py"):
            for name in _imports(path):
                if any(name == b or name.startswith(b + ".") for b in banned):
                    problems.append(f"{path.relative_to(APP.parent)} imports {name}")
    assert problems == []


def test_only_ui_imports_qt() -> None:
    offenders = [
        str(path.relative_to(APP.parent))
        for path in APP.rglob("*.py")
        if "ui" not in path.relative_to(APP).parts
        and any(n.split(".")[0] in QT for n in _imports(path))
    ]
    assert offenders == []


def test_the_checker_would_catch_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from PySide6.QtCore import QObject\nimport app.ui.app\n")
    assert _imports(bad) == ["PySide6.QtCore", "app.ui.app"]
