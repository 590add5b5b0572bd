"""``cirrus sync``: send this collection's changes to the sync folder and merge the
other devices' (docs/sync.md)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli_commands import _now, _open


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "sync", parents=[common], help="sync with other computers through a shared folder"
    )
    p.add_argument(
        "--folder",
        type=Path,
        help="the shared folder (OneDrive, Dropbox, Syncthing, a network share); "
        "remembered when none is chosen yet",
    )
    p.set_defaults(handler=cmd_sync)


def cmd_sync(args: argparse.Namespace) -> dict[str, Any]:
    col = _open(args, doing="sync")
    try:
        folder = args.folder.expanduser() if args.folder else None
        report = col.sync(folder, _now())
        if folder is not None and not col.setting("sync_folder"):
            col.set_setting("sync_folder", str(folder.resolve()))
    finally:
        col.close()
    out = report.to_json()
    out["devices"] = [
        {"id": d["id"], "name": d["name"], "last_seen": d["last_seen"]} for d in report.devices
    ]
    lines = [
        f"Synced with {report.folder}: sent {report.sent}, merged {report.merged}, "
        f"{len(report.conflicts)} conflicts"
    ]
    lines += [f"  {c}" for c in report.conflicts]
    if report.waiting:
        lines.append(f"  {report.waiting} files still arriving: read again next time")
    lines += [f"  {c}" for c in report.clocks]
    lines += [
        f"  device {d['name']} ({d['id'][:8]}), last sync {d['last_seen']}" for d in report.devices
    ]
    out["_text"] = "\n".join(lines)
    return out
