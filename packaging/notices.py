"""Licence files shipped in every build, and a check that the notices name every component.

Used by ``cirrus.spec``: ``THIRD_PARTY_NOTICES.md`` goes into the bundle with a
``licenses/`` folder holding the licence texts of each bundled Python distribution, of
the Python runtime, the GPL-3.0 and LGPL-3.0 texts, and on Debian-based systems the
copyright files of the system libraries the build copies in. ``missing_from_notices``
fails the build when something is bundled that the notices file does not name.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import subprocess
import sys
import sysconfig
from collections.abc import Iterable
from pathlib import Path

PACKAGING = Path(__file__).resolve().parent
ROOT = PACKAGING.parent
NOTICES = ROOT / "THIRD_PARTY_NOTICES.md"
_LICENCE_NAME = re.compile(r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", re.IGNORECASE)
_QT_PACKAGES = ("PySide6", "shiboken6")
NEVER_BUNDLED = frozenset({"fsrs-rs-python"})
"""Distributions without a clear licence: a build that contains one fails."""

Data = tuple[str, str]
"""(source file, destination folder) as ``Analysis(datas=...)`` takes them."""


def bundled_distributions(module_names: Iterable[str]) -> list[str]:
    """Names of the installed distributions that provide the given (frozen) modules."""
    providers = md.packages_distributions()
    found: set[str] = set()
    for name in module_names:
        for dist in providers.get(name.split(".")[0], []):
            found.add(md.metadata(dist)["Name"])
    found.discard("cirrus-cards")
    return sorted(found, key=str.lower)


def _licence_files(dist: str) -> list[Path]:
    files = md.files(dist) or []
    return [
        Path(str(f.locate()))
        for f in files
        if "licenses" in f.parts or _LICENCE_NAME.search(f.name)
        if Path(str(f.locate())).is_file() and f.suffix not in (".py", ".pyc", ".pyi")
    ]


def licence_datas(distributions: Iterable[str]) -> list[Data]:
    """Licence texts of the distributions, the Python runtime, and the GPL and LGPL."""
    datas: list[Data] = [(str(NOTICES), ".")]
    datas += [(str(p), "licenses") for p in sorted((PACKAGING / "licenses").glob("*.txt"))]
    for dist in distributions:
        folder = f"licenses/{re.sub(r'[^A-Za-z0-9._-]+', '-', dist)}"
        datas += [(str(path), folder) for path in _licence_files(dist)]
    for candidate in (
        Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt",
        Path(sys.base_prefix) / "LICENSE.txt",
    ):
        if candidate.is_file():
            datas.append((str(candidate), "licenses/Python"))
            break
    return datas


def debian_copyrights(sources: Iterable[str]) -> list[Data]:
    """``/usr/share/doc/<package>/copyright`` of the Debian packages owning these files."""
    paths = [s for s in sources if s.startswith(("/lib", "/usr/lib"))]
    if not paths or not Path("/var/lib/dpkg").is_dir():
        return []
    # Merged-/usr systems register a library under /lib or /usr/lib; ask for both.
    aliases = {
        p for s in paths for p in (s, s.removeprefix("/usr"), "/usr" + s.removeprefix("/usr"))
    }
    out = subprocess.run(["dpkg", "-S", *sorted(aliases)], capture_output=True, text=True).stdout
    packages = {line.split(":")[0] for line in out.splitlines() if ":" in line}
    datas = []
    for package in sorted(packages):
        copyright_file = Path("/usr/share/doc") / package / "copyright"
        if copyright_file.is_file():
            datas.append((str(copyright_file), f"licenses/system/{package}"))
    return datas


def library_stem(filename: str) -> str:
    """``libxcb-cursor.so.0`` -> ``libxcb-cursor``; ``python311.dll`` -> ``python311``."""
    return re.split(r"\.(?:so|dll|dylib)(?:\.|$)", Path(filename).name, maxsplit=1)[0]


def missing_from_notices(
    distributions: Iterable[str], binaries: Iterable[tuple[str, str, str]]
) -> list[str]:
    """Bundled components that ``THIRD_PARTY_NOTICES.md`` does not name.

    Each Python distribution must appear by name; each shared library outside the Qt
    packages (not an extension module) by its stem, e.g. ``libX11`` or ``vcruntime140``.
    """
    text = NOTICES.read_text(encoding="utf-8").lower()
    distributions = list(distributions)
    banned = sorted(NEVER_BUNDLED.intersection(d.lower() for d in distributions))
    if banned:
        raise SystemExit(f"these distributions have no clear licence; keep them out: {banned}")
    missing = [d for d in distributions if d.lower() not in text]
    for dest, _, kind in binaries:
        if kind != "BINARY" or dest.replace("\\", "/").startswith(_QT_PACKAGES):
            continue
        stem = library_stem(dest)
        if f"`{stem.lower()}`" not in text:
            missing.append(stem)
    return sorted(set(missing))
