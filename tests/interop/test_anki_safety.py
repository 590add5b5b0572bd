"""Damaged, hostile or wrong files are refused with a message; nothing is written."""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.errors import BadInputError
from app.storage.collection import Collection
from tests.conftest import FIXTURES, T0

ANKI = FIXTURES / "anki"
SOURCES = {
    name: (ANKI / name).read_bytes()
    for name in ("genanki_basic.apkg", "legacy_export.apkg", "modern_export.apkg")
}


def _snapshot(col: Collection) -> tuple[dict[str, int], list[str]]:
    media = sorted(p.name for p in col.media_dir.glob("*")) if col.media_dir.exists() else []
    return col.totals(), media


def _repack(data: bytes, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            name, payload = change(info.filename, src.read(info))
            if name is not None:
                with warnings.catch_warnings():  # a duplicate member name is a fair mutation
                    warnings.simplefilter("ignore", UserWarning)
                    dst.writestr(name, payload)
    return out.getvalue()


@pytest.fixture
def col(tmp_path: Path) -> Collection:
    collection = Collection.open(tmp_path / "data")
    collection.import_path(FIXTURES / "decks" / "sample.md", T0)
    yield collection
    collection.close()


def _refused(col: Collection, tmp_path: Path, data: bytes, fragment: str) -> None:
    before = _snapshot(col)
    path = tmp_path / "bad.apkg"
    path.write_bytes(data)
    with pytest.raises(BadInputError, match=fragment):
        col.import_path(path, T0)
    assert _snapshot(col) == before


def test_not_a_zip(col, tmp_path) -> None:
    _refused(col, tmp_path, b"SQLite format 3\0" + b"x" * 100, "not a valid zip")


def test_truncated_package(col, tmp_path) -> None:
    data = SOURCES["modern_export.apkg"]
    _refused(col, tmp_path, data[: len(data) // 2], "not a valid zip|damaged|truncated")


def test_zip_without_a_collection(col, tmp_path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("notes.txt", "hello")
    _refused(col, tmp_path, out.getvalue(), "no Anki collection inside")


def test_collection_that_is_not_sqlite(col, tmp_path) -> None:
    data = _repack(
        SOURCES["genanki_basic.apkg"],
        lambda n, p: (n, b"not a database" * 50 if n == "collection.anki2" else p),
    )
    _refused(col, tmp_path, data, "not an Anki database")


@pytest.mark.parametrize("bad", ["../evil.png", "/etc/passwd", "C:\\\\boot.ini", "a/../../b"])
def test_media_names_escaping_the_folder(col, tmp_path, bad: str) -> None:
    data = _repack(
        SOURCES["genanki_basic.apkg"],
        lambda n, p: (n, json.dumps({"0": bad}).encode() if n == "media" else p),
    )
    _refused(col, tmp_path, data, "escape")


def test_member_names_escaping_the_folder(col, tmp_path) -> None:
    data = _repack(SOURCES["genanki_basic.apkg"], lambda n, p: ("../0" if n == "0" else n, p))
    _refused(col, tmp_path, data, "escape")


def test_media_listed_but_missing(col, tmp_path) -> None:
    data = _repack(SOURCES["genanki_basic.apkg"], lambda n, p: (None if n == "0" else n, p))
    _refused(col, tmp_path, data, "missing")


def test_zip_bomb_is_capped(col, tmp_path, monkeypatch) -> None:
    from app.core import input_limits as limits

    monkeypatch.setattr(limits, "MAX_DATABASE_BYTES", 20_000)
    _refused(col, tmp_path, SOURCES["legacy_export.apkg"], "over the limit")


def test_failed_import_removes_media_it_copied(col, tmp_path, monkeypatch) -> None:
    from app.storage import importing

    def boom(*_args, **_kwargs):
        raise BadInputError("simulated failure after media were copied")

    monkeypatch.setattr(importing, "apply_batch", boom)
    _refused(col, tmp_path, SOURCES["genanki_basic.apkg"], "simulated failure")


MEMBERS = ["collection.anki2", "collection.anki21", "media", "0", "collection.anki21b", "meta"]
mutations = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 0.999)),
    st.tuples(
        st.just("flip"),
        st.lists(st.tuples(st.floats(0, 0.999), st.integers(0, 7)), min_size=1, max_size=20),
    ),
    st.tuples(
        st.just("rename"),
        st.sampled_from(MEMBERS),
        st.sampled_from(["x", "media", "0", "collection.anki2", "meta", "1"]),
    ),
)


def mutate(source: str, mutation: tuple) -> bytes:
    data = bytearray(SOURCES[source])
    if mutation[0] == "truncate":
        return bytes(data[: int(len(data) * mutation[1])])
    if mutation[0] == "flip":
        for where, bit in mutation[1]:
            data[int(len(data) * where)] ^= 1 << bit
        return bytes(data)
    _, target, new = mutation
    return _repack(bytes(data), lambda n, p: (new if n == target else n, p))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(sorted(SOURCES)), mutations)
def test_mutated_packages_raise_only_the_importers_error(col, tmp_path, source, mutation) -> None:
    before = _snapshot(col)
    path = tmp_path / "mutated.apkg"
    path.write_bytes(mutate(source, mutation))
    try:
        col.import_path(path, T0)
    except BadInputError:
        assert _snapshot(col) == before


def test_a_package_imports_into_a_data_folder_with_uri_characters(tmp_path) -> None:
    collection = Collection.open(tmp_path / "data ?#% ü")
    try:
        package = tmp_path / "p.apkg"
        package.write_bytes(SOURCES["modern_export.apkg"])
        summary = collection.import_path(package, T0)
        assert summary.notes == 15
    finally:
        collection.close()
