"""Size, count, ratio and disk limits: hostile archives are refused before they fill a disk."""

from __future__ import annotations

import io
import json
import struct
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import zstandard

from app.core import input_limits as limits
from app.core.errors import BadInputError
from app.storage.collection import Collection
from tests.conftest import FIXTURES, T0

ANKI = FIXTURES / "anki"
GENANKI = (ANKI / "genanki_basic.apkg").read_bytes()
MODERN = (ANKI / "modern_export.apkg").read_bytes()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as zf:
        for name, payload in members.items():
            zf.writestr(name, payload)
    return out.getvalue()


def _zeros_member(name: str, gib: int = 1) -> tuple[bytes, bytes, int]:
    """A deflated member of ``gib`` GiB of zeros built in a moment: after a full flush the
    compressor repeats itself, so one compressed MiB is repeated."""
    block = bytes(1 << 20)
    squeezer = zlib.compressobj(9, zlib.DEFLATED, -15)
    squeezer.compress(block)
    squeezer.flush(zlib.Z_FULL_FLUSH)
    one = squeezer.compress(block) + squeezer.flush(zlib.Z_FULL_FLUSH)
    count = gib * 1024
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    return name.encode(), one * count + squeezer.flush(), crc


def _package_with_zeros() -> bytes:
    """genanki's package plus one 1 GiB media file of zeros, as a ~1 MB zip."""
    name, data, crc = _zeros_member("0")
    size = 1 << 30
    # the media map names the bomb; the bomb itself is appended by hand
    base = _members(GENANKI)
    base["media"] = json.dumps({"0": "big.png"}).encode()
    del base["0"]
    head = _zip(base)
    with zipfile.ZipFile(io.BytesIO(head)) as zf:
        infos = zf.infolist()
        central_at = zf.start_dir
    local = struct.pack(
        "<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(data), size, len(name), 0
    )
    offset = central_at
    body = head[:central_at] + local + name + data
    central = head[central_at : head.rindex(b"PK\x05\x06")]
    central += (
        struct.pack(
            "<4s6H3L5H2L",
            b"PK\x01\x02",
            20,
            20,
            0,
            8,
            0,
            0x21,
            crc,
            len(data),
            size,
            len(name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        + name
    )
    count = len(infos) + 1
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(central), len(body), 0)
    return body + central + end


def _written_bytes() -> int:
    """Bytes this process has passed to write() so far (Linux)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    raise AssertionError("no wchar in /proc/self/io")


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Collection]:
    collection = Collection.open(tmp_path / "data")
    collection.import_path(FIXTURES / "decks" / "sample.md", T0)
    yield collection
    collection.close()


def _state(col: Collection) -> tuple[dict[str, int], list[str]]:
    media = sorted(p.name for p in col.media_dir.glob("*")) if col.media_dir.exists() else []
    return col.totals(), media


def _refused(col: Collection, path: Path, data: bytes, pattern: str) -> BadInputError:
    path.write_bytes(data)
    before = _state(col)
    with pytest.raises(BadInputError, match=pattern) as caught:
        col.import_path(path, T0)
    assert _state(col) == before
    return caught.value


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts writes via /proc")
def test_a_gigabyte_of_zeros_is_refused_with_almost_nothing_written(
    col: Collection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bomb.apkg"
    path.write_bytes(_package_with_zeros())
    assert path.stat().st_size < 1_200_000
    with zipfile.ZipFile(path) as zf:  # a well-formed zip: the 1 GiB is what it declares
        assert zf.getinfo("0").file_size == 1 << 30
    work = tmp_path / "tmp"
    work.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(work))  # wherever the work folder goes
    before = _state(col)
    written = _written_bytes()
    with pytest.raises(BadInputError, match=r"'0' \('big.png'\) unpacks to 1 GB, over the limit"):
        col.import_path(path, T0)
    assert _written_bytes() - written < 1_000_000
    assert _state(col) == before
    assert list(work.iterdir()) == []
    data = tmp_path / "data"
    assert [p for p in data.rglob("*") if p.is_file() and "tmp" in p.relative_to(data).parts] == []


def test_a_hundred_thousand_members_are_refused(col: Collection, tmp_path: Path) -> None:
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w", zipfile.ZIP_STORED) as zf:
        for key, payload in _members(GENANKI).items():
            zf.writestr(key, payload)
        for index in range(100_000):
            zf.writestr(f"m{index}", b"")
    data = many.getvalue()
    limit = "holds 100,003 files, more than the limit of 50,000"
    _refused(col, tmp_path / "many.apkg", data, limit)
    _refused(col, tmp_path / "many.zip", data, "holds 100,003 files, more than the limit")


def test_a_member_that_compresses_too_well_is_refused(col: Collection, tmp_path: Path) -> None:
    members = _members(GENANKI)
    members["0"] = bytes(8 << 20)  # 8 MB of zeros deflate about 1,000 to 1
    _refused(col, tmp_path / "ratio.apkg", _zip(members), r"'0' \('.*'\) is compressed .* to 1")


def test_a_zstd_collection_that_expands_too_far_is_refused(col: Collection, tmp_path: Path) -> None:
    members = _members(MODERN)
    members["collection.anki21b"] = zstandard.ZstdCompressor().compress(bytes(64 << 20))
    _refused(
        col,
        tmp_path / "zstd.apkg",
        _zip(members, zipfile.ZIP_STORED),
        "'collection.anki21b' is compressed more than 300 to 1",
    )


def test_a_zstd_frame_asking_for_a_huge_window_is_refused(col: Collection, tmp_path: Path) -> None:
    # frame header: no content size, window descriptor 2^(10 + 21) = 2 GiB; one raw block
    frame = zstandard.FRAME_HEADER + bytes([0x00, 21 << 3]) + struct.pack("<I", (4 << 3) | 1)[:3]
    members = _members(MODERN)
    members["collection.anki21b"] = frame + b"data"
    _refused(col, tmp_path / "window.apkg", _zip(members), "Frame requires too much memory")


def test_a_zstd_media_map_bomb_is_refused(col: Collection, tmp_path: Path) -> None:
    members = _members(MODERN)
    members["media"] = zstandard.ZstdCompressor(level=1).compress(bytes(64 << 20))
    data = _zip(members)
    assert len(data) < 100_000
    _refused(col, tmp_path / "map.apkg", data, "'media' is larger than the limit of 32 MB")


def test_a_package_over_the_total_limit_is_refused(
    col: Collection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "MAX_TOTAL_BYTES", 50_000)
    limit = "unpacks to 65,646 bytes, over the limit of 50,000 bytes"
    _refused(col, tmp_path / "big.apkg", GENANKI, limit)


def test_a_full_disk_refuses_before_extracting(
    col: Collection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.interop import bounded

    monkeypatch.setattr(bounded, "free_bytes", lambda _folder: 10 * limits.MB)
    error = _refused(col, tmp_path / "ok.apkg", GENANKI, "not enough free disk space")
    assert "10 MB free" in str(error)


def test_markdown_zip_members_are_held_to_the_limits(
    col: Collection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deck = (FIXTURES / "decks" / "sample.md").read_bytes()
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 3000)
    _refused(
        col,
        tmp_path / "pack.zip",
        _zip({"sample.md": deck, "img/big.png": b"x" * 5000}),
        "'img/big.png' unpacks to 5,000 bytes, over the limit of 3,000 bytes",
    )


def test_obsidian_lines_of_unclosed_markers_import(col: Collection, tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "note.md").write_text(
        "#flashcards\n\n"
        + "==a " * 40_000  # 40,000 unclosed highlights on one line
        + "\n\nA ==b== closes\n\n"
        + "Q::A "
        + "<!--SR:" * 40_000
        + "\n",
        encoding="utf-8",
    )
    summary = col.import_path(vault, T0)
    assert summary.notes == 2
