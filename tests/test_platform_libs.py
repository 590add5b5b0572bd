"""The start-up check of the system libraries Qt needs, on this machine's PySide6.

Missing libraries are faked by pointing the check at a folder holding only some of the
libraries the real PySide6 modules and plugins ask for; apt is a recording fake.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from app import platform_libs
from app.cli import main
from app.platform_libs import QtLibraryCheck, display_problem, packages_for, pyside_dir, qt_files
from app.shared_libraries import elf_dynamic, missing_libraries, system_library_dirs

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux check")
PYSIDE = pyside_dir()
FAKED = ["libGL.so.1", "libglib-2.0.so.0", "libxcb-cursor.so.0"]
FONT = "fonts-dejavu-core"


def _policy(known: set[str]) -> platform_libs.Runner:
    """A fake ``apt-cache policy`` that knows ``known`` (and ``sudo -n`` that fails)."""

    def run(cmd: Sequence[str]) -> subprocess.CompletedProcess[str]:
        if list(cmd[:2]) != ["apt-cache", "policy"]:
            return subprocess.CompletedProcess(cmd, 1, "", "a password is required")
        out = ""
        for name in cmd[2:]:
            if name in known:
                out += f"{name}:\n  Installed: (none)\n  Candidate: 1.0-1\n  Version table:\n"
            elif name + "t64" in known:  # the old name of a renamed package is virtual
                out += f"{name}:\n  Installed: (none)\n  Candidate: (none)\n  Version table:\n"
        return subprocess.CompletedProcess(cmd, 0, out, "")

    return run


BOOKWORM = {"libgl1", "libglib2.0-0", "libxcb-cursor0", "fonts-dejavu-core"}
TRIXIE = {"libgl1", "libglib2.0-0t64", "libxcb-cursor0", "fonts-dejavu-core"}


@pytest.fixture
def system_libs(tmp_path: Path) -> tuple[Path, list[str]]:
    """A library folder with every system library the xcb start needs but FAKED."""
    assert PYSIDE is not None
    needed = missing_libraries(qt_files(PYSIDE, ["xcb"]), [])  # no folder: all are system
    assert set(FAKED) <= set(needed)
    libs = tmp_path / "lib"
    libs.mkdir()
    (tmp_path / "fonts").mkdir()
    for name in set(needed) - set(FAKED):
        (libs / name).touch()
    return libs, needed


class Apt:
    """Records apt-get commands; ``install`` makes the faked libraries appear."""

    def __init__(self, libs: Path, fails: bool = False) -> None:
        self.libs, self.fails, self.commands = libs, fails, list[list[str]]()

    def __call__(self, cmd: Sequence[str]) -> subprocess.CompletedProcess[str]:
        self.commands.append(list(cmd))
        if "install" in cmd and not self.fails:
            for name in FAKED:
                (self.libs / name).touch()
            if FONT in cmd:
                (self.libs.parent / "fonts" / "DejaVuSans.ttf").touch()
        return subprocess.CompletedProcess(cmd, 100 if self.fails else 0)


def _check(libs: Path, apt: Apt, known: set[str], **kw: object) -> QtLibraryCheck:
    said: list[str] = []
    options: dict[str, object] = {
        "platforms": ["xcb"],
        "search_dirs": [libs],
        "fonts_in": [libs.parent / "fonts"],
        "run": _policy(known),
        "run_visible": apt,
        "is_root": True,
        "interactive": False,
        "allowed": True,
        "has_apt": True,
        "has_sudo": True,
        "say": said.append,
    }
    return QtLibraryCheck(**{**options, **kw})  # type: ignore[arg-type]


@linux_only
def test_finds_the_same_missing_libraries_as_ldd() -> None:
    """On this machine's PySide6, with the real library folders, ldd agrees."""
    if PYSIDE is None or shutil.which("ldd") is None:
        pytest.skip("needs PySide6 and ldd")
    for platforms in (["offscreen"], ["xcb"]):
        files = qt_files(PYSIDE, platforms)
        assert any(f.name == f"libq{platforms[0]}.so" for f in files)
        out = subprocess.run(["ldd", *map(str, files)], capture_output=True, text=True).stdout
        by_ldd = {line.split()[0] for line in out.splitlines() if "=> not found" in line}
        assert missing_libraries(files, system_library_dirs()) == sorted(by_ldd)


@linux_only
def test_reads_the_libraries_a_qt_plugin_links_to() -> None:
    assert PYSIDE is not None
    xcb = PYSIDE / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    needed, runpath = elf_dynamic(xcb) or ([], [])
    assert "libxcb-cursor.so.0" in needed and "libQt6XcbQpa.so.6" in needed
    assert runpath == ["$ORIGIN/../../lib"]
    assert elf_dynamic(Path(__file__)) is None


@linux_only
def test_names_only_the_faked_missing_libraries(system_libs: tuple[Path, list[str]]) -> None:
    libs, _ = system_libs
    assert PYSIDE is not None
    assert missing_libraries(qt_files(PYSIDE, ["xcb"]), [libs]) == sorted(FAKED)
    # the offscreen platform needs no xcb library
    assert "libxcb-cursor.so.0" not in missing_libraries(qt_files(PYSIDE, ["offscreen"]), [libs])


def test_package_names_follow_the_release() -> None:
    missing = ["libGL.so.1", "libglib-2.0.so.0", "libxcb-cursor.so.0"]
    assert packages_for(missing, True, _policy(BOOKWORM)) == (
        ["libgl1", "libglib2.0-0", "libxcb-cursor0", "fonts-dejavu-core"],
        True,
    )
    assert packages_for(missing, False, _policy(TRIXIE)) == (
        ["libgl1", "libglib2.0-0t64", "libxcb-cursor0"],
        True,
    )
    # empty package lists: the soname rule's name, and the lists need an update
    assert packages_for(["libxkbcommon-x11.so.0"], False, _policy(set())) == (
        ["libxkbcommon-x11-0"],
        False,
    )


@pytest.mark.skipif(shutil.which("apt-cache") is None, reason="needs apt")
def test_package_names_exist_in_this_machines_apt() -> None:
    names, complete = packages_for(["libxcb-cursor.so.0", "libglib-2.0.so.0"], True)
    if not complete:
        pytest.skip("this machine's apt package lists are empty")
    policy = subprocess.run(["apt-cache", "policy", *names], capture_output=True, text=True)
    assert all(f"\n{name}:" in f"\n{policy.stdout}" for name in names)
    assert "Candidate: (none)" not in policy.stdout


@linux_only
def test_as_root_installs_the_missing_packages(system_libs: tuple[Path, list[str]]) -> None:
    libs, _ = system_libs
    apt = Apt(libs)
    check = _check(libs, apt, BOOKWORM)
    assert check.problem() is None
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends"]
    assert apt.commands == [[*install, "libgl1", "libglib2.0-0", "libxcb-cursor0", FONT]]
    assert all((libs / name).exists() for name in FAKED)


@linux_only
def test_updates_empty_package_lists_first(system_libs: tuple[Path, list[str]]) -> None:
    libs, _ = system_libs
    known: set[str] = set()
    apt = Apt(libs)

    def update_fills_the_lists(cmd: Sequence[str]) -> subprocess.CompletedProcess[str]:
        if "update" in cmd:
            known.update(TRIXIE)
        return apt(cmd)

    run = _policy(known)
    check = _check(libs, apt, known, run=run, run_visible=update_fills_the_lists)
    assert check.problem() is None
    assert apt.commands[0] == ["apt-get", "update", "-q"]
    assert apt.commands[1][-4:] == ["libgl1", "libglib2.0-0t64", "libxcb-cursor0", FONT]


@linux_only
def test_without_permission_prints_the_one_command(system_libs: tuple[Path, list[str]]) -> None:
    libs, _ = system_libs
    apt = Apt(libs)
    problem = _check(libs, apt, BOOKWORM, is_root=False).problem()
    assert apt.commands == []
    assert problem is not None and problem.startswith(
        "Qt needs system libraries that are missing: libGL.so.1, libglib-2.0.so.0, "
        "libxcb-cursor.so.0, a font; install them with: "
    )
    assert problem.endswith(
        "sudo apt-get install -y --no-install-recommends "
        "libgl1 libglib2.0-0 libxcb-cursor0 fonts-dejavu-core"
    )
    # no sudo: the same command, to run as root
    problem = _check(libs, apt, BOOKWORM, is_root=False, has_sudo=False).problem()
    assert apt.commands == []
    assert problem is not None and problem.endswith(
        "; install them as root with: apt-get install -y --no-install-recommends "
        "libgl1 libglib2.0-0 libxcb-cursor0 fonts-dejavu-core"
    )
    # empty package lists: update first, in the same line
    problem = _check(libs, apt, set(), is_root=False).problem()
    assert problem is not None and problem.endswith(
        ": sudo apt-get update && sudo apt-get install -y --no-install-recommends "
        "libgl1 libglib2.0-0 libxcb-cursor0 fonts-dejavu-core"
    )
    # opted out as root: the same command, without sudo
    problem = _check(libs, apt, BOOKWORM, allowed=False).problem()
    assert apt.commands == []
    assert problem is not None and problem.endswith(
        ": apt-get install -y --no-install-recommends "
        "libgl1 libglib2.0-0 libxcb-cursor0 fonts-dejavu-core"
    )


@linux_only
def test_a_failed_install_retries_after_update_then_says_what_is_missing(
    system_libs: tuple[Path, list[str]],
) -> None:
    libs, _ = system_libs
    apt = Apt(libs, fails=True)
    problem = _check(libs, apt, BOOKWORM).problem()
    assert [c[1] for c in apt.commands] == ["install", "update", "install"]
    assert problem is not None
    assert "missing: libGL.so.1, libglib-2.0.so.0, libxcb-cursor.so.0, a font;" in problem
    assert problem.endswith(
        "apt-get install -y --no-install-recommends "
        + " ".join(["libgl1", "libglib2.0-0", "libxcb-cursor0", FONT])
    )


@linux_only
def test_without_apt_names_the_libraries(system_libs: tuple[Path, list[str]]) -> None:
    libs, _ = system_libs
    problem = _check(libs, Apt(libs), BOOKWORM, has_apt=False).problem()
    assert problem is not None and "libxcb-cursor.so.0" in problem
    assert "install the packages of your distribution" in problem


@linux_only
@pytest.mark.parametrize("as_json", [False, True])
def test_cirrus_without_libraries_exits_2_with_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    as_json: bool,
) -> None:
    empty = tmp_path / "nolib"
    empty.mkdir()

    def no_apt_get(cmd: Sequence[str]) -> subprocess.CompletedProcess[str]:
        raise AssertionError(f"ran {cmd}")

    monkeypatch.setattr(platform_libs, "system_library_dirs", lambda: [empty])
    monkeypatch.setattr(platform_libs, "_run", _policy(BOOKWORM))
    monkeypatch.setattr(platform_libs, "_run_visible", no_apt_get)
    monkeypatch.setattr(platform_libs.os, "geteuid", lambda: 1000)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    argv = ["--data-dir", str(tmp_path / "data")] + (["--json"] if as_json else [])
    assert main(argv) == 2
    out, err = capsys.readouterr()
    message = json.loads(out)["error"] if as_json else err
    if not as_json:
        assert out == "" and err.count("\n") == 1 and err.startswith("cirrus: Qt needs ")
    assert "libxcb-cursor.so.0" in message and "apt-get install -y" in message
    assert not (tmp_path / "data" / "collection.sqlite").exists()


def test_no_display_is_named_before_qt_would_abort(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    assert "DISPLAY is not set" in (display_problem(tmp_path) or "")
    monkeypatch.setenv("DISPLAY", ":7")
    assert "cannot connect to the X display :7" in (display_problem(tmp_path) or "")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(tmp_path / "X7"))
        server.listen(1)
        assert display_problem(tmp_path) is None
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.delenv("DISPLAY")
    assert display_problem(tmp_path) is None


def test_the_check_imports_no_qt() -> None:
    code = "import sys, app.platform_libs; print(sorted(m for m in sys.modules if 'Side' in m))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@linux_only
def test_a_passed_check_is_remembered_until_a_library_folder_changes(
    system_libs: tuple[Path, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    libs, _ = system_libs
    for name in FAKED:
        (libs / name).touch()
    (tmp_path / "fonts" / "DejaVuSans.ttf").touch()
    known = tmp_path / "cache" / "qt-libraries.ok"
    reads: list[int] = []
    real = platform_libs.missing_libraries

    def counted(files, dirs):  # type: ignore[no-untyped-def]
        reads.append(1)
        return real(files, dirs)

    monkeypatch.setattr(platform_libs, "missing_libraries", counted)
    apt = Apt(libs)
    assert _check(libs, apt, BOOKWORM, known_good=known).problem() is None
    assert known.is_file() and len(reads) == 1
    assert _check(libs, apt, BOOKWORM, known_good=known).problem() is None
    assert len(reads) == 1  # remembered: the libraries were not read again
    (libs / "libxcb-cursor.so.0").unlink()  # a library removed: its folder changed
    problem = _check(libs, Apt(libs, fails=True), BOOKWORM, known_good=known).problem()
    assert problem is not None and "libxcb-cursor.so.0" in problem
    assert len(reads) >= 2


def test_an_offscreen_start_remembers_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(platform_libs, "known_good_file", lambda: tmp_path / "ok")
    monkeypatch.setattr(platform_libs, "display_problem", lambda: None)
    assert platform_libs.qt_start_problem(offscreen=True) is None
    assert not (tmp_path / "ok").exists()
