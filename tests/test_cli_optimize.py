"""``cirrus optimize``: JSON keys, --apply, --preset and too few reviews."""

from __future__ import annotations

import argparse
import json
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from app.cli_optimize import cmd_optimize
from app.core.errors import BadInputError
from app.core.optimizer import MIN_REVIEWS, NotEnoughReviews, ReviewItem
from app.storage.collection import Collection
from app.storage.optimize_repo import load_reviews, preset_id_by_name
from tests.conftest import T0, deck_text
from tests.core.test_optimizer import KNOWN, simulate_log


def _cards(n: int) -> str:
    return "".join(f"## Question {i}\n<!-- id: q{i} -->\nAnswer {i}\n\n" for i in range(n))


def _args(data_dir: Path, preset: str | None = None, apply: bool = False) -> argparse.Namespace:
    return argparse.Namespace(data_dir_resolved=data_dir, preset=preset, apply=apply, json=True)


def _collection(
    data_dir: Path, write_deck: Callable[..., Path], log: list[ReviewItem], cards: int
) -> None:
    """A data folder with ``cards`` cards and ``log`` written to their review log."""
    col = Collection.open(data_dir)
    try:
        col.import_path(write_deck(deck_text(_cards(cards))), T0)
        with col.engine.begin() as conn:
            ids = conn.execute(text("SELECT id FROM card ORDER BY id")).scalars().all()
            assert len(ids) == cards
            if not log:
                return
            conn.execute(
                text(
                    "INSERT INTO review_log (id, card_id, rating, reviewed_at, duration_ms, "
                    "state_before, reps_before, lapses_before, state_after) "
                    "VALUES (:id, :c, :r, :t, 0, :s, 0, 0, 2)"
                ),
                [
                    {
                        "id": uuid.uuid4().hex,
                        "c": ids[r.card_id - 1],
                        "r": r.rating,
                        "t": r.reviewed_at_ms,
                        "s": r.state_before,
                    }
                    for r in log
                ],
            )
    finally:
        col.close()


def _stored_parameters(data_dir: Path, preset_id: int = 1) -> list[float] | None:
    col = Collection.open(data_dir)
    try:
        with col.engine.connect() as conn:
            value = conn.execute(
                text("SELECT parameters FROM preset WHERE id = :i"), {"i": preset_id}
            ).scalar()
    finally:
        col.close()
    return None if value is None else list(json.loads(value))


def test_json_keys_and_apply_writes_the_parameters(tmp_path: Path, write_deck) -> None:
    pytest.importorskip("fsrs_rs_python")
    cards = 80
    log = simulate_log(KNOWN, cards=cards)
    _collection(tmp_path, write_deck, log, cards)

    result = cmd_optimize(_args(tmp_path))
    assert set(result) >= {"reviews_used", "parameters", "log_loss", "rmse", "applied"}
    assert result["applied"] is False
    assert result["reviews_used"] >= MIN_REVIEWS
    assert len(result["parameters"]) == 21
    assert all(isinstance(w, float) for w in result["parameters"])
    assert set(result["log_loss"]) == set(result["rmse"]) == {"before", "after"}
    assert result["log_loss"]["after"] <= result["log_loss"]["before"]
    assert "log loss" in result["_text"] and "not applied" in result["_text"]
    json.dumps({k: v for k, v in result.items() if k != "_text"})  # serialisable
    assert _stored_parameters(tmp_path) is None  # nothing written without --apply

    applied = cmd_optimize(_args(tmp_path, apply=True))
    assert applied["applied"] is True
    assert "applied to preset Default" in applied["_text"]
    assert _stored_parameters(tmp_path) == applied["parameters"] == result["parameters"]


def test_too_few_reviews_is_bad_input_in_one_line(tmp_path: Path, write_deck) -> None:
    day = 86_400_000
    start = int(T0.timestamp() * 1000)
    log = [ReviewItem(1, start, 3, 0), ReviewItem(1, start + 2 * day, 3, 2)]
    _collection(tmp_path, write_deck, log, 2)
    with pytest.raises(NotEnoughReviews) as caught:
        cmd_optimize(_args(tmp_path, apply=True))
    assert caught.value.exit_code == 2
    message = str(caught.value)
    assert "\n" not in message
    assert f"at least {MIN_REVIEWS}" in message and message.endswith("there are 1")
    assert _stored_parameters(tmp_path) is None


def test_command_line_exit_2_with_one_line_error(
    tmp_path: Path, write_deck, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    _collection(tmp_path, write_deck, [], 1)
    code = main(["optimize", "--data-dir", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("cirrus: FSRS optimisation needs at least")
    assert "there are 0" in err and "Traceback" not in err
    code = main(["optimize", "--json", "--apply", "--data-dir", str(tmp_path)])
    out, _ = capsys.readouterr()
    assert code == 2
    assert json.loads(out)["kind"] == "not_enough_reviews"


def test_unknown_preset_is_bad_input(tmp_path: Path, write_deck) -> None:
    _collection(tmp_path, write_deck, [], 1)
    with pytest.raises(BadInputError, match=r"no preset named 'Nope' \(presets: Default\)"):
        cmd_optimize(_args(tmp_path, preset="Nope"))


def test_reviews_are_those_of_the_presets_decks(tmp_path: Path, write_deck) -> None:
    start = int(T0.timestamp() * 1000)
    log = [ReviewItem(2, start + 5, 3, 2), ReviewItem(1, start, 4, 0), ReviewItem(2, start, 1, 0)]
    _collection(tmp_path, write_deck, log, 2)
    col = Collection.open(tmp_path)
    try:
        with col.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO preset (id, name, desired_retention, learning_steps, "
                    "relearning_steps, new_per_day, reviews_per_day, maximum_interval, "
                    "parameters, fuzz) VALUES (2, 'Exam', 0.9, '[60]', '[600]', 20, 200, "
                    "36500, NULL, 1)"
                )
            )
            assert preset_id_by_name(conn, None) == 1
            assert preset_id_by_name(conn, "Exam") == 2
            ids = conn.execute(text("SELECT id FROM card ORDER BY id")).scalars().all()
            loaded = load_reviews(conn, 1)
            assert [(r.card_id, r.reviewed_at_ms, r.rating, r.state_before) for r in loaded] == [
                (ids[0], start, 4, 0),
                (ids[1], start, 1, 0),
                (ids[1], start + 5, 3, 2),
            ]
            assert load_reviews(conn, 2) == []
            conn.execute(text("UPDATE deck SET preset_id = 2"))
            assert len(load_reviews(conn, 2)) == 3
            assert load_reviews(conn, 1) == []
    finally:
        col.close()
