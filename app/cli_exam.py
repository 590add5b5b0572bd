"""``cirrus exam`` (draw a practice exam, list attempts) and ``cirrus stats --predict``."""

from __future__ import annotations

import argparse
from typing import Any

from app.cli_commands import _now, _open_to_read, parse_day


def cmd_exam(args: argparse.Namespace) -> dict[str, Any]:
    col = _open_to_read(args)
    try:
        if args.history:
            attempts = [a.to_json() for a in col.exams.history()]
            lines = [f"{'finished':<26} {'score':>5} {'result':<6} {'right':>9}"]
            lines += [
                f"{a['at']:<26} {a['score']:>5} {'pass' if a['passed'] else 'fail':<6} "
                f"{a['right']:>4}/{a['questions']:<4}"
                for a in attempts
            ]
            if not attempts:
                lines = ["no practice exams yet"]
            return {"attempts": attempts, "_text": "\n".join(lines)}
        exam = col.exams.draw(args.questions, args.seed)
    finally:
        col.close()
    questions = [
        {"id": q.card_id, "domain": q.domain, "service": q.service, "choose": q.choose}
        for q in exam.questions
    ]
    text = [
        f"seed {exam.seed}: {len(questions)} questions, {exam.time_limit_min} minutes",
        *(f"  {d}: {n} questions ({exam.weights[d]:.0%})" for d, n in sorted(exam.quotas.items())),
    ]
    return {
        "seed": exam.seed,
        "time_limit_min": exam.time_limit_min,
        "weights": exam.weights,
        "questions": questions,
        "_text": "\n".join(text),
    }


def predict_json(args: argparse.Namespace) -> dict[str, Any]:
    col = _open_to_read(args)
    now = _now()
    try:
        day = args.at or col.setting("exam_date")
        at = parse_day(day) if day else now
        p = col.exams.predict(now, at)
    finally:
        col.close()
    text = (
        f"predicted score on {at.date().isoformat()}: {p.score} "
        f"(likely {p.low}-{p.high}); pass probability {p.pass_probability:.0%}"
    )
    return {
        "predicted_score": p.score,
        "interval": [p.low, p.high],
        "pass_probability": round(p.pass_probability, 4),
        "expected_share": round(p.expected_share, 4),
        "practice_correction": round(p.correction, 4),
        "at": at.isoformat(),
        "_text": text,
    }
