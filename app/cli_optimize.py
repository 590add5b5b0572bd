"""``cirrus optimize [--preset NAME] [--apply]``: fit a preset's FSRS parameters to its
review log and report log loss and RMSE before and after on the same reviews."""

from __future__ import annotations

import argparse
from typing import Any

from app.core.optimizer import optimize
from app.storage.collection import Collection
from app.storage.optimize_repo import (
    apply_parameters,
    load_reviews,
    preset_id_by_name,
    preset_name,
)
from app.storage.study_repo import preset_settings


def cmd_optimize(args: argparse.Namespace) -> dict[str, Any]:
    col = Collection.open(args.data_dir_resolved)
    try:
        with col.engine.connect() as conn:
            preset_id = preset_id_by_name(conn, args.preset)
            name = preset_name(conn, preset_id)
            current = preset_settings(conn, preset_id).parameters
            reviews = load_reviews(conn, preset_id)
        result = optimize(reviews, current, col.rollover_hour, col.tz)
        if args.apply:
            with col.engine.begin() as conn:
                apply_parameters(conn, preset_id, result.parameters)
    finally:
        col.close()
    applied = bool(args.apply)
    lines = [
        f"preset {name}: {result.reviews_used} reviews used",
        f"log loss {result.log_loss_before:.4f} -> {result.log_loss_after:.4f}, "
        f"RMSE {result.rmse_before:.4f} -> {result.rmse_after:.4f}",
        "parameters: " + ", ".join(f"{w:g}" for w in result.parameters),
    ]
    if not result.improved:
        lines.append("the current parameters already fit this log best; they are kept")
    if applied:
        lines.append(f"applied to preset {name}")
    else:
        lines.append("not applied (run with --apply to use these parameters)")
    return {
        "preset": name,
        "reviews_used": result.reviews_used,
        "parameters": list(result.parameters),
        "log_loss": {"before": result.log_loss_before, "after": result.log_loss_after},
        "rmse": {"before": result.rmse_before, "after": result.rmse_after},
        "improved": result.improved,
        "applied": applied,
        "_text": "\n".join(lines),
    }
