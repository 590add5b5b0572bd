"""The Linux ``.deb``: the one-folder bundle in /opt/cirrus, /usr/bin/cirrus, menu entry, icons.

Built with ``dpkg-deb`` from a staging tree. ``Depends`` is worked out from the bundle:
the lowest glibc its binaries accept, plus the packages of the system libraries it links
to but does not carry (OpenGL/EGL, libxcb, Wayland client libraries).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

PACKAGING = Path(__file__).resolve().parent
ROOT = PACKAGING.parent
PACKAGE = "cirrus-cards"
MAINTAINER = os.environ.get(
    "CIRRUS_DEB_MAINTAINER", "Cirrus developers <packaging@cirrus-cards.invalid>"
)
"""Set ``CIRRUS_DEB_MAINTAINER`` for release builds; the default address is a placeholder."""
INSTALL_DIR = "opt/cirrus"
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)

_GLIBC = frozenset(
    {"libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1", "libresolv.so.2"}
    | {"libutil.so.1", "libmvec.so.1", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1"}
)
SYSTEM_PACKAGES = {
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libOpenGL.so.0": "libopengl0",
    "libGLX.so.0": "libglx0",
    "libxcb.so.1": "libxcb1",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
    "libdrm.so.2": "libdrm2",
    "libgbm.so.1": "libgbm1",
}
"""Libraries the bundle relies on the system for, and the Debian package of each."""

DESCRIPTION = """\
Offline Markdown flashcards with FSRS scheduling
 Cirrus is a flashcard app for people preparing Microsoft's AI-200 exam and for
 anyone who learns from Markdown decks. Cards are plain Markdown files, reviews
 are scheduled by FSRS, and everything stays in one SQLite file on your computer.
 .
 This package installs a self-contained build in /opt/cirrus."""


def _elf_files(bundle: Path) -> list[Path]:
    files = []
    for path in bundle.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    files.append(path)
    return files


def _needed(path: Path) -> set[str]:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True).stdout
    return set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out))


def _core_closure(elves: list[Path]) -> set[str]:
    """Names of the libraries loaded whatever the display: everything but Qt plugins' needs.

    Starts from the executable and the Python extension modules and follows ``NEEDED``
    through the bundle; libraries only plugins pull in (Wayland's, for one) are left out.
    """
    by_name = {p.name: p for p in elves}
    todo = [p for p in elves if "plugins" not in p.parts]
    todo = [p for p in todo if ".so" not in p.name or ".cpython-" in p.name or ".abi3." in p.name]
    seen: set[str] = set()
    while todo:
        for name in _needed(todo.pop()) - seen:
            seen.add(name)
            if name in by_name:
                todo.append(by_name[name])
    return seen


def depends(bundle: Path) -> tuple[list[str], list[str]]:
    """``Depends`` and ``Recommends`` for this bundle; raises on a library of unknown package.

    What every start needs is a dependency; what only a platform plugin needs (the
    Wayland client libraries) is recommended, so the package also installs on a system
    without them and uses X11 there.
    """
    elves = _elf_files(bundle)
    carried = {p.name for p in bundle.rglob("*")}
    outside = set().union(*(_needed(p) for p in elves)) - carried - _GLIBC
    unknown = sorted(outside - SYSTEM_PACKAGES.keys())
    if unknown:
        raise RuntimeError(f"no Debian package known for {unknown}; add them to SYSTEM_PACKAGES")
    glibc = max(
        (
            tuple(int(n) for n in m.split(b".")[1:])
            for p in elves
            for m in re.findall(rb"GLIBC_(2\.\d+(?:\.\d+)?)", p.read_bytes())
        ),
        default=(31,),
    )
    core = outside & _core_closure(elves)
    required = [f"libc6 (>= 2.{'.'.join(str(n) for n in glibc)})"]
    required += sorted({SYSTEM_PACKAGES[n] for n in core})
    recommended = sorted({SYSTEM_PACKAGES[n] for n in outside - core} - set(required))
    return required, recommended


def _architecture() -> str:
    out = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True)
    return out.stdout.strip() or "amd64"


def _normalise_modes(tree: Path) -> None:
    """Folders 0755, executables 0755, other files 0644: dpkg installs modes as they are."""
    for path in [tree, *tree.rglob("*")]:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        executable = path.is_dir() or mode & stat.S_IXUSR
        path.chmod(0o755 if executable else 0o644)


def _stage(bundle: Path, root: Path) -> None:
    shutil.copytree(bundle, root / INSTALL_DIR, symlinks=True)
    bin_dir = root / "usr" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "cirrus").symlink_to(f"/{INSTALL_DIR}/cirrus")
    share = root / "usr" / "share"
    (share / "applications").mkdir(parents=True)
    shutil.copyfile(PACKAGING / "cirrus.desktop", share / "applications" / "cirrus.desktop")
    icons = ROOT / "resources" / "icons"
    for size in ICON_SIZES:
        folder = share / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True)
        shutil.copyfile(icons / f"cirrus-{size}.png", folder / "cirrus.png")
    scalable = share / "icons" / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True)
    shutil.copyfile(icons / "cirrus.svg", scalable / "cirrus.svg")
    doc = share / "doc" / PACKAGE
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(
        "Cirrus is free software under the GNU General Public License, version 3 or later.\n"
        "On Debian systems the full text is in /usr/share/common-licenses/GPL-3.\n\n"
        "The bundled third-party components and their licences are listed in\n"
        f"/{INSTALL_DIR}/THIRD_PARTY_NOTICES.md, with the licence texts in\n"
        f"/{INSTALL_DIR}/_internal/licenses/.\n",
        encoding="utf-8",
    )


def _control(root: Path, version: str, bundle: Path) -> str:
    required, recommended = depends(bundle)
    size_kib = sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    fields = {
        "Package": PACKAGE,
        "Version": version,
        "Architecture": _architecture(),
        "Maintainer": MAINTAINER,
        "Installed-Size": str(size_kib // 1024 + 1),
        "Depends": ", ".join(required),
        "Recommends": ", ".join(recommended),
        "Section": "education",
        "Priority": "optional",
        "Description": DESCRIPTION,
    }
    return "".join(f"{key}: {value}\n" for key, value in fields.items())


def build_deb(bundle: Path, version: str, out_dir: Path, work: Path) -> Path:
    """Stage the package under ``work`` and write ``<package>_<version>_<arch>.deb``."""
    root = work / "deb-root"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    _stage(bundle, root)
    debian = root / "DEBIAN"
    debian.mkdir()
    (debian / "control").write_text(_control(root, version, bundle), encoding="utf-8")
    _normalise_modes(root)
    out = out_dir / f"{PACKAGE}_{version}_{_architecture()}.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(root), str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return out
