"""Open Anki packages (.apkg / .colpkg) safely: layout, compression, media map.

Three layouts exist: ``collection.anki2`` (genanki, old Anki), ``collection.anki21``
(Anki 2.1 legacy export) and ``collection.anki21b`` (zstd-compressed, protobuf media
map; ``meta`` says version 3). Sizes, counts and compression ratios are held to
:mod:`app.core.input_limits` before and while extracting (zip bombs), and member or media
names that would leave the media folder are refused.
"""

from __future__ import annotations

import json
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import zstandard

from app.core import input_limits as limits
from app.core.errors import BadInputError
from app.interop import protobuf_wire as pb
from app.interop.bounded import Extraction

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_BAD_NAME = re.compile(r"(^|[\\/])\.\.([\\/]|$)|^[\\/]|^[A-Za-z]:|[\x00-\x1f]")


@dataclass
class AnkiPackage:
    collection: Path
    """The extracted SQLite file."""
    version: int
    media: dict[str, Path]
    """Media file name -> extracted file."""


def open_package(path: Path, workdir: Path) -> AnkiPackage:
    """Extract what an importer needs from ``path`` into ``workdir``."""
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError as exc:
        raise BadInputError(f"{path}: no such file") from exc
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise BadInputError(f"{path}: not an Anki package (not a valid zip file)") from exc
    try:
        with zf:
            return _open(zf, path, workdir)
    except BadInputError:
        raise
    except OSError as exc:
        if exc.errno is not None:
            raise BadInputError(f"{path}: cannot extract the package: {exc.strerror}") from exc
        raise BadInputError(f"{path}: the package is damaged ({exc})") from exc
    except (
        zipfile.BadZipFile,
        zlib.error,
        zstandard.ZstdError,
        EOFError,
        NotImplementedError,
        RuntimeError,
        ValueError,
        UnicodeDecodeError,
    ) as exc:
        raise BadInputError(f"{path}: the package is damaged ({exc})") from exc


def _open(zf: zipfile.ZipFile, path: Path, workdir: Path) -> AnkiPackage:
    infos = zf.infolist()
    limits.check_count(path, len(infos))
    names = {info.filename: info for info in infos}
    for name in names:
        if _BAD_NAME.search(name) or ".." in PurePosixPath(name).parts:
            raise BadInputError(f"{path}: member '{name}' would escape the package")
    limits.check_total(path, sum(info.file_size for info in infos))
    extraction = Extraction(path, workdir)
    version = _meta_version(zf, names, extraction)
    member = _collection_member(names, version)
    if member is None:
        raise BadInputError(f"{path}: no Anki collection inside (not an .apkg/.colpkg?)")
    info = names[member]
    limits.check_declared(
        path, member, info.file_size, info.compress_size, limits.MAX_DATABASE_BYTES
    )
    mapping = _media_map(zf, names, version, extraction, path)
    media_infos = _media_members(names, mapping, path)
    extraction.reserve(info.file_size + sum(i.file_size for i in media_infos.values()))
    collection = workdir / "collection.sqlite"
    with zf.open(info) as src:
        extraction.copy(
            src, collection, member, limits.MAX_DATABASE_BYTES, zstd=member.endswith("21b")
        )
    folder = workdir / "media"
    media: dict[str, Path] = {}
    for name, media_info in media_infos.items():
        target = folder / media_info.filename
        with zf.open(media_info) as fh:
            head = fh.read(4)
        with zf.open(media_info) as src:
            extraction.copy(
                src,
                target,
                media_info.filename,
                limits.MAX_FILE_BYTES,
                zstd=version >= 3 and head == ZSTD_MAGIC,
                name=name,
            )
        media[name] = target
    return AnkiPackage(collection, version, media)


def _meta_version(
    zf: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo], extraction: Extraction
) -> int:
    if "meta" not in names:
        return 2 if "collection.anki21" in names else 1
    with zf.open(names["meta"]) as fh:
        data = extraction.read(fh, "meta", 1024)
    try:
        return pb.number(pb.parse(data), 1, 2)
    except BadInputError:
        return 2


def _collection_member(names: dict[str, zipfile.ZipInfo], version: int) -> str | None:
    if version >= 3 and "collection.anki21b" in names:
        return "collection.anki21b"
    for candidate in ("collection.anki21", "collection.anki2"):
        if candidate in names:
            return candidate
    return None


def _media_map(
    zf: zipfile.ZipFile,
    names: dict[str, zipfile.ZipInfo],
    version: int,
    extraction: Extraction,
    package: Path,
) -> dict[str, str]:
    info = names.get("media")
    if info is None:
        return {}
    with zf.open(info) as fh:
        head = fh.read(4)
    with zf.open(info) as fh:
        raw = extraction.read(fh, "media", limits.MAX_META_BYTES, zstd=head == ZSTD_MAGIC)
    return _parse_media_map(raw, head == ZSTD_MAGIC, package)


def _media_members(
    names: dict[str, zipfile.ZipInfo], mapping: dict[str, str], package: Path
) -> dict[str, zipfile.ZipInfo]:
    """Media name -> its member, with the declared sizes checked."""
    limits.check_count(package, len(mapping))
    out: dict[str, zipfile.ZipInfo] = {}
    for member, name in mapping.items():
        if not name or _BAD_NAME.search(name) or "/" in name or "\\" in name:
            raise BadInputError(f"{package}: media name '{name}' would escape the media folder")
        info = names.get(member)
        if info is None:
            raise BadInputError(f"{package}: media file '{name}' ({member}) is missing")
        if name in out:
            raise BadInputError(f"{package}: the media list names '{name}' twice")
        limits.check_declared(package, member, info.file_size, info.compress_size, name=name)
        out[name] = info
    return out


def _parse_media_map(raw: bytes, protobuf: bool, package: Path) -> dict[str, str]:
    if protobuf:
        entries = pb.messages(pb.parse(raw), 1)
        return {str(i): pb.text(pb.parse(entry), 1) for i, entry in enumerate(entries)}
    try:
        data = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BadInputError(f"{package}: the media list is damaged") from exc
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise BadInputError(f"{package}: the media list is damaged (not a map of names)")
    return {str(k): v for k, v in data.items()}
