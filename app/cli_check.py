"""``cirrus check [--repair]``: the database and media check (see app/storage/check.py)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from app.storage.check import REPAIRS
from app.storage.collection import Collection


def cmd_check(args: argparse.Namespace) -> dict[str, Any]:
    if args.repair:
        col = Collection.open(args.data_dir_resolved, doing="repair the collection")
    else:  # checking only reads: it works while another process has the collection open
        col = Collection.open_for_reading(args.data_dir_resolved)
    try:
        report = col.check(repair=args.repair, now=datetime.now(UTC))
    finally:
        col.close()
    if report.ok:
        lines = ["no problems found"]
    else:
        lines = [f"{len(report.problems)} kinds of problem found:"]
        for p in report.problems:
            if report.repaired:
                status = "repaired" if p.repaired else "NOT repaired"
            else:
                status = f"--repair would {REPAIRS[p.kind]}"
            lines.append(f"  {p.label}: {p.count} ({status})")
            lines += [f"    {e}" for e in p.examples]
        damaged = any(p.kind == "integrity" and not p.repaired for p in report.problems)
        if report.repaired and damaged:
            lines.append(
                "the file is damaged beyond what a repair can mend, so nothing else was "
                "changed: restore a backup (cirrus restore FILE)"
            )
        if report.repaired:
            lines.append(f"a copy was written first: {report.backup}")
    exit_code = 0 if report.ok or (report.repaired and report.all_repaired) else 1
    return {**report.to_json(), "_text": "\n".join(lines), "_exit": exit_code}
