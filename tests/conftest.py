from __future__ import annotations

import os
import random
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.platform_libs import qt_start_problem
from app.storage.collection import Collection

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Before pytest-qt imports PySide6: install or name the system libraries Qt lacks."""
    if problem := qt_start_problem(offscreen=True):
        pytest.exit(f"cirrus: {problem}", returncode=2)


@pytest.fixture
def col() -> Collection:
    """An in-memory collection in UTC with a seeded random generator."""
    collection = Collection.in_memory(tz=UTC, rng=random.Random(7))
    yield collection
    collection.close()


@pytest.fixture
def write_deck(tmp_path: Path) -> Callable[..., Path]:
    """Write a deck file from dedented text; returns its path."""

    def write(text: str, name: str = "deck.md") -> Path:
        path = tmp_path / "decks" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


def deck_text(cards: str, deck: str = "Test::Sub", uid: str = "test", tags: str = "[t]") -> str:
    header = f"---\ndeck: {deck}\nid: {uid}\ntags: {tags}\n---\n\nA test deck.\n\n"
    return header + textwrap.dedent(cards).lstrip("\n")
