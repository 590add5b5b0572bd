"""Open Anki packages (.apkg / .colpkg) safely: layout, compression, media map.

Three layouts exist: ``collection.anki2`` (genanki, old Anki), ``collection.anki21``
(Anki 2.1 legacy export) and ``collection.anki21b`` (zstd-compressed, protobuf media
map; ``meta`` says version 3). Sizes are capped while decompressing (zip bombs), and
member or media names that would leave the media folder are refused.
"""

from __future__ import annotations

import json
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import zstandard

from app.core.errors import BadInputError
from app.interop import protobuf_wire as pb

MAX_MEMBER_BYTES = 1 << 30
MAX_TOTAL_BYTES = 4 << 30
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
    names = {info.filename: info for info in zf.infolist()}
    for name in names:
        if _BAD_NAME.search(name) or ".." in PurePosixPath(name).parts:
            raise BadInputError(f"{path}: member '{name}' would escape the package")
    total = sum(info.file_size for info in names.values())
    if total > MAX_TOTAL_BYTES:
        raise BadInputError(f"{path}: unpacks to more than 4 GB; refused")
    version = _meta_version(zf, names)
    member = _collection_member(names, version)
    if member is None:
        raise BadInputError(f"{path}: no Anki collection inside (not an .apkg/.colpkg?)")
    collection = workdir / "collection.sqlite"
    _extract(zf, names[member], collection, member.endswith("21b"), path)
    media = _media(zf, names, version, workdir / "media", path)
    return AnkiPackage(collection, version, media)


def _meta_version(zf: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo]) -> int:
    if "meta" not in names:
        return 2 if "collection.anki21" in names else 1
    data = _read(zf, names["meta"], 1024)
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


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    with zf.open(info) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise BadInputError(f"member '{info.filename}' is larger than allowed")
    return data


def _extract(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, zstd: bool, package: Path
) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    try:
        with zf.open(info) as src, target.open("wb") as out:
            stream = zstandard.ZstdDecompressor().stream_reader(src) if zstd else src
            while block := stream.read(1 << 20):
                written += len(block)
                if written > MAX_MEMBER_BYTES:
                    raise BadInputError(f"{package}: '{info.filename}' unpacks to over 1 GB")
                out.write(block)
    except (zstandard.ZstdError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise BadInputError(f"{package}: '{info.filename}' is damaged or truncated") from exc


def _media(
    zf: zipfile.ZipFile,
    names: dict[str, zipfile.ZipInfo],
    version: int,
    folder: Path,
    package: Path,
) -> dict[str, Path]:
    if "media" not in names:
        return {}
    raw = _read(zf, names["media"], 64 << 20)
    mapping = _media_map(raw, version, package)
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    for member, name in mapping.items():
        if not name or _BAD_NAME.search(name) or "/" in name or "\\" in name:
            raise BadInputError(f"{package}: media name '{name}' would escape the media folder")
        info = names.get(member)
        if info is None:
            raise BadInputError(f"{package}: media file '{name}' ({member}) is missing")
        target = folder / member
        with zf.open(info) as fh:
            head = fh.read(4)
        _extract(zf, info, target, version >= 3 and head == ZSTD_MAGIC, package)
        out[name] = target
    return out


def _media_map(raw: bytes, version: int, package: Path) -> dict[str, str]:
    if raw.startswith(ZSTD_MAGIC):
        try:
            raw = zstandard.ZstdDecompressor().decompressobj().decompress(raw)
        except zstandard.ZstdError as exc:
            raise BadInputError(f"{package}: the media list is damaged") from exc
        entries = pb.messages(pb.parse(raw), 1)
        return {str(i): pb.text(pb.parse(entry), 1) for i, entry in enumerate(entries)}
    try:
        data = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInputError(f"{package}: the media list is damaged") from exc
    if not isinstance(data, dict):
        raise BadInputError(f"{package}: the media list is damaged")
    return {str(k): str(v) for k, v in data.items()}
