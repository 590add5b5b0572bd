"""Markdown packs and Obsidian vaults may name images inside themselves only."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.render import markdown_html
from app.sqlite import sqlite3
from app.storage.collection import Collection
from tests.conftest import T0

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)
SECRET = b"root:x:0:0:secret\n"

DECK = """---
deck: Escapes
id: escapes
---

## Absolute
<!-- id: abs -->

![passwd]({absolute})

## Climbing out
<!-- id: up -->

![up](../../outside/secret.png)

## Symlinked
<!-- id: link -->

![linked](../img/linked.png)

## Inside
<!-- id: ok -->

![fine](../img/ok.png) and ![also](../img/../img/ok.png)
"""


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Collection]:
    collection = Collection.open(tmp_path / "data")
    yield collection
    collection.close()


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "outside" / "secret.png"
    path.parent.mkdir()
    path.write_bytes(SECRET)
    return path


def _pack(root: Path, secret: Path, symlink: bool = True) -> Path:
    (root / "img").mkdir(parents=True)
    (root / "img" / "ok.png").write_bytes(PNG)
    if symlink:
        (root / "img" / "linked.png").symlink_to(secret)
    deck = root / "sub" / "deck.md"
    deck.parent.mkdir()
    deck.write_text(DECK.format(absolute=secret), encoding="utf-8")
    return deck


def _stored(col: Collection) -> list[bytes]:
    return sorted(p.read_bytes() for p in col.media_dir.glob("*")) if col.media_dir.exists() else []


def _notes(col: Collection) -> dict[str, str]:
    assert col.db_path is not None
    with sqlite3.connect(col.db_path) as db:
        return dict(db.execute("SELECT prompt_md, front_md || char(10) || answer_md FROM note"))


def _check(col: Collection, warnings: list[str], shown: str) -> None:
    assert _stored(col) == [PNG]  # the secret never reached the media store
    joined = "\n".join(warnings)
    assert f"{shown}:9: image '" in joined and "is an absolute path" in joined
    assert f"{shown}:14: image '../../outside/secret.png' leads outside the pack" in joined
    notes = _notes(col)
    assert set(notes) == {"Absolute", "Climbing out", "Symlinked", "Inside"}
    assert "media/" in notes["Inside"] and "media/" not in notes["Absolute"]
    html = markdown_html(notes["Absolute"] + "\n\n" + notes["Climbing out"])
    assert "<img" not in html and "[passwd]" in html and "[up]" in html


def test_a_pack_folder_cannot_reach_outside_itself(col: Collection, tmp_path: Path, secret) -> None:
    root = tmp_path / "pack"
    _pack(root, secret)
    summary = col.import_path(root, T0)
    shown = str(root / "sub" / "deck.md")
    _check(col, summary.warnings, shown)
    assert any(
        w.startswith(f"{shown}:19: image '../img/linked.png' is a symlink leading outside")
        for w in summary.warnings
    )
    assert "media/" not in _notes(col)["Symlinked"]


def test_a_symlinked_deck_file_is_not_read(col: Collection, tmp_path: Path, secret) -> None:
    root = tmp_path / "pack"
    _pack(root, secret)
    outside = tmp_path / "outside" / "private.md"
    outside.write_text("---\ndeck: Private\nid: private\n---\n\n## Diary\n\ntext\n")
    (root / "private.md").symlink_to(outside)
    summary = col.import_path(root, T0)
    assert "Diary" not in _notes(col)
    assert any("private.md: a symlink leading outside the pack" in w for w in summary.warnings)


def test_a_zipped_pack_cannot_reach_outside_itself(col: Collection, tmp_path: Path, secret) -> None:
    root = tmp_path / "unzipped"
    deck = _pack(root, secret, symlink=False)
    archive = tmp_path / "pack.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(deck, "sub/deck.md")
        zf.write(root / "img" / "ok.png", "img/ok.png")
    summary = col.import_path(archive, T0)
    _check(col, summary.warnings, str(archive / "sub" / "deck.md"))


def test_an_obsidian_vault_cannot_reach_outside_itself(
    col: Collection, tmp_path: Path, secret
) -> None:
    vault = tmp_path / "vault"
    (vault / "img").mkdir(parents=True)
    (vault / "img" / "ok.png").write_bytes(PNG)
    (vault / "img" / "linked.png").symlink_to(secret)
    note = vault / "Topic" / "note.md"
    note.parent.mkdir()
    note.write_text(
        "#flashcards\n\n"
        f"Absolute::![passwd]({secret})\n\n"
        "Climbing::![up](../../outside/secret.png)\n\n"
        "Symlinked::![linked](../img/linked.png)\n\n"
        "Inside::![fine](../img/ok.png)\n\n"
        "From the root::![fine](img/ok.png)\n",
        encoding="utf-8",
    )
    summary = col.import_path(vault, T0)
    assert _stored(col) == [PNG]
    joined = "\n".join(summary.warnings)
    assert f"{note}:3: image '{secret}' is an absolute path" in joined
    assert f"{note}:5: image '../../outside/secret.png' leads outside the pack" in joined
    assert f"{note}:7: image '../img/linked.png' is a symlink leading outside" in joined
    assert col.totals()["notes"] == 5
    notes = _notes(col)
    assert "media/" in notes["Inside"] and "media/" in notes["From the root"]
