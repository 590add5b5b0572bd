"""Build Cirrus for the system this runs on, smoke-test the result and print the figures.

    python packaging/build.py                  # build, package, smoke-test, measure
    python packaging/build.py --compare-bare   # also freeze a bare PySide6 window and compare
    python packaging/build.py --skip-build     # package and test the existing dist/ build

Output in dist/:
    Linux    cirrus/ (one-folder bundle), cirrus-<version>-linux-<arch>.tar.gz,
             cirrus-cards_<version>_<arch>.deb
    Windows  cirrus/, cirrus-<version>-windows-<arch>.tar.gz, and with Inno Setup on the
             PATH Cirrus-<version>-setup.exe
    macOS    Cirrus.app, cirrus-<version>-macos-<arch>.tar.gz, Cirrus-<version>.dmg
and build-figures.json with the sizes and start times printed at the end. Needs the
``package`` extra (``pip install -e '.[package]'``); on Linux also dpkg-deb and binutils.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

PACKAGING = Path(__file__).resolve().parent
ROOT = PACKAGING.parent
sys.path.insert(0, str(PACKAGING))

import smoke  # noqa: E402

DIST = ROOT / "dist"
WORK = ROOT / "build"
IS_WINDOWS = sys.platform.startswith("win")
IS_MACOS = sys.platform == "darwin"
IS_LINUX = sys.platform.startswith("linux")
MB = 1_000_000
MAX_BARE_RATIO = 1.5
"""The bundle may be at most this many times the size of the bare PySide6 window."""


def read_version() -> str:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return str(data["project"]["version"])


def system_tag() -> str:
    system = "windows" if IS_WINDOWS else "macos" if IS_MACOS else "linux"
    machine = platform.machine().lower().replace("amd64", "x86_64")
    return f"{system}-{machine}"


def run_pyinstaller(spec: Path, dist: Path, work: Path) -> None:
    print(f"build: freezing {spec.name} (PyInstaller) ...", flush=True)
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN"]
    command += ["--distpath", str(dist), "--workpath", str(work), str(spec)]
    subprocess.run(command, check=True, cwd=ROOT)


def bundle_dir() -> Path:
    """The folder users get: the .app on macOS, else the one-folder bundle."""
    return DIST / "Cirrus.app" if IS_MACOS else DIST / "cirrus"


def place_notices(bundle: Path) -> None:
    """Put THIRD_PARTY_NOTICES.md where users look: next to the program.

    The spec already puts it in ``_internal/``; in the macOS app that is
    ``Contents/Resources/``, which is where it belongs there (and the app is signed).
    """
    if not IS_MACOS:
        shutil.copyfile(ROOT / "THIRD_PARTY_NOTICES.md", bundle / "THIRD_PARTY_NOTICES.md")


def folder_size(folder: Path) -> int:
    """Bytes of all files under ``folder``; symlinks count as nothing."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def make_tarball(bundle: Path, version: str) -> Path:
    out = DIST / f"cirrus-{version}-{system_tag()}.tar.gz"
    top = bundle.name if IS_MACOS else f"cirrus-{version}"
    with tarfile.open(out, "w:gz", compresslevel=9) as tar:
        tar.add(bundle, arcname=top)
    return out


def make_dmg(app: Path, version: str) -> Path:
    """A compressed disk image with the app and a link to /Applications (hdiutil)."""
    stage = WORK / "dmg"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    shutil.copytree(app, stage / app.name, symlinks=True)
    (stage / "Applications").symlink_to("/Applications")
    out = DIST / f"Cirrus-{version}.dmg"
    command = ["hdiutil", "create", "-volname", "Cirrus", "-srcfolder", str(stage)]
    subprocess.run([*command, "-ov", "-format", "UDZO", str(out)], check=True)
    return out


def inno_setup(version: str) -> Path | None:
    """The Windows installer, when Inno Setup's compiler is installed."""
    candidates = [
        shutil.which("iscc"),
        r"C:\Program Files (x86)\Inno Setup 6\ISCC.exe",
        r"C:\Program Files\Inno Setup 6\ISCC.exe",
    ]
    iscc = next((c for c in candidates if c and Path(c).is_file()), None)
    if iscc is None:
        print("build: Inno Setup (iscc) not found; skipping the Windows installer")
        return None
    script = PACKAGING / "windows" / "cirrus.iss"
    defines = [f"/DAppVersion={version}", f"/DSourceDir={DIST / 'cirrus'}", f"/DRepoDir={ROOT}"]
    subprocess.run([iscc, "/Q", *defines, f"/O{DIST}", str(script)], check=True)
    return DIST / f"Cirrus-{version}-setup.exe"


def platform_packages(bundle: Path, version: str) -> list[Path]:
    if IS_LINUX:
        from linux_deb import build_deb

        if shutil.which("desktop-file-validate"):
            subprocess.run(["desktop-file-validate", str(PACKAGING / "cirrus.desktop")], check=True)
        return [build_deb(bundle, version, DIST, WORK)]
    if IS_MACOS:
        return [make_dmg(bundle, version)]
    installer = inno_setup(version)
    return [installer] if installer else []


def measure_start(runs: int) -> dict[str, float | None]:
    """Smoke-test the frozen build and time it against ``python -m app``.

    The two alternate, each on its own data folder, so that a busy machine slows both
    alike; the first run of each imports the bundled decks into an empty folder.
    """
    print(f"build: smoke test of the frozen build and python -m app ({runs} runs each) ...")
    commands = {"frozen": [str(smoke.frozen_program(DIST))], "python": smoke.python_command()}
    results = {name: smoke.SmokeResult() for name in commands}
    with tempfile.TemporaryDirectory(prefix="cirrus-build-") as tmp:
        folders = {name: Path(tmp) / name for name in commands}
        for _ in range(runs):
            for name, command in commands.items():
                folders[name].mkdir(exist_ok=True)
                results[name].runs.append(smoke.smoke_run(command, folders[name]))
        smoke.cli_checks(commands["frozen"], folders["frozen"])
    for run in results["frozen"].runs:
        print("  cirrus smoke: ok " + " ".join(f"{k}={v}" for k, v in run.items()))
    figures: dict[str, float | None] = {}
    for name, result in results.items():
        figures[f"{name}_start_ms"] = result.start_ms
        figures[f"{name}_first_start_ms"] = result.first_start_ms
        figures[f"{name}_first_card_ms"] = result.figure("first_card_ms", slice(1, None))
    return figures


def compare_bare() -> dict[str, float]:
    """Freeze the bare PySide6 window with the same rules and check that it runs."""
    dist, work = WORK / "bare-dist", WORK / "bare"
    run_pyinstaller(PACKAGING / "bare_window.spec", dist, work)
    name = "bare-window.exe" if IS_WINDOWS else "bare-window"
    program = dist / "bare-window" / name
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([str(program), "--smoke"], capture_output=True, text=True, env=env)
    if out.returncode != 0 or "bare window: ok shown=True" not in out.stdout:
        raise smoke.SmokeError(f"the bare window did not run: {out.stdout} {out.stderr}")
    return {"bare_bundle_mb": folder_size(dist / "bare-window") / MB}


def _size_key(path: Path) -> str:
    if path.name.endswith(".tar.gz"):
        return "tar_gz_mb"
    return {".deb": "deb_mb", ".dmg": "dmg_mb", ".exe": "installer_mb"}.get(path.suffix, "other_mb")


def report(figures: dict[str, float | None], artefacts: list[Path]) -> None:
    def ms(key: str) -> str:
        value = figures.get(key)
        return "-" if value is None else f"{value:.0f} ms"

    print("\nbuild: artefacts")
    for path in artefacts:
        size = folder_size(path) if path.is_dir() else path.stat().st_size
        print(f"  {path.relative_to(ROOT)}  {size / MB:.1f} MB")
    if "bare_bundle_mb" in figures:
        print(
            f"  bare PySide6 window bundle  {figures['bare_bundle_mb']:.1f} MB; "
            f"Cirrus is {figures['bundle_ratio']:.2f}x its size (target: at most {MAX_BARE_RATIO}x)"
        )
    print("build: launch to first card shown (median of the runs after the first)")
    print(
        f"  frozen  {ms('frozen_start_ms')}   (first run, empty data folder: "
        f"{ms('frozen_first_start_ms')})"
    )
    print(
        f"  python  {ms('python_start_ms')}   (first run, empty data folder: "
        f"{ms('python_first_start_ms')})"
    )
    out = DIST / "build-figures.json"
    out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"build: figures written to {out.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare-bare", action="store_true", help="also measure a bare window")
    parser.add_argument("--skip-build", action="store_true", help="reuse the build in dist/")
    parser.add_argument("--runs", type=int, default=6, help="smoke-test runs for the timings")
    args = parser.parse_args(argv)
    version = read_version()
    if not args.skip_build:
        run_pyinstaller(PACKAGING / "cirrus.spec", DIST, WORK / "pyinstaller")
    bundle = bundle_dir()
    if not bundle.is_dir():
        print(f"build: {bundle} is missing; run without --skip-build", file=sys.stderr)
        return 1
    place_notices(bundle)
    try:
        figures = measure_start(max(args.runs, 2))
        if args.compare_bare:
            figures.update(compare_bare())
    except smoke.SmokeError as exc:
        print(f"build: smoke test FAILED: {exc}", file=sys.stderr)
        return 1
    artefacts = [bundle, make_tarball(bundle, version), *platform_packages(bundle, version)]
    bundle_mb = folder_size(bundle) / MB
    figures["bundle_mb"] = bundle_mb
    figures.update({_size_key(path): path.stat().st_size / MB for path in artefacts[1:]})
    bare_mb = figures.get("bare_bundle_mb")
    if bare_mb:
        figures["bundle_ratio"] = bundle_mb / bare_mb
    report(figures, artefacts)
    ratio = figures.get("bundle_ratio")
    if ratio and ratio > MAX_BARE_RATIO:
        print(f"build: the bundle is {ratio:.2f}x the bare window, over {MAX_BARE_RATIO}x")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
