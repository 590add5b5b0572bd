"""Which shared libraries an ELF file needs, and which of them this system lacks.

Read from the files' dynamic sections (``DT_NEEDED``, ``DT_RUNPATH``), without loading
them, so a missing library is found before anything tries to load it. Imports only the
standard library.
"""

from __future__ import annotations

import os
import struct
import sysconfig
from collections.abc import Iterable, Sequence
from pathlib import Path


def elf_dynamic(path: Path) -> tuple[list[str], list[str]] | None:
    """``DT_NEEDED`` names and ``DT_RUNPATH``/``DT_RPATH`` entries of a 64-bit ELF file.

    None when the file is not a 64-bit ELF object this reader understands.
    """
    try:
        with path.open("rb") as f:
            ident = f.read(64)
            if len(ident) < 64 or ident[:4] != b"\x7fELF" or ident[4] != 2:
                return None
            end = "<" if ident[5] == 1 else ">"
            phoff, phentsize, phnum = (
                struct.unpack_from(end + "Q", ident, 0x20)[0],
                *struct.unpack_from(end + "HH", ident, 0x36),
            )
            f.seek(phoff)
            table = f.read(phentsize * phnum)
            loads: list[tuple[int, int, int]] = []
            dynamic: tuple[int, int] | None = None
            for i in range(phnum):
                p_type, _, p_offset, p_vaddr, _, p_filesz, _, _ = struct.unpack_from(
                    end + "IIQQQQQQ", table, i * phentsize
                )
                if p_type == 1:
                    loads.append((p_vaddr, p_offset, p_filesz))
                elif p_type == 2:
                    dynamic = (p_offset, p_filesz)
            if dynamic is None:
                return [], []
            f.seek(dynamic[0])
            raw = f.read(dynamic[1])
            entries = [struct.unpack_from(end + "qQ", raw, o) for o in range(0, len(raw) - 15, 16)]
            values: dict[int, list[int]] = {}
            for tag, value in entries:
                if tag == 0:
                    break
                values.setdefault(tag, []).append(value)
            strtab, strsz = values.get(5, [0])[0], values.get(10, [0])[0]
            offset = next((o + strtab - v for v, o, n in loads if v <= strtab < v + n), None)
            if offset is None:
                return None
            f.seek(offset)
            strings = f.read(strsz)
    except (OSError, struct.error):
        return None

    def name(at: int) -> str:
        stop = strings.find(b"\0", at)
        return strings[at : stop if stop >= 0 else None].decode("utf-8", "replace")

    needed = [name(v) for v in values.get(1, [])]
    paths = [p for v in values.get(29, values.get(15, [])) for p in name(v).split(":") if p]
    return needed, paths


def system_library_dirs() -> list[Path]:
    """Where the dynamic loader looks: LD_LIBRARY_PATH, ld.so.conf, the default folders."""
    dirs = [Path(p) for p in os.environ.get("LD_LIBRARY_PATH", "").split(":") if p]
    pending = [Path("/etc/ld.so.conf")]
    while pending:
        conf = pending.pop()
        try:
            lines = conf.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            line = line.split("#", 1)[0].strip()
            if line.startswith("include "):
                pattern = Path(line.split(None, 1)[1])
                folder = pattern.parent if pattern.is_absolute() else conf.parent / pattern.parent
                pending.extend(sorted(folder.glob(pattern.name)))
            elif line.startswith("/"):
                dirs.append(Path(line))
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    for prefix in ("/lib", "/usr/lib"):
        if multiarch:
            dirs.append(Path(prefix) / multiarch)
        dirs += [Path(prefix + "64"), Path(prefix)]
    return list(dict.fromkeys(dirs))


def missing_libraries(files: Iterable[Path], search_dirs: Sequence[Path]) -> list[str]:
    """System libraries ``files`` need (through the wheel's bundled libraries) not found.

    A name is bundled when it lies on the file's RUNPATH or beside it; bundled libraries
    are followed in turn. System libraries are looked for in ``search_dirs`` only: their
    own dependencies are the package manager's business.
    """
    listings: dict[Path, set[str]] = {}

    def names_in(folder: Path) -> set[str]:
        if folder not in listings:
            try:
                with os.scandir(folder) as entries:
                    listings[folder] = {e.name for e in entries}
            except OSError:
                listings[folder] = set()
        return listings[folder]

    missing: set[str] = set()
    seen: set[Path] = set()
    pending = [Path(f) for f in files]
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        info = elf_dynamic(path)
        if info is None:
            continue
        needed, runpaths = info
        origin = str(path.parent)
        local = [Path(r.replace("$ORIGIN", origin).replace("${ORIGIN}", origin)) for r in runpaths]
        for soname in needed:
            bundled = next((d for d in [*local, path.parent] if soname in names_in(d)), None)
            if bundled is not None:
                pending.append((bundled / soname).resolve())
            elif not any(soname in names_in(d) for d in search_dirs):
                missing.add(soname)
    return sorted(missing)
