"""Practice exams over the collection: the question pool, attempts, practice answers,
the predicted score and exam mode's daily load.

A practice answer is a real retrieval: it goes through FSRS like any answer and is
logged with ``kind`` 2. True retention and calibration bins count only scheduled
answers (``kind`` 0), and practice answers do not use up the day's limits; a question
answered wrong is left in (re)learning, so it comes back in the next study session.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from sqlalchemy import Connection, text

from app.core.choice import split_choice
from app.core.errors import BadInputError
from app.core.exam import (
    ExamDraw,
    ExamItem,
    ExamProfile,
    ExamResult,
    Prediction,
    draw,
    exam_profile,
    normalise,
    practice_correction,
    predict,
    scale,
)
from app.core.exam_schedule import ExamTarget, exam_due
from app.core.models import CardState, Memory, NoteKind, Rating
from app.core.scheduling import CardScheduler
from app.core.timeconv import from_ms, opt_from_ms, to_ms
from app.storage import review_repo, study_repo
from app.storage.bundled import bundled_decks_dir
from app.storage.engine import raw_connection

if TYPE_CHECKING:
    from app.storage.collection import Collection

PRACTICE_KIND = 2
WEIGHTS_KEY = "exam_weights"
_POOL = (
    "SELECT c.id, n.prompt_md, n.front_md, n.answer_md, n.source, c.state, c.step, "
    "c.stability, c.difficulty, c.due, c.last_review, c.reps, c.lapses, d.preset_id, "
    "(SELECT group_concat(t.tag, ' ') FROM note_tag t WHERE t.note_id = n.id), "
    "k.prompt_md, k.front_md, k.answer_md "
    "FROM card c JOIN note n ON n.id = c.note_id JOIN deck d ON d.id = n.deck_id "
    "LEFT JOIN note k ON k.uid = n.case_uid AND k.retired = 0 "
    f"WHERE n.kind = {int(NoteKind.CHOICE)} AND n.retired = 0 AND c.suspended = 0"
)


@dataclass(frozen=True)
class Attempt:
    id: int
    at: datetime
    score: int
    passed: bool
    right: int
    questions: int
    elapsed_s: int
    predicted_share: float | None
    domains: dict[str, tuple[int, int]]
    services: dict[str, tuple[int, int]]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "score": self.score,
            "passed": self.passed,
            "right": self.right,
            "questions": self.questions,
            "elapsed_s": self.elapsed_s,
            "predicted_share": self.predicted_share,
            "domains": {k: scale(r / t if t else 0.0) for k, (r, t) in self.domains.items()},
        }


class Exams:
    """The practice-exam room of a :class:`Collection`."""

    def __init__(self, collection: Collection) -> None:
        self.col = collection

    # -- the exam's shape ----------------------------------------------------------

    def profile(self) -> ExamProfile:
        """The bundled pack's exam, with the learner's own domain weights if set."""
        profile = _bundled_profile()
        saved = self.col.setting(WEIGHTS_KEY)
        if isinstance(saved, dict) and saved:
            weights = {str(k): float(v) for k, v in saved.items() if isinstance(v, int | float)}
            if any(v > 0 for v in weights.values()):
                profile = ExamProfile(
                    profile.name,
                    profile.questions,
                    profile.minutes,
                    normalise(weights),
                    profile.titles,
                )
        if not profile.weights:
            domains = {item.domain for item, _ in self._pool(None)}
            profile = ExamProfile(weights=normalise(dict.fromkeys(domains, 1.0)) if domains else {})
        return profile

    def service_titles(self) -> dict[str, str]:
        """Each ``service/`` tag's title: the last part of the deck holding most of its
        notes ("Azure Kubernetes Service" for ``service/aks``)."""
        with self.col._read() as conn:
            rows = conn.execute(
                text(
                    "SELECT t.tag, d.name, COUNT(*) AS n FROM note_tag t "
                    "JOIN note n ON n.id = t.note_id JOIN deck d ON d.id = n.deck_id "
                    "WHERE t.tag LIKE 'service/%' GROUP BY t.tag, d.id ORDER BY t.tag, n DESC"
                )
            ).all()
        titles: dict[str, str] = {}
        for tag, deck, _count in rows:
            titles.setdefault(str(tag).removeprefix("service/"), str(deck).split("::")[-1])
        return titles

    def set_weights(self, weights: Mapping[str, float]) -> None:
        normalise(weights)  # refuses all-zero weights
        self.col.set_setting(WEIGHTS_KEY, {k: float(v) for k, v in weights.items()})

    # -- drawing and recording -----------------------------------------------------

    def draw(self, questions: int | None = None, seed: int | None = None) -> ExamDraw:
        profile = self.profile()
        pool = [item for item, _ in self._pool(None)]
        if not pool:
            raise BadInputError(
                "no multiple-choice cards with a domain/ tag: a practice exam draws from them"
            )
        seed = random.SystemRandom().randrange(1, 10**6) if seed is None else seed
        try:
            return draw(
                pool, profile.weights, questions or profile.questions, seed, profile.minutes
            )
        except ValueError as exc:
            raise BadInputError(str(exc)) from exc

    def record(
        self,
        exam: ExamDraw,
        result: ExamResult,
        answers: Mapping[int, frozenset[int]],
        started_at: datetime,
        finished_at: datetime,
        elapsed: timedelta,
    ) -> int:
        """Store the attempt and log every answered question as a practice review."""
        predicted = self.predict(started_at, at=started_at, runs=200).expected_share
        detail = {
            "domains": {k: [g.right, g.total] for k, g in result.domains.items()},
            "services": {k: [g.right, g.total] for k, g in result.services.items()},
            "answers": [
                {"card": q.card_id, "picked": sorted(answers.get(i, ())), "right": ok}
                for i, (q, ok) in enumerate(zip(exam.questions, result.correct, strict=True))
            ],
        }
        with self.col._write() as conn:
            attempt = conn.execute(
                text(
                    "INSERT INTO exam_attempt (started_at, finished_at, seed, questions, "
                    "right_count, score, passed, elapsed_s, time_limit_min, predicted_share, "
                    "detail) VALUES (:s, :f, :seed, :q, :r, :score, :p, :e, :lim, :pred, :d)"
                ),
                {
                    "s": to_ms(started_at),
                    "f": to_ms(finished_at),
                    "seed": exam.seed,
                    "q": result.total,
                    "r": result.right,
                    "score": result.score,
                    "p": int(result.passed),
                    "e": int(elapsed.total_seconds()),
                    "lim": exam.time_limit_min,
                    "pred": predicted,
                    "d": json.dumps(detail),
                },
            ).lastrowid
            for i, (q, ok) in enumerate(zip(exam.questions, result.correct, strict=True)):
                if i in answers:
                    self._practice_answer(conn, q.card_id, ok, finished_at)
        self.col._changed()
        return int(attempt or 0)

    def _practice_answer(self, conn: Connection, card_id: int, right: bool, now: datetime) -> None:
        card = study_repo.load_card(conn, card_id)
        if card is None:
            return
        preset = self.col._presets(conn)[card.deck_id]
        order = None
        if card.memory.due is None:
            order = conn.execute(
                text("SELECT due FROM card WHERE id = :i"), {"i": card_id}
            ).scalar()
        rating = Rating.GOOD if right else Rating.AGAIN
        after = self.col._scheduler(conn, preset).review(card.memory, rating, now, self.col.rng)
        review_repo.write_answer(
            raw_connection(conn),
            card_id,
            card.memory,
            after,
            rating,
            to_ms(now),
            0,
            order,
            PRACTICE_KIND,
        )

    def history(self) -> list[Attempt]:
        with self.col._read() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, finished_at, score, passed, right_count, questions, elapsed_s, "
                    "predicted_share, detail FROM exam_attempt ORDER BY finished_at, id"
                )
            ).all()
        out = []
        for row in rows:
            detail = json.loads(row[8])
            out.append(
                Attempt(
                    id=int(row[0]),
                    at=from_ms(int(row[1])),
                    score=int(row[2]),
                    passed=bool(row[3]),
                    right=int(row[4]),
                    questions=int(row[5]),
                    elapsed_s=int(row[6]),
                    predicted_share=row[7],
                    domains={k: (int(v[0]), int(v[1])) for k, v in detail["domains"].items()},
                    services={k: (int(v[0]), int(v[1])) for k, v in detail["services"].items()},
                )
            )
        return out

    # -- prediction ----------------------------------------------------------------

    def predict(self, now: datetime, at: datetime, runs: int = 2000) -> Prediction:
        """The score predicted at ``at`` (the exam), corrected by past practice results."""
        profile = self.profile()
        history = [
            (a.predicted_share, a.right / a.questions, a.questions)
            for a in self.history()
            if a.predicted_share is not None and a.questions
        ]
        correction = practice_correction(history)
        items = self._pool(max(at, now))
        return predict(items, profile.weights, profile.questions, correction, seed=0, runs=runs)

    def _pool(self, at: datetime | None) -> list[tuple[ExamItem, float]]:
        """Every choice card with a domain tag, with its projected recall at ``at``."""
        schedulers: dict[int, CardScheduler] = {}
        out = []
        with self.col._read() as conn:
            for row in conn.execute(text(_POOL)):
                tags = (row[14] or "").split()
                domain = _tag_value(tags, "domain/")
                if domain is None:
                    continue
                stem, options = split_choice(row[2])
                question = f"{row[1]}\n\n{stem}".strip()
                if row[15] is not None:  # a case-study question: the scenario comes first
                    scenario = "\n\n".join(p for p in (row[16], row[17]) if p)
                    question = f"**Case study: {row[15]}**\n\n{scenario}\n\n---\n\n{question}"
                item = ExamItem(
                    card_id=int(row[0]),
                    domain=domain,
                    service=_tag_value(tags, "service/") or "",
                    stem=question,
                    options=tuple(options),
                    explanation=row[3],
                    source=row[4],
                )
                recall = 0.0
                if at is not None and int(row[5]) != CardState.NEW:
                    preset = int(row[13])
                    if preset not in schedulers:
                        schedulers[preset] = CardScheduler(study_repo.preset_settings(conn, preset))
                    memory = Memory(
                        CardState(int(row[5])),
                        row[6],
                        row[7],
                        row[8],
                        opt_from_ms(row[9]),
                        opt_from_ms(row[10]),
                        int(row[11]),
                        int(row[12]),
                    )
                    recall = schedulers[preset].retrievability(memory, at)
                out.append((item, recall))
        return out

    # -- exam mode -----------------------------------------------------------------

    def target(self) -> ExamTarget | None:
        """Exam mode's target when it is on and the exam is still ahead."""
        if not self.col.setting("exam_mode", False):
            return None
        day = self.col.setting("exam_date")
        if not day:
            return None
        exam = self.target_day(str(day))
        return ExamTarget(exam, float(self.col.setting("exam_target_recall", 0.95)))

    @staticmethod
    def target_day(day: str) -> datetime:
        """The exam moment of a YYYY-MM-DD date: noon UTC, as the statistics use."""
        d = date.fromisoformat(day)
        return datetime(d.year, d.month, d.day, 12, tzinfo=UTC)

    def adjust(
        self,
        conn: Connection,
        scheduler: CardScheduler,
        after: Memory,
        now: datetime,
        preset_id: int,
    ) -> Memory:
        """The memory with exam mode's due date, when exam mode moves this review."""
        target = self.target()
        if target is None or now >= target.exam or after.due is None or after.due <= target.exam:
            return after
        days = math.floor((target.exam - now) / timedelta(days=1))
        rows = conn.execute(
            text(
                "SELECT (due - :now - 1) / 86400000 + 1, COUNT(*) FROM card "
                "WHERE state = 2 AND due > :now AND due <= :end GROUP BY 1"
            ),
            {"now": to_ms(now), "end": to_ms(now) + days * 86_400_000},
        )
        load = {int(day): int(count) for day, count in rows}
        budget = study_repo.preset_limits(conn).get(preset_id, (0, 0))[1] or None
        due = exam_due(scheduler, after, now, target, load, budget)
        if due is None:
            return after
        return replace(after, due=due)


def _tag_value(tags: Sequence[str], prefix: str) -> str | None:
    for tag in tags:
        if tag.startswith(prefix):
            return tag[len(prefix) :]
    return None


def _bundled_profile() -> ExamProfile:
    folder = bundled_decks_dir()
    if folder is None:
        return ExamProfile()
    for meta_file in sorted(folder.glob("*/pack.yaml")):
        profile = _read_profile(meta_file)
        if profile is not None:
            return profile
    return ExamProfile()


def _read_profile(path: Path) -> ExamProfile | None:
    try:
        meta = yaml.safe_load(path.read_text(encoding="utf-8"))
        return exam_profile(meta) if isinstance(meta, dict) and "exam" in meta else None
    except (OSError, yaml.YAMLError, ValueError):
        return None
