"""Practice exams: draw, score, scale to 1,000, and predict the score on exam day.

Pure functions over plain data; the storage layer supplies the question pool (the
choice cards with their domain and service tags) and stores the attempts.

Scaling: Microsoft reports scores from 1 to 1,000 with 700 to pass and does not publish
the mapping. Cirrus maps the share of questions answered right linearly on two pieces:
``cut`` (70 % by default) of the questions right is 700, none right is 0 and all right
is 1,000. A question is right only when the learner picked exactly its right options
(all-or-nothing, also for "choose two" items).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from app.core.choice import ChoiceOption

PASS_SCORE = 700
MAX_SCORE = 1000
DEFAULT_CUT = 0.7
DEFAULT_QUESTIONS = 50
DEFAULT_MINUTES = 100


@dataclass(frozen=True)
class ExamItem:
    """One question of the pool: a choice card of the collection."""

    card_id: int
    domain: str
    """The exam domain (the ``domain/`` tag's value, for example ``1-containers``)."""
    service: str
    stem: str
    """The question (Markdown): the heading and the prompt text above the options."""
    options: tuple[ChoiceOption, ...]
    explanation: str = ""
    source: str | None = None

    @property
    def right(self) -> frozenset[int]:
        return frozenset(i for i, o in enumerate(self.options) if o.correct)

    @property
    def choose(self) -> int:
        """How many options the learner must pick."""
        return len(self.right)


@dataclass(frozen=True)
class ExamDraw:
    seed: int
    questions: tuple[ExamItem, ...]
    orders: tuple[tuple[int, ...], ...]
    """Per question, the option indexes in the order they are shown."""
    quotas: dict[str, int]
    weights: dict[str, float]
    time_limit_min: int


@dataclass(frozen=True)
class GroupScore:
    right: int
    total: int

    @property
    def share(self) -> float:
        return self.right / self.total if self.total else 0.0

    @property
    def scaled(self) -> int:
        return scale(self.share)


@dataclass(frozen=True)
class ExamResult:
    right: int
    total: int
    score: int
    passed: bool
    domains: dict[str, GroupScore]
    services: dict[str, GroupScore]
    wrong: tuple[int, ...]
    """Indexes (in the draw) of the questions answered wrong or not at all."""
    correct: tuple[bool, ...]


@dataclass(frozen=True)
class Prediction:
    score: int
    low: int
    high: int
    pass_probability: float
    expected_share: float
    correction: float = 0.0
    """The logit offset learned from practice results (0 without any)."""
    questions: int = field(default=DEFAULT_QUESTIONS)


def scale(share: float, cut: float = DEFAULT_CUT) -> int:
    """The share of questions right, scaled so that ``cut`` is 700 and all right 1,000."""
    share = min(1.0, max(0.0, share))
    if share <= cut:
        value = PASS_SCORE * share / cut
    else:
        value = PASS_SCORE + (MAX_SCORE - PASS_SCORE) * (share - cut) / (1 - cut)
    return round(value)


def normalise(weights: Mapping[str, float]) -> dict[str, float]:
    positive = {k: float(v) for k, v in weights.items() if v > 0}
    total = sum(positive.values())
    if total <= 0:
        raise ValueError("the exam needs at least one domain with a positive weight")
    return {k: v / total for k, v in sorted(positive.items())}


def allocate(weights: Mapping[str, float], n: int, available: Mapping[str, int]) -> dict[str, int]:
    """Questions per domain: ``n`` split by the weights (largest remainder), capped by what
    each domain has; what a domain cannot fill goes to the others by their weights."""
    shares = normalise({k: w for k, w in weights.items() if available.get(k, 0) > 0})
    n = min(n, sum(available.get(k, 0) for k in shares))
    quotas = dict.fromkeys(shares, 0)
    open_keys = set(shares)
    left = n
    while left > 0 and open_keys:
        total = sum(shares[k] for k in open_keys)
        exact = {k: left * shares[k] / total for k in open_keys}
        grant = {k: math.floor(exact[k]) for k in open_keys}
        order = sorted(open_keys, key=lambda k: (-(exact[k] - grant[k]), k))
        for k in order[: left - sum(grant.values())]:
            grant[k] += 1
        grant = {k: min(g, available[k] - quotas[k]) for k, g in grant.items()}
        given = sum(grant.values())
        for k, g in grant.items():
            quotas[k] += g
        left -= given
        open_keys = {k for k in open_keys if quotas[k] < available[k]}
    return quotas


def draw(
    pool: Sequence[ExamItem],
    weights: Mapping[str, float],
    n: int = DEFAULT_QUESTIONS,
    seed: int = 0,
    time_limit_min: int = DEFAULT_MINUTES,
) -> ExamDraw:
    """``n`` questions drawn from ``pool`` by domain weight, none twice, the same for a seed."""
    if n < 1:
        raise ValueError("an exam needs at least one question")
    by_domain: dict[str, list[ExamItem]] = {}
    for item in sorted({i.card_id: i for i in pool}.values(), key=lambda i: i.card_id):
        if item.domain in weights:
            by_domain.setdefault(item.domain, []).append(item)
    if not by_domain:
        raise ValueError("no multiple-choice questions in the exam's domains")
    rng = random.Random(seed)
    quotas = allocate(weights, n, {k: len(v) for k, v in by_domain.items()})
    chosen: list[ExamItem] = []
    for domain in sorted(quotas):
        chosen.extend(rng.sample(by_domain[domain], quotas[domain]))
    rng.shuffle(chosen)
    orders = []
    for item in chosen:
        order = list(range(len(item.options)))
        rng.shuffle(order)
        orders.append(tuple(order))
    return ExamDraw(
        seed=seed,
        questions=tuple(chosen),
        orders=tuple(orders),
        quotas=quotas,
        weights=normalise({k: weights[k] for k in quotas}),
        time_limit_min=time_limit_min,
    )


def grade(exam: ExamDraw, answers: Mapping[int, frozenset[int]]) -> ExamResult:
    """Score an attempt; ``answers`` maps a question's index to the option indexes picked
    (indexes into the item's own options, not the shown order)."""
    correct = tuple(answers.get(i) == q.right for i, q in enumerate(exam.questions))
    domains: dict[str, list[int]] = {}
    services: dict[str, list[int]] = {}
    for q, ok in zip(exam.questions, correct, strict=True):
        for key, table in ((q.domain, domains), (q.service, services)):
            tally = table.setdefault(key, [0, 0])
            tally[0] += ok
            tally[1] += 1
    right = sum(correct)
    total = len(exam.questions)
    score = scale(right / total if total else 0.0)
    return ExamResult(
        right=right,
        total=total,
        score=score,
        passed=score >= PASS_SCORE,
        domains={k: GroupScore(*v) for k, v in sorted(domains.items())},
        services={k: GroupScore(*v) for k, v in sorted(services.items())},
        wrong=tuple(i for i, ok in enumerate(correct) if not ok),
        correct=correct,
    )


def guess_chance(item: ExamItem) -> float:
    """The chance of a blind guess being right: one in (options choose right ones)."""
    return 1.0 / math.comb(len(item.options), max(1, item.choose))


def answer_chance(recall: float, item: ExamItem) -> float:
    """Chance of answering ``item`` right: recalled, or not recalled and guessed right."""
    g = guess_chance(item)
    return recall + (1.0 - recall) * g


def practice_correction(history: Sequence[tuple[float, float, int]]) -> float:
    """A logit offset from past attempts: (predicted share, actual share, questions).

    The mean logit gap between actual and predicted, weighted by questions and shrunk
    towards 0 by a prior worth one 50-question attempt, so one lucky attempt moves the
    prediction only part of the way.
    """
    weight = 0.0
    total = 0.0
    for predicted, actual, questions in history:
        if questions <= 0:
            continue
        gap = _logit(actual, questions) - _logit(predicted, questions)
        total += gap * questions
        weight += questions
    return total / (weight + DEFAULT_QUESTIONS) if weight else 0.0


def predict(
    items: Sequence[tuple[ExamItem, float]],
    weights: Mapping[str, float],
    questions: int = DEFAULT_QUESTIONS,
    correction: float = 0.0,
    seed: int = 0,
    runs: int = 2000,
) -> Prediction:
    """The exam-day score: ``items`` pairs each pool question with its projected recall.

    Each simulated exam draws ``questions`` items by the domain weights; each is right
    with :func:`answer_chance` (shifted by ``correction`` in logit space). The score is
    the median of the simulated exams, the interval their 10th to 90th percentile and the
    pass probability the share of them at 700 or more.
    """
    by_domain: dict[str, list[float]] = {}
    for item, recall in items:
        if item.domain in weights:
            p = _shift(answer_chance(recall, item), correction)
            by_domain.setdefault(item.domain, []).append(p)
    if not by_domain:
        return Prediction(0, 0, 0, 0.0, 0.0, correction, questions)
    quotas = allocate(weights, questions, {k: len(v) for k, v in by_domain.items()})
    total = sum(quotas.values())
    expected = sum(q * sum(by_domain[k]) / len(by_domain[k]) for k, q in quotas.items()) / total
    rng = random.Random(seed)
    scores = []
    for _ in range(runs):
        right = 0
        for domain, quota in quotas.items():
            for p in rng.sample(by_domain[domain], quota):
                right += rng.random() < p
        scores.append(scale(right / total))
    scores.sort()
    return Prediction(
        score=scores[len(scores) // 2],
        low=scores[int(0.1 * (len(scores) - 1))],
        high=scores[int(0.9 * (len(scores) - 1))],
        pass_probability=sum(s >= PASS_SCORE for s in scores) / len(scores),
        expected_share=expected,
        correction=correction,
        questions=total,
    )


def _logit(share: float, questions: int) -> float:
    # Half a question of continuity correction keeps 0 % and 100 % finite.
    p = (share * questions + 0.5) / (questions + 1)
    return math.log(p / (1 - p))


def _shift(p: float, offset: float) -> float:
    if offset == 0.0:
        return p
    p = min(1 - 1e-9, max(1e-9, p))
    return 1 / (1 + math.exp(-(math.log(p / (1 - p)) + offset)))


@dataclass(frozen=True)
class ExamProfile:
    """What a deck pack says about its exam (``exam:`` in its ``pack.yaml``)."""

    name: str = "Practice exam"
    questions: int = DEFAULT_QUESTIONS
    minutes: int = DEFAULT_MINUTES
    weights: dict[str, float] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)


def exam_profile(meta: Mapping[str, object]) -> ExamProfile:
    """Read the ``exam:`` block of a pack's metadata; bad values raise ValueError."""
    exam = meta.get("exam")
    if not isinstance(exam, Mapping):
        raise ValueError("the pack has no 'exam' block")
    domains = exam.get("domains")
    if not isinstance(domains, Mapping) or not domains:
        raise ValueError("'exam.domains' must map each domain to its weight and title")
    weights: dict[str, float] = {}
    titles: dict[str, str] = {}
    for key, value in domains.items():
        spec = value if isinstance(value, Mapping) else {"weight": value}
        weight = spec.get("weight", 1)
        if not isinstance(weight, int | float) or isinstance(weight, bool) or weight < 0:
            raise ValueError(f"domain '{key}': the weight must be a number >= 0")
        weights[str(key)] = float(weight)
        titles[str(key)] = str(spec.get("title", key))
    questions = exam.get("questions", DEFAULT_QUESTIONS)
    minutes = exam.get("minutes", DEFAULT_MINUTES)
    if not isinstance(questions, int) or not isinstance(minutes, int):
        raise ValueError("'exam.questions' and 'exam.minutes' must be whole numbers")
    return ExamProfile(
        name=str(exam.get("name", "Practice exam")),
        questions=max(1, questions),
        minutes=max(1, minutes),
        weights=normalise(weights),
        titles=titles,
    )
