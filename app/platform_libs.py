"""Make sure Qt can start on Linux before PySide6 is imported, or say exactly what is missing.

A fresh, minimal Debian or Ubuntu has Python but not the system libraries the PySide6
wheels leave out (OpenGL, the xcb libraries, xkbcommon, fontconfig, ...). Without them
``import PySide6`` fails with ``ImportError: libGL.so.1`` or Qt aborts with "Could not
load the Qt platform plugin xcb", naming only the first library it misses.

This module imports no Qt. It reads the dynamic section of the PySide6 modules and Qt
plugins Cirrus uses (``DT_NEEDED``, following the libraries bundled in the wheel), looks
for every system library they need in the loader's directories, and maps the missing ones
to Debian/Ubuntu packages (``apt-cache policy`` picks the name the release knows, e.g.
``libglib2.0-0t64`` on Debian 13 and Ubuntu 24.04, ``libglib2.0-0`` on Debian 12).

A window's start that found nothing missing remembers it (``qt-libraries.ok`` in the
user's cache folder) with the modification times of the PySide6 folder and of every
folder searched: installing or removing a library, or another PySide6, changes one of
them, and the next start checks again. An unchanged machine skips the ELF reading.

Then it installs them with apt-get when it may: as root; through ``sudo`` when sudo needs
no password or when run from a terminal (sudo asks for the password). Otherwise, or with
``CIRRUS_INSTALL_SYSTEM_PACKAGES=0``, it returns the one command to run.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.shared_libraries import missing_libraries, system_library_dirs

# The PySide6 modules and Qt plugins Cirrus (and its tests) load, relative to PySide6/.
QT_MODULES = ("QtCore", "QtGui", "QtWidgets", "QtNetwork", "QtSvg", "QtTest")
QT_PLUGINS = ("Qt/plugins/imageformats/*.so", "Qt/plugins/iconengines/*.so")
# Plugins of the Qt add-ons, not in the wheel Cirrus installs (their libraries are absent).
ADDON_PLUGINS = ("libqpdf.so",)
PLATFORM_PLUGINS = {
    "xcb": (
        "Qt/plugins/platforms/libqxcb.so",
        "Qt/plugins/xcbglintegrations/*.so",
        "Qt/plugins/platforminputcontexts/libcomposeplatforminputcontextplugin.so",
        "Qt/plugins/platformthemes/libqxdgdesktopportal.so",
    ),
    "wayland": (
        "Qt/plugins/platforms/libqwayland.so",
        "Qt/plugins/platforminputcontexts/libcomposeplatforminputcontextplugin.so",
    ),
}
FONT_PACKAGE = "fonts-dejavu-core"
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".pfb", ".pcf", ".pcf.gz")
OPT_OUT = "CIRRUS_INSTALL_SYSTEM_PACKAGES"
# Packages whose name does not follow the library's soname (see ``package_candidates``).
SPECIAL_PACKAGES = {
    "libGLdispatch": "libglvnd0",
    "libbrotlicommon": "libbrotli1",
    "libbrotlidec": "libbrotli1",
    "libbrotlienc": "libbrotli1",
    "libglib-2.0": "libglib2.0-0",
    "libgthread-2.0": "libglib2.0-0",
    "libgobject-2.0": "libglib2.0-0",
    "libgio-2.0": "libglib2.0-0",
    "libgmodule-2.0": "libglib2.0-0",
    "libz": "zlib1g",
}

Runner = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]


def _run(cmd: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(cmd), capture_output=True, text=True, check=False)


def _run_visible(cmd: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """Run with the output on the terminal (apt's progress, sudo's password prompt)."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:  # apt's output goes with Cirrus's messages, away from stdout (``--json``)
        out: int | None = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        out = None
    return subprocess.run(list(cmd), stdout=out, text=True, check=False, env=env)


# --- which system libraries Qt needs -------------------------------------------------


def pyside_dir() -> Path | None:
    """PySide6's folder, found without importing it."""
    spec = importlib.util.find_spec("PySide6")
    locations = spec.submodule_search_locations if spec else None
    return Path(next(iter(locations))) if locations else None


def qt_platforms(offscreen: bool = False) -> list[str]:
    """The Qt platform plugins this start may load: QT_QPA_PLATFORM's, else Qt's default."""
    if offscreen:
        return ["offscreen"]
    chosen = os.environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return [p.split(":")[0] for p in chosen.split(";") if p]
    return ["wayland", "xcb"] if os.environ.get("WAYLAND_DISPLAY") else ["xcb"]


def qt_files(pyside: Path, platforms: Sequence[str]) -> list[Path]:
    """The PySide6 modules and Qt plugins to check, those present in this install."""
    files = [p for m in QT_MODULES for p in sorted(pyside.glob(f"{m}.*.so"))]
    patterns = list(QT_PLUGINS)
    for platform in platforms:
        patterns += PLATFORM_PLUGINS.get(platform, (f"Qt/plugins/platforms/libq{platform}.so",))
    for pattern in dict.fromkeys(patterns):
        files += sorted(pyside.glob(pattern))
    return [f for f in files if f.name not in ADDON_PLUGINS]


def font_dirs() -> list[Path]:
    """Where fontconfig looks for fonts by default."""
    home = Path.home()
    data_home = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return [
        Path("/usr/share/fonts"),
        Path("/usr/local/share/fonts"),
        data_home / "fonts",
        home / ".fonts",
    ]


def fonts_missing(dirs: Iterable[Path]) -> bool:
    """True when no font file lies in ``dirs`` (Qt would show no text at all)."""
    for root in dirs:
        for _dir, _subdirs, names in os.walk(root):
            if any(n.lower().endswith(FONT_SUFFIXES) for n in names):
                return False
    return True


# --- which packages hold them ----------------------------------------------------------


def package_candidates(soname: str) -> list[str]:
    """Debian/Ubuntu package names that may hold ``soname``, the likeliest first.

    Debian names a library package after its soname (``libxcb-cursor.so.0`` is
    ``libxcb-cursor0``, ``libxkbcommon-x11.so.0`` is ``libxkbcommon-x11-0``); releases
    since Debian 13 and Ubuntu 24.04 renamed some with a ``t64`` suffix.
    """
    base, _, version = soname.partition(".so.")
    version = version.split(".")[0]
    special = SPECIAL_PACKAGES.get(base)
    guess = base.lower().replace("_", "-")
    guess += ("-" if guess[-1:].isdigit() else "") + version
    names = [n for n in (special, guess) if n]
    return list(dict.fromkeys(c for n in names for c in (n + "t64", n)))


def apt_candidates(packages: Sequence[str], run: Runner = _run) -> set[str]:
    """The packages among ``packages`` that apt can install (a candidate version)."""
    if not packages:
        return set()
    out = run(["apt-cache", "policy", *packages]).stdout
    known: set[str] = set()
    current = ""
    for line in out.splitlines():
        if line and not line[0].isspace() and line.rstrip().endswith(":"):
            current = line.strip()[:-1].split(":")[0]
        elif line.strip().startswith("Candidate:") and line.split(":", 1)[1].strip() != "(none)":
            known.add(current)
    return known


def packages_for(sonames: Sequence[str], fonts: bool, run: Runner = _run) -> tuple[list[str], bool]:
    """Packages to install for ``sonames`` (and a font when ``fonts``).

    Returns the list and whether apt knew every name (False: the package lists need an
    ``apt-get update``, and unknown names fell back to the soname rule).
    """
    candidates = {s: package_candidates(s) for s in sonames}
    wanted = [c for cs in candidates.values() for c in cs] + ([FONT_PACKAGE] if fonts else [])
    known = apt_candidates(list(dict.fromkeys(wanted)), run)
    chosen: list[str] = []
    complete = True
    for cs in candidates.values():
        hit = next((c for c in cs if c in known), None)
        complete &= hit is not None
        # unknown to apt: the old name, which apt maps to a renamed package by itself
        chosen.append(hit or next(c for c in cs if not c.endswith("t64")))
    if fonts:
        complete &= FONT_PACKAGE in known
        chosen.append(FONT_PACKAGE)
    return list(dict.fromkeys(chosen)), complete


# --- the check at start-up -------------------------------------------------------------


@dataclass
class QtLibraryCheck:
    """One check of the system libraries; the parts tests replace are fields."""

    platforms: Sequence[str] = field(default_factory=qt_platforms)
    pyside: Path | None = field(default_factory=lambda: pyside_dir())
    search_dirs: Sequence[Path] = field(default_factory=lambda: system_library_dirs())
    fonts_in: Sequence[Path] = field(default_factory=lambda: font_dirs())
    run: Runner = field(default_factory=lambda: _run)
    run_visible: Runner = field(default_factory=lambda: _run_visible)
    is_root: bool = field(default_factory=lambda: os.geteuid() == 0)
    interactive: bool = field(default_factory=lambda: sys.stdin.isatty() and sys.stderr.isatty())
    allowed: bool = field(default_factory=lambda: os.environ.get(OPT_OUT, "1") not in ("0", "no"))
    has_apt: bool = field(default_factory=lambda: shutil.which("apt-get") is not None)
    has_sudo: bool = field(default_factory=lambda: shutil.which("sudo") is not None)
    say: Callable[[str], None] = field(default=lambda text: print(text, file=sys.stderr))

    known_good: Path | None = None
    """Where a check that found every library is remembered (None: never)."""

    def missing(self) -> tuple[list[str], bool]:
        if self.pyside is None:
            return [], False
        return self._missing_libraries(self.pyside), fonts_missing(self.fonts_in)

    def _missing_libraries(self, pyside: Path) -> list[str]:
        key = libraries_key(pyside, self.platforms, self.search_dirs)
        if self.known_good is not None and _read_quietly(self.known_good) == key:
            return []
        missing = missing_libraries(qt_files(pyside, self.platforms), self.search_dirs)
        if not missing and self.known_good is not None:
            _write_quietly(self.known_good, key)
        return missing

    def problem(self) -> str | None:
        """None when Qt can start (after installing what was missing), else what to do."""
        sonames, fonts = self.missing()
        if not sonames and not fonts:
            return None
        if not self.has_apt:
            return (
                f"Qt needs system libraries that are missing: {_what(sonames, fonts)}; "
                "install the packages of your distribution that provide them"
            )
        packages, complete = packages_for(sonames, fonts, self.run)
        sudo = self._sudo()
        if self.allowed and sudo is not None:
            self.say(
                f"cirrus: Qt needs {_what(sonames, fonts)}; "
                f"installing {' '.join(packages)} with apt-get"
            )
            self._install(sudo, packages, complete, sonames, fonts)
            sonames, fonts = self.missing()
            if not sonames and not fonts:
                return None
            packages, complete = packages_for(sonames, fonts, self.run)
        return (
            f"Qt needs system libraries that are missing: {_what(sonames, fonts)}; "
            + self._how_to_install(packages, update=not complete)
        )

    def _how_to_install(self, packages: Sequence[str], update: bool) -> str:
        if self.is_root or not self.has_sudo:
            who = "" if self.is_root else " as root"
            return f"install them{who} with: {install_command(packages, '', update)}"
        return f"install them with: {install_command(packages, 'sudo ', update)}"

    def _sudo(self) -> list[str] | None:
        """The prefix to run apt-get with, or None when it may not run here."""
        if self.is_root:
            return []
        if not self.has_sudo:
            return None
        if self.run(["sudo", "-n", "true"]).returncode == 0:
            return ["sudo", "-n"]
        return ["sudo"] if self.interactive else None

    def _install(
        self, sudo: list[str], packages: list[str], complete: bool, sonames: list[str], fonts: bool
    ) -> None:
        update = [*sudo, "apt-get", "update", "-q"]
        if not complete:  # empty package lists (a fresh container): fetch them first
            self.run_visible(update)
            packages, _ = packages_for(sonames, fonts, self.run)
        install = [*sudo, "apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]
        if self.run_visible(install).returncode != 0 and complete:
            self.run_visible(update)  # stale package lists: files moved on the mirror
            self.run_visible(install)


def libraries_key(pyside: Path, platforms: Sequence[str], search_dirs: Sequence[Path]) -> str:
    """What a passed check is remembered under: the platforms, and each folder the check
    read with its modification time (a library added or removed changes its folder's)."""
    parts = [",".join(platforms)]
    for folder in [pyside, *search_dirs]:
        try:
            parts.append(f"{folder}={folder.stat().st_mtime_ns}")
        except OSError:
            parts.append(f"{folder}=absent")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def known_good_file() -> Path | None:
    """The user's cache file remembering a passed check (the check runs on Linux only:
    the XDG cache folder, as ``platformdirs`` names it there, without importing it)."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    if base:
        return Path(base) / "Cirrus" / "qt-libraries.ok"
    home = Path("~").expanduser()
    if home == Path("~"):
        return None  # no home folder: check every time
    return home / ".cache" / "Cirrus" / "qt-libraries.ok"


def _read_quietly(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _write_quietly(path: Path, key: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(key + "\n", encoding="ascii")
    except OSError:  # a read-only home: the check runs again next time
        pass


def _what(sonames: Sequence[str], fonts: bool) -> str:
    return ", ".join([*sonames, *(["a font"] if fonts else [])])


def install_command(packages: Sequence[str], prefix: str, update: bool) -> str:
    """The one command line that installs ``packages``; ``update`` fetches the lists first."""
    install = f"{prefix}apt-get install -y --no-install-recommends {' '.join(packages)}"
    return f"{prefix}apt-get update && {install}" if update else install


def display_problem(x11_dir: Path = Path("/tmp/.X11-unix")) -> str | None:
    """Why Qt could not open a window (it would abort), or None.

    Only on Linux with Qt's default platform: no ``DISPLAY``/``WAYLAND_DISPLAY``, or a
    local X display nobody listens on.
    """
    if not sys.platform.startswith("linux"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith(("xcb", "wayland")):
        return None
    if os.environ.get("WAYLAND_DISPLAY"):
        return None
    display = os.environ.get("DISPLAY", "")
    if not display:
        return (
            "no display to open the window on (DISPLAY is not set): start Cirrus in a "
            "desktop session, or with QT_QPA_PLATFORM=offscreen to run without a window"
        )
    host, _, number = display.rpartition(":")
    number = number.split(".")[0]
    if host not in ("", "unix") or not number.isdigit():
        return None  # a remote or unusual display: let Qt try it
    for address in (str(x11_dir / f"X{number}"), f"\0{x11_dir}/X{number}"):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(2)
            try:
                sock.connect(address)
            except OSError:
                continue
            return None
    return f"cannot connect to the X display {display}: is the X server running?"


def qt_start_problem(offscreen: bool = False) -> str | None:
    """What stops Qt from starting here, after installing what may be installed; or None.

    ``offscreen``: this start uses Qt's offscreen platform (no window, no display).
    Checks only on Linux; libraries only outside a frozen build (the installer carries
    them). Never raises: a check that fails lets Qt try and report for itself.
    """
    if not sys.platform.startswith("linux"):
        return None
    problem = None
    if not getattr(sys, "frozen", False):
        try:
            platforms = qt_platforms(offscreen)
            # a window's start remembers a pass; an offscreen one (tests, a smoke run) not
            known = None if "offscreen" in platforms else known_good_file()
            problem = QtLibraryCheck(platforms=platforms, known_good=known).problem()
        except Exception:  # a check that fails must not stop an app that may well work
            problem = None
    if problem is None and not offscreen:
        problem = display_problem()
    return problem
