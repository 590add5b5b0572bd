"""One sitting of a practice exam: answers, flags, position and the clock.

No feedback is given until the end: the session only records picks. The clock counts
time while the exam runs; pausing stops it (only when the settings allow a pause).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.core.exam import ExamDraw, ExamResult, grade


@dataclass
class ExamSession:
    exam: ExamDraw
    started_at: datetime
    allow_pause: bool = False
    answers: dict[int, frozenset[int]] = field(default_factory=dict)
    flagged: set[int] = field(default_factory=set)
    current: int = 0
    _elapsed: timedelta = timedelta(0)
    _running_since: datetime | None = None
    finished_at: datetime | None = None

    def __post_init__(self) -> None:
        self._running_since = self.started_at

    # -- navigation ----------------------------------------------------------------

    @property
    def count(self) -> int:
        return len(self.exam.questions)

    def go(self, index: int) -> None:
        self.current = max(0, min(self.count - 1, index))

    def next(self) -> None:
        self.go(self.current + 1)

    def previous(self) -> None:
        self.go(self.current - 1)

    # -- answers -------------------------------------------------------------------

    def toggle(self, option: int) -> frozenset[int]:
        """Pick or unpick ``option`` (an index into the item's options) on the current
        question. A single-answer question keeps one pick; a "choose N" question keeps
        at most N."""
        self._require_open()
        item = self.exam.questions[self.current]
        picked = set(self.answers.get(self.current, frozenset()))
        if item.choose <= 1:
            picked = set() if option in picked else {option}
        elif option in picked:
            picked.discard(option)
        elif len(picked) < item.choose:
            picked.add(option)
        if picked:
            self.answers[self.current] = frozenset(picked)
        else:
            self.answers.pop(self.current, None)
        return frozenset(picked)

    def toggle_flag(self) -> bool:
        if self.current in self.flagged:
            self.flagged.discard(self.current)
            return False
        self.flagged.add(self.current)
        return True

    def unanswered(self) -> list[int]:
        return [i for i in range(self.count) if i not in self.answers]

    # -- the clock -----------------------------------------------------------------

    @property
    def limit(self) -> timedelta:
        return timedelta(minutes=self.exam.time_limit_min)

    @property
    def paused(self) -> bool:
        return self._running_since is None and self.finished_at is None

    def elapsed(self, now: datetime) -> timedelta:
        running = now - self._running_since if self._running_since is not None else timedelta()
        return min(self.limit, self._elapsed + max(timedelta(0), running))

    def remaining(self, now: datetime) -> timedelta:
        return self.limit - self.elapsed(now)

    def expired(self, now: datetime) -> bool:
        return self.remaining(now) <= timedelta(0)

    def pause(self, now: datetime) -> None:
        if not self.allow_pause:
            raise PermissionError("pausing is turned off in the settings")
        if self._running_since is not None:
            self._elapsed += now - self._running_since
            self._running_since = None

    def resume(self, now: datetime) -> None:
        if self._running_since is None and self.finished_at is None:
            self._running_since = now

    def finish(self, now: datetime) -> ExamResult:
        if self.finished_at is None:
            self._elapsed = self.elapsed(now)
            self._running_since = None
            self.finished_at = now
        return grade(self.exam, self.answers)

    def _require_open(self) -> None:
        if self.finished_at is not None:
            raise RuntimeError("the exam is over")
