"""The ``cirrus`` command: the GUI with no sub-command, else one task and exit.

Output and exit codes follow docs/cli.md: text by default, one JSON object with
``--json``; exit 2 for bad input or a refused file, 1 for anything else.
"""

from __future__ import annotations

import argparse
import json
import logging
import logging.handlers
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from app import __version__
from app.core.errors import CirrusError

log = logging.getLogger("cirrus")

Handler = Callable[[argparse.Namespace], dict[str, Any]]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    data_dir = _data_dir(args)
    args.data_dir_resolved = data_dir
    _setup_logging(data_dir)
    from app.storage import lock

    lock.program = "the Cirrus window" if args.command is None else f"cirrus {args.command}"
    if args.command is None:
        from app.platform_libs import qt_start_problem  # imports no Qt: runs before PySide6

        if problem := qt_start_problem(offscreen=args.smoke):
            return _fail(args, problem, "system", 2)
        from app.ui.app import run_gui

        return run_gui(data_dir, smoke=args.smoke, open_file=args.open)
    handler: Handler = args.handler
    previous = _on_sigterm()
    try:
        result = handler(args)
    except CirrusError as exc:
        return _fail(args, str(exc), exc.kind, exc.exit_code)
    except Terminated:
        return _fail(args, "terminated; the unfinished step was not written", "terminated", 1)
    except KeyboardInterrupt:
        return _fail(args, "interrupted", "interrupted", 1)
    except Exception as exc:  # the message for the user, the traceback for the log
        log.exception("unexpected error in %s", args.command)
        return _fail(
            args, f"unexpected error: {exc} (details in {_log_path(data_dir)})", "internal", 1
        )
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    exit_code = int(result.pop("_exit", 0))
    text = result.pop("_text", "")
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    elif text:
        print(text)
    return exit_code


class Terminated(KeyboardInterrupt):
    """SIGTERM reached a command: unwind like Ctrl+C, so that the open transaction rolls
    back, work folders are removed and the collection is closed."""


def _raise_terminated(_number: int, _frame: FrameType | None) -> None:
    raise Terminated


def _on_sigterm() -> Any:
    """Turn SIGTERM into :class:`Terminated` while a command runs; returns the old handler."""
    try:
        return signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread (called from a test runner's worker)
        return None


def _fail(args: argparse.Namespace, message: str, kind: str, code: int) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"error": message, "kind": kind}))
    else:
        print(f"cirrus: {message}", file=sys.stderr)
    return code


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line; the sub-commands' parsers are built only when it names one (the
    window's start, the usual case, needs none of them)."""
    listed = list(sys.argv[1:] if argv is None else argv)
    if "-h" not in listed and "--help" not in listed:  # help lists the sub-commands
        args, rest = _parser(commands=False).parse_known_args(listed)
        if not rest:
            args.command = None
            return args
    return _parser().parse_args(listed)


def _parser(commands: bool = True) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        type=Path,
        default=argparse.SUPPRESS,
        help="data folder (default: $CIRRUS_DATA_DIR or the user-data folder)",
    )
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON object"
    )
    parser = argparse.ArgumentParser(
        prog="cirrus", parents=[common], description="Offline Markdown flashcards with FSRS."
    )
    parser.add_argument("--version", action="version", version=f"cirrus {__version__}")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="start, show and answer one card offscreen, print figures, exit",
    )
    parser.add_argument(
        "--open",
        type=Path,
        metavar="FILE",
        nargs="?",
        help="open the app and import FILE (with a preview first)",
    )
    if not commands:
        return parser
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    from app import cli_commands as c

    p = sub.add_parser("decks", parents=[common], help="list decks with their counts")
    p.add_argument(
        "--coverage",
        action="store_true",
        help="cards per topic deck and card type, from the deck files",
    )
    p.set_defaults(handler=c.cmd_decks)
    p = sub.add_parser(
        "import",
        parents=[common],
        help="import an Anki package, a text file, a Markdown deck or pack, an Obsidian vault",
    )
    p.add_argument("path", type=Path)
    p.add_argument("--deck", help="deck for text-file notes that name none")
    p.add_argument(
        "--preview", action="store_true", help="show what would be imported; write nothing"
    )
    p.add_argument(
        "--duplicates",
        choices=("update", "keep", "duplicate"),
        help="text files: a row matching a note updates it (default), keeps it, or is added",
    )
    p.add_argument(
        "--match",
        choices=("notetype", "deck"),
        help="text files: match the first field within the note type (default) or also the deck",
    )
    p.add_argument(
        "--merge",
        action="store_true",
        help=".colpkg: merge into the collection instead of replacing it (after a backup)",
    )
    p.set_defaults(handler=c.cmd_import)
    p = sub.add_parser("export", parents=[common], help="export notes to Anki, Markdown or text")
    p.add_argument("out", type=Path)
    p.add_argument("--format", required=True, choices=("apkg", "md", "csv"))
    p.add_argument("--deck", help="only this deck and its sub-decks")
    p.add_argument(
        "--with-history", action="store_true", help="include scheduling and review history (apkg)"
    )
    p.set_defaults(handler=c.cmd_export)
    p = sub.add_parser("lint", parents=[common], help="check deck files for problems")
    p.add_argument("path", type=Path)
    p.set_defaults(handler=c.cmd_lint)
    p = sub.add_parser("stats", parents=[common], help="retention and recall per group")
    p.add_argument("--by", default="service", help="service, domain, deck or tag:PREFIX")
    p.add_argument("--at", help="projection date YYYY-MM-DD (default: the exam date, or today)")
    p.add_argument(
        "--predict", action="store_true", help="the predicted practice-exam score on that date"
    )
    p.set_defaults(handler=c.cmd_stats)
    from app import cli_exam

    p = sub.add_parser("exam", parents=[common], help="draw a practice exam or list attempts")
    p.add_argument("--questions", type=_positive, help="number of questions (default: the pack's)")
    p.add_argument("--seed", type=int, help="the same seed draws the same exam")
    p.add_argument("--history", action="store_true", help="list past attempts with scores")
    p.set_defaults(handler=cli_exam.cmd_exam)
    p = sub.add_parser("optimize", parents=[common], help="fit FSRS parameters to your history")
    p.add_argument("--preset", help="deck-options preset (default: Default)")
    p.add_argument("--apply", action="store_true", help="use the fitted parameters")
    p.set_defaults(handler=_optimize)
    p = sub.add_parser("backup", parents=[common], help="write a backup now")
    p.set_defaults(handler=c.cmd_backup)
    p = sub.add_parser("restore", parents=[common], help="replace the collection by a backup")
    p.add_argument("file", type=Path)
    p.set_defaults(handler=c.cmd_restore)
    p = sub.add_parser(
        "check", parents=[common], help="check the database and media; --repair fixes them"
    )
    p.add_argument("--repair", action="store_true", help="back up, then fix what is safe to fix")
    p.set_defaults(handler=_check)
    p = sub.add_parser("config", parents=[common], help="show or change a setting")
    p.add_argument("key", nargs="?", choices=sorted(c.CONFIG_KEYS))
    p.add_argument("value", nargs="?")
    p.set_defaults(handler=c.cmd_config)
    from app.cli_search import add_parser as add_search

    add_search(sub, common)
    from app import cli_sync

    cli_sync.add_parser(sub, common)
    return parser


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"'{value}' is not a whole number of 1 or more")
    return number


def _optimize(args: argparse.Namespace) -> dict[str, Any]:
    from app.cli_optimize import cmd_optimize

    return cmd_optimize(args)


def _check(args: argparse.Namespace) -> dict[str, Any]:
    from app.cli_check import cmd_check

    return cmd_check(args)


def _data_dir(args: argparse.Namespace) -> Path:
    if not hasattr(args, "json"):
        args.json = False
    given = getattr(args, "data_dir", None)
    if given is not None:
        return Path(given).expanduser()
    from app.storage.paths import default_data_dir

    return default_data_dir()


def _log_path(data_dir: Path) -> Path:
    return data_dir / "logs" / "cirrus.log"


def _setup_logging(data_dir: Path) -> None:
    path = _log_path(data_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
