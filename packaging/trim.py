"""What the frozen builds leave out. Shared by ``cirrus.spec`` and ``bare_window.spec``.

Cirrus uses QtCore, QtGui and QtWidgets, and QtNetwork for its local socket only (a
second launch hands over to the window already open). PyInstaller's Qt hooks collect every plugin
family those modules can use; this module removes the ones a desktop flashcard app never
loads (embedded-display back ends, network plugins, rare image formats), Qt's
translations (the app is English-only and installs no ``QTranslator``) and, on Linux, any
shared library that nothing left in the bundle links to (the GTK stack of the GTK theme
plugin, for one). Both specs run the same rules, so the bare-window comparison in
``build.py --compare-bare`` measures what the app itself adds.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

KEEP_QT_MODULES = frozenset({"QtCore", "QtGui", "QtWidgets", "QtNetwork"})


def _words(text: str) -> list[str]:
    return text.split()


# Qt binding modules that may be installed alongside (PySide6-Addons) but are never used.
_KNOWN_QT_MODULES = _words(
    """
    Qt3DAnimation Qt3DCore Qt3DExtras Qt3DInput Qt3DLogic Qt3DRender QtAxContainer
    QtBluetooth QtCharts QtConcurrent QtDBus QtDataVisualization QtDesigner QtGraphs
    QtGraphsWidgets QtHelp QtHttpServer QtLocation QtMultimedia QtMultimediaWidgets
    QtNetwork QtNetworkAuth QtNfc QtOpenGL QtOpenGLWidgets QtPdf QtPdfWidgets
    QtPositioning QtPrintSupport QtQml QtQuick QtQuick3D QtQuickControls2 QtQuickTest
    QtQuickWidgets QtRemoteObjects QtScxml QtSensors QtSerialBus QtSerialPort
    QtSpatialAudio QtSql QtStateMachine QtSvg QtSvgWidgets QtTest QtTextToSpeech
    QtUiTools QtWebChannel QtWebEngineCore QtWebEngineQuick QtWebEngineWidgets
    QtWebSockets QtWebView QtXml
    """
)

# Python modules no build needs: test and developer tools, TLS (the app never goes online),
# database drivers other than SQLite, zstandard's second (CFFI) back end, and Pillow (only
# Pygments' image formatter would use it), and fsrs-rs-python (no licence file; see
# THIRD_PARTY_NOTICES.md).
_UNUSED_PYTHON = _words(
    """
    tkinter _tkinter unittest pydoc doctest pdb lib2to3 idlelib test distutils setuptools
    pip pkg_resources xmlrpc ssl _ssl _hashlib
    sqlalchemy.dialects.postgresql sqlalchemy.dialects.mysql sqlalchemy.dialects.oracle
    sqlalchemy.dialects.mssql sqlalchemy.testing
    zstandard.backend_cffi zstandard._cffi cffi PIL fsrs_rs_python
    OpenGL charset_normalizer requests readline
    scipy matplotlib h5py numpy pyqtgraph
    IPython
    """
)

# Plugin families and which plugins of each to keep; a family not named here is kept whole.
# ``None`` keeps the whole family, an empty set drops it.
_PLUGINS: dict[str, frozenset[str] | None] = {
    "platforms": frozenset({"qxcb", "qwayland", "qoffscreen", "qwindows", "qcocoa"}),
    "platformthemes": frozenset({"qxdgdesktopportal"}),
    "imageformats": frozenset({"qgif", "qico", "qjpeg", "qsvg", "qwebp"}),
    "iconengines": None,
    "platforminputcontexts": None,
    "styles": None,
    "xcbglintegrations": None,
    "wayland-shell-integration": None,
    "wayland-decoration-client": None,
    "wayland-graphics-integration-client": None,
    "egldeviceintegrations": frozenset(),
    "generic": frozenset(),
    "networkinformation": frozenset(),
    "tls": frozenset(),
    "sqldrivers": frozenset(),
    "printsupport": frozenset(),
}

_C_LIBRARY_PARTS = frozenset({"libmvec.so.1"})
"""Parts of the C library (glibc) that PyInstaller copies (miniaudio links libmvec):
like libc and libm they must come from the system they run on."""

Entry = tuple[str, str, str]
"""A PyInstaller TOC entry: (destination, source, type code)."""


def excluded_modules() -> list[str]:
    """Module names for ``Analysis(excludes=...)``."""
    installed: set[str] = set()
    try:
        import PySide6

        for path in Path(PySide6.__file__).parent.glob("Qt*.*"):
            if path.suffix in (".so", ".pyd"):
                installed.add(path.name.split(".")[0])
    except ImportError:
        pass
    qt = sorted((installed | set(_KNOWN_QT_MODULES)) - KEEP_QT_MODULES)
    return [*_UNUSED_PYTHON, *(f"PySide6.{name}" for name in qt)]


def _posix(dest: str) -> PurePosixPath:
    return PurePosixPath(dest.replace("\\", "/"))


def keep_plugin(dest: str) -> bool:
    """False for a Qt plugin the app never loads; True for everything else."""
    parts = _posix(dest).parts
    if "plugins" not in parts or not parts[0].startswith("PySide6"):
        return True
    at = parts.index("plugins")
    if len(parts) < at + 3:
        return True
    wanted = _PLUGINS.get(parts[at + 1])
    if wanted is None:
        return True
    stem = re.sub(r"\.(so|dll|dylib)$", "", parts[-1]).removeprefix("lib")
    return stem in wanted


def keep_data(dest: str) -> bool:
    """False for Qt translations and QML files; True for everything else."""
    parts = _posix(dest).parts
    return not (parts and parts[0] == "PySide6" and ("translations" in parts or "qml" in parts))


def _is_root(entry: Entry) -> bool:
    """A binary that is loaded for its own sake: an extension module, a plugin, libpython."""
    dest, _, kind = entry
    name = _posix(dest).name
    return kind == "EXTENSION" or "plugins" in _posix(dest).parts or name.startswith("libpython")


def _linked_names(sources: Iterable[str]) -> set[str]:
    """Base names of every library the given ELF files load, directly or not (``ldd``)."""
    from PyInstaller.depend.bindepend import get_imports

    names: set[str] = set()
    for source in sources:
        for name, path in get_imports(source):
            names.add(Path(name).name)
            if path:
                names.add(Path(path).name)
                names.add(Path(os.path.realpath(path)).name)
    return names


def prune_unlinked(binaries: list[Entry]) -> tuple[list[Entry], list[str]]:
    """Drop shared libraries that no extension module, plugin or libpython links to.

    Runs on Linux only, where ``ldd`` gives the whole dependency closure; on Windows and
    macOS the trimmed plugins have no private dependencies worth the risk.
    """
    if not sys.platform.startswith("linux"):
        return binaries, []
    needed = _linked_names(src for dest, src, kind in binaries if _is_root((dest, src, kind)))
    kept = [e for e in binaries if _is_root(e) or _posix(e[0]).name in needed]
    return kept, [e[0] for e in binaries if e not in kept]


def _dangling(entry: Entry, gone: set[PurePosixPath]) -> bool:
    """True for a symlink whose target (relative to the link's folder or the root) is gone."""
    dest, target, kind = entry
    if kind != "SYMLINK":
        return False
    return _posix(target) in gone or _posix(dest).parent / _posix(target) in gone


def trim(analysis: Any) -> tuple[list[Entry], list[Entry], list[str]]:
    """The Analysis' binaries and datas with unused Qt parts removed, and what went."""
    binaries: list[Entry] = [(d, s, k) for d, s, k in analysis.binaries if keep_plugin(d)]
    datas: list[Entry] = [(d, s, k) for d, s, k in analysis.datas if keep_data(d)]
    dropped = [d for d, _, _ in analysis.binaries if not keep_plugin(d)]
    dropped += [d for d, _, _ in analysis.datas if not keep_data(d)]
    binaries, unlinked = prune_unlinked(binaries)
    dropped += unlinked
    dropped += [d for d, _, _ in binaries if _posix(d).name in _C_LIBRARY_PARTS]
    binaries = [e for e in binaries if _posix(e[0]).name not in _C_LIBRARY_PARTS]
    gone = {_posix(d) for d in dropped}
    dangling = [e for e in datas if _dangling(e, gone)]
    datas = [e for e in datas if e not in dangling]
    # Libraries a wheel vendors into ``<package>.libs/`` (numpy's OpenBLAS, libgfortran) are
    # ELF files patched by auditwheel that ``strip`` breaks ("ELF load command address/offset
    # not page-aligned"): ship them byte for byte, as data, so they are not stripped.
    vendored = [(d, s, "DATA") for d, s, _ in binaries if _posix(d).parts[0].endswith(".libs")]
    # PyInstaller also copies them to the top level as dependencies of the extension module;
    # the module finds the ones in ``<package>.libs/`` through its run path, so drop the copies.
    names = {_posix(d).name for d, _, _ in vendored}
    binaries = [
        e
        for e in binaries
        if not _posix(e[0]).parts[0].endswith(".libs") and _posix(e[0]).name not in names
    ]
    return binaries, datas + vendored, dropped + [e[0] for e in dangling]
