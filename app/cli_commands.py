"""Handlers of the ``cirrus`` sub-commands. Each returns the JSON object it reports;
``_text`` holds the human-readable form and ``_exit`` a non-zero exit status."""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from app.core.errors import BadInputError
from app.storage.bundled import bundled_decks_dir
from app.storage.collection import Collection
from app.storage.collection_file import restore_backup

CONFIG_KEYS = {"backup_dir", "day_rollover_hour", "exam_date"}


def _now() -> datetime:
    return datetime.now(UTC)


def _open(args: argparse.Namespace, doing: str = "") -> Collection:
    """Open to write; refused (kind ``locked``) while another process has it open."""
    col = Collection.open(args.data_dir_resolved, doing=doing)
    try:
        col.sync_bundled(_now())
    except BaseException:
        col.close()
        raise
    return col


def _open_to_read(args: argparse.Namespace) -> Collection:
    """Open to read; a read-only view while another process has the collection open."""
    col = Collection.open_for_reading(args.data_dir_resolved)
    if col.read_only:
        return col
    try:
        col.sync_bundled(_now())
    except BaseException:
        col.close()
        raise
    return col


def cmd_decks(args: argparse.Namespace) -> dict[str, Any]:
    if args.coverage:
        return _coverage()
    col = _open_to_read(args)
    try:
        summaries = col.decks(_now())
        totals = col.totals()
    finally:
        col.close()
    decks = [
        {
            "name": d.name,
            "uid": d.uid,
            "notes": d.notes,
            "cards": d.cards,
            "new": d.new,
            "learning": d.learning,
            "due": d.due,
            "suspended": d.suspended,
        }
        for d in summaries
    ]
    lines = [f"{'deck':<70} {'notes':>5} {'cards':>5} {'new':>5} {'learn':>5} {'due':>5}"]
    lines += [
        f"{d['name']:<70} {d['notes']:>5} {d['cards']:>5} {d['new']:>5} "
        f"{d['learning']:>5} {d['due']:>5}"
        for d in decks
    ]
    lines.append(
        f"{totals['decks']} decks, {totals['notes']} notes, {totals['cards']} cards, "
        f"{totals['review_logs']} reviews"
    )
    return {"decks": decks, "totals": totals, "_text": "\n".join(lines)}


def _coverage() -> dict[str, Any]:
    from app.core.deck_lint import coverage, lint_paths

    folder = bundled_decks_dir()
    if folder is None:
        raise BadInputError("no bundled decks found in this installation")
    decks, problems = lint_paths(folder, _now().date())
    rows = coverage(decks)
    keys = ("notes", "cards", "basic", "reversed", "cloze", "choice", "choose_n", "input", "case")
    totals = {k: sum(getattr(r, k) for r in rows) for k in keys}
    table = [
        "| deck | notes | cards | basic | reversed | cloze | choice | of which choose-N | typed "
        "| case studies |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    table += [f"| {r.deck} | " + " | ".join(str(getattr(r, k)) for k in keys) + " |" for r in rows]
    table.append("| **all decks** | " + " | ".join(f"**{totals[k]}**" for k in keys) + " |")
    return {
        "coverage": [{"deck": r.deck, **{k: getattr(r, k) for k in keys}} for r in rows],
        "totals": {"decks": len(rows), **totals},
        "problems": len([p for p in problems if p.severity == "error"]),
        "_text": "\n".join(table),
    }


def cmd_import(args: argparse.Namespace) -> dict[str, Any]:
    from app.interop.reader import read_source

    if args.preview:
        with tempfile.TemporaryDirectory(prefix="cirrus-preview-") as tmp:
            preview = read_source(args.path, Path(tmp), args.deck).preview()
        lines = [
            f"{args.path}: {preview['format']}, {preview['notes']} notes, "
            f"{preview['cards']} cards, {preview['media']} media, "
            f"{preview['review_logs']} reviews"
        ]
        lines += [f"deck: {d}" for d in preview["decks"]]  # type: ignore[attr-defined]
        return {**preview, "_text": "\n".join(lines)}
    col = _open(args, "import")
    try:
        with col.temp_folder("import") as tmp:
            prepared = read_source(args.path, Path(tmp), args.deck)
            # a flag wins over the file's own header (#if matches:, #match scope:)
            prepared.choices = prepared.choices.with_names(
                {
                    "duplicates": args.duplicates,
                    "match_scope": args.match,
                    "collection": "merge" if args.merge else None,
                }
            )
            summary = col.apply_import(prepared, _now())
    finally:
        col.close()
    text = (
        f"{args.path}: {summary.added} added, {summary.updated} updated, "
        f"{summary.unchanged} unchanged, {summary.skipped} skipped, "
        f"{summary.retired} retired; {summary.cards} cards, {summary.media} media"
    )
    if summary.backup:
        text += f"\nreplaced the collection ({summary.removed} notes removed); backup: "
        text += summary.backup
    text += "".join(f"\nwarning: {w}" for w in summary.warnings)
    return {**summary.to_json(), "_text": text}


def cmd_export(args: argparse.Namespace) -> dict[str, Any]:
    col = _open_to_read(args)
    try:
        figures = col.export(args.out, args.format, args.deck, args.with_history, _now())
    finally:
        col.close()
    text = f"{args.out}: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in figures.items())
    return {"out": str(args.out), "format": args.format, **figures, "_text": text}


def cmd_lint(args: argparse.Namespace) -> dict[str, Any]:
    from app.core.deck_lint import lint_paths
    from app.core.deck_lint_items import length_cue

    path: Path = args.path
    if not path.exists():
        raise BadInputError(f"{path}: no such file or folder")
    decks, problems = lint_paths(path, _now().date())
    errors = [p for p in problems if p.severity == "error"]
    notes = sum(len(d.notes) for d in decks)
    text = "\n".join(str(p) for p in problems)
    cues = [(d.path or "<text>", length_cue(d)) for d in decks]
    cue_lines = [
        f"length cue: {path}: right option longest in {c.cued} of {c.choice} choice cards "
        f"({c.share:.0%})"
        for path, c in cues
        if c.choice
    ]
    choice, cued = sum(c.choice for _, c in cues), sum(c.cued for _, c in cues)
    if len(cue_lines) > 1:
        cue_lines.append(f"length cue: all decks: {cued} of {choice} ({cued / choice:.0%})")
    text = "\n".join(filter(None, [text, *cue_lines]))
    summary = (
        f"{len(decks)} deck files, {notes} cards: {len(errors)} errors, "
        f"{len(problems) - len(errors)} warnings"
    )
    return {
        "files": len(decks),
        "notes": notes,
        "problems": [
            {"path": p.path, "line": p.line, "message": p.message, "severity": p.severity}
            for p in problems
        ],
        "errors": len(errors),
        "length_cue": [
            {"path": path, "choice": c.choice, "longest": c.cued, "share": round(c.share, 3)}
            for path, c in cues
        ],
        "_text": (text + "\n" if text else "") + summary,
        "_exit": 2 if errors else 0,
    }


def parse_day(value: str) -> datetime:
    """A YYYY-MM-DD date as noon UTC of that day."""
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise BadInputError(f"'{value}' is not a date (YYYY-MM-DD)") from exc
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def cmd_stats(args: argparse.Namespace) -> dict[str, Any]:
    if getattr(args, "predict", False):
        from app.cli_exam import predict_json

        return predict_json(args)
    col = _open_to_read(args)
    now = _now()
    try:
        exam = args.at or col.setting("exam_date")
        at = parse_day(exam) if exam else now
        groups = col.stats(args.by, now, at)
    finally:
        col.close()
    rows = [g.to_json() for g in groups]
    lines = [
        f"{'group':<28} {'cards':>6} {'studied':>7} {'reviews':>7} {'young 30d':>9} "
        f"{'mature 30d':>10} {'recall':>6} {'cover':>6} {'at ' + at.date().isoformat():>13}"
    ]
    for r in rows:
        tr = r["true_retention"]
        lines.append(
            f"{r['key']:<28} {r['cards']:>6} {r['studied']:>7} {r['reviews']:>7} "
            f"{_pct(tr['young']['30d']):>9} {_pct(tr['mature']['30d']):>10} "
            f"{_pct(r['recall_now']):>6} {_pct(r['coverage_recall']):>6} "
            f"{_pct(r['projected_coverage_recall']):>13}"
        )
    return {"by": args.by, "at": at.isoformat(), "groups": rows, "_text": "\n".join(lines)}


def _pct(value: object) -> str:
    return "-" if not isinstance(value, float) else f"{value * 100:.0f}%"


def cmd_backup(args: argparse.Namespace) -> dict[str, Any]:
    col = Collection.open_for_reading(args.data_dir_resolved)
    try:
        path = col.backup(_now())
    finally:
        col.close()
    return {"backup": str(path), "size": path.stat().st_size, "_text": f"backup written: {path}"}


def cmd_restore(args: argparse.Namespace) -> dict[str, Any]:
    kept = restore_backup(args.data_dir_resolved, args.file, _now())
    col = Collection.open(args.data_dir_resolved)
    try:
        totals = col.totals()
    finally:
        col.close()
    return {
        "restored": str(args.file),
        "previous": str(kept),
        "totals": totals,
        "_text": f"restored {args.file} ({totals['cards']} cards, {totals['review_logs']} "
        f"reviews); the replaced collection was saved as {kept}",
    }


def cmd_config(args: argparse.Namespace) -> dict[str, Any]:
    if args.value is None:
        col = Collection.open_for_reading(args.data_dir_resolved)
    else:
        col = Collection.open(args.data_dir_resolved, doing=f"change {args.key}")
    try:
        if args.key is None:
            values = {k: col.setting(k) for k in sorted(CONFIG_KEYS)}
            values["day_rollover_hour"] = col.rollover_hour
            values["backup_dir"] = str(col.backup_dir())
            text = "\n".join(f"{k} = {v}" for k, v in values.items())
            return {**values, "_text": text}
        if args.value is not None:
            col.set_setting(args.key, _config_value(args.key, args.value))
        value = col.setting(args.key)
    finally:
        col.close()
    return {args.key: value, "_text": f"{args.key} = {value}"}


def _config_value(key: str, value: str) -> Any:
    if key == "exam_date":
        return parse_day(value).date().isoformat()
    if key == "day_rollover_hour":
        if not value.isdigit() or not 0 <= int(value) <= 23:
            raise BadInputError("day_rollover_hour is an hour from 0 to 23")
        return int(value)
    folder = Path(value).expanduser().resolve()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInputError(f"cannot use {folder} for backups: {exc.strerror}") from exc
    return str(folder)
