from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.cli import main
from app.core.exam import grade
from app.storage.collection import Collection


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main(list(args))
    out, _ = capsys.readouterr()
    return code, json.loads(out) if out.strip().startswith("{") else {}


def test_exam_draw_is_reproducible_and_weighted(tmp_path: Path, capsys) -> None:
    d = str(tmp_path)
    code, first = run(capsys, "exam", "--questions", "20", "--seed", "9", "--json", "--data-dir", d)
    assert code == 0
    _, again = run(capsys, "exam", "--questions", "20", "--seed", "9", "--json", "--data-dir", d)
    assert first == again
    assert first["time_limit_min"] == 100
    ids = [q["id"] for q in first["questions"]]
    assert len(ids) == len(set(ids)) == 20
    per_domain: dict[str, int] = {}
    for q in first["questions"]:
        per_domain[q["domain"]] = per_domain.get(q["domain"], 0) + 1
    for domain, share in first["weights"].items():
        assert abs(per_domain[domain] - 20 * share) < 1


def test_zero_questions_is_refused(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["exam", "--questions", "0", "--data-dir", str(tmp_path)])
    assert exit_info.value.code == 2


def test_history_and_prediction(tmp_path: Path, capsys) -> None:
    d = str(tmp_path)
    code, empty = run(capsys, "exam", "--history", "--json", "--data-dir", d)
    assert (code, empty) == (0, {"attempts": []})
    code, before = run(capsys, "stats", "--predict", "--json", "--data-dir", d)
    assert code == 0
    assert set(before) >= {"predicted_score", "interval", "pass_probability", "at"}
    low, high = before["interval"]
    assert low <= before["predicted_score"] <= high

    col = Collection.open(tmp_path)
    try:
        exam = col.exams.draw(10, seed=1)
        answers = {i: q.right for i, q in enumerate(exam.questions)}
        now = datetime.now(UTC)
        col.exams.record(exam, grade(exam, answers), answers, now, now, timedelta(minutes=9))
    finally:
        col.close()
    _, history = run(capsys, "exam", "--history", "--json", "--data-dir", d)
    [attempt] = history["attempts"]
    assert (attempt["score"], attempt["passed"], attempt["right"]) == (1000, True, 10)
    assert set(attempt["domains"].values()) == {1000}
    _, after = run(capsys, "stats", "--predict", "--json", "--data-dir", d)
    # A perfect attempt on unseen cards says the learner knows more than FSRS can tell.
    assert after["practice_correction"] > 0
    assert after["predicted_score"] > before["predicted_score"]
