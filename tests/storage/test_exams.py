from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from app.core.exam import grade
from app.core.models import CardState, Rating
from app.storage.collection import Collection
from tests.conftest import T0, deck_text


def _choice_cards(n: int, prefix: str) -> str:
    return "".join(
        f"## {prefix} question {i}?\n<!-- id: {prefix}{i} -->\n\n"
        f"- [ ] wrong a\n- [x] right\n- [ ] wrong b\n- [ ] wrong c\n\n???\n\nBecause.\n\n"
        for i in range(n)
    )


def _load(col: Collection, write_deck, per_deck: int = 12) -> None:
    for domain in ("1-containers", "2-data"):
        tags = f"[domain/{domain}, service/svc-{domain}]"
        path = write_deck(
            deck_text(_choice_cards(per_deck, domain[:1] + "q"), f"Exam::{domain}", domain, tags),
            f"{domain}.md",
        )
        col.import_path(path.parent, T0)
    with col.engine.begin() as conn:
        conn.execute(text("UPDATE preset SET new_per_day = 1000"))
    col._changed()


def _answer_all(col: Collection, exam, right: bool) -> dict[int, frozenset[int]]:
    answers = {}
    for i, q in enumerate(exam.questions):
        wanted = q.right if right else frozenset({min(set(range(4)) - q.right)})
        answers[i] = frozenset(wanted)
    return answers


def test_a_practice_exam_is_drawn_recorded_and_logged(col: Collection, write_deck) -> None:
    _load(col, write_deck)
    col.exams.set_weights({"1-containers": 1, "2-data": 1})
    exam = col.exams.draw(10, seed=4)
    assert exam == col.exams.draw(10, seed=4)
    assert sorted(exam.quotas.values()) == [5, 5]
    answers = _answer_all(col, exam, right=False)
    for i in range(5):
        answers[i] = exam.questions[i].right
    result = grade(exam, answers)
    attempt = col.exams.record(
        exam, result, answers, T0, T0 + timedelta(minutes=20), timedelta(minutes=20)
    )
    assert attempt > 0
    [saved] = col.exams.history()
    assert saved.score == result.score == 500
    assert saved.right == 5 and saved.questions == 10
    assert sum(t for _, t in saved.domains.values()) == 10
    with col.engine.connect() as conn:
        kinds = conn.execute(
            text("SELECT kind, rating, COUNT(*) FROM review_log GROUP BY 1, 2")
        ).all()
    assert sorted(kinds) == [(2, int(Rating.AGAIN), 5), (2, int(Rating.GOOD), 5)]


def test_wrong_practice_answers_come_back_and_use_no_daily_limit(
    col: Collection, write_deck
) -> None:
    _load(col, write_deck, per_deck=20)
    with col.engine.begin() as conn:
        conn.execute(text("UPDATE preset SET new_per_day = 20"))
    col._changed()
    new_before = col.counts(T0).new
    exam = col.exams.draw(6, seed=2)
    answers = _answer_all(col, exam, right=False)
    col.exams.record(exam, grade(exam, answers), answers, T0, T0, timedelta(0))
    wrong = {q.card_id for q in exam.questions}
    later = T0 + timedelta(minutes=15)
    counts = col.counts(later)
    assert counts.learning == 6
    assert new_before == counts.new == 20  # the exam used up none of the 20 new a day
    shown = []
    for _ in range(6):
        card = col.next_card(later)
        assert card is not None
        shown.append(card.card_id)
        assert card.memory.state == CardState.LEARNING
        col.answer(card.card_id, Rating.GOOD, later)
    assert set(shown) == wrong


def test_true_retention_leaves_practice_answers_out(col: Collection, write_deck) -> None:
    _load(col, write_deck)
    for _ in range(24):
        card = col.next_card(T0)
        col.answer(card.card_id, Rating.EASY, T0)
    later = T0 + timedelta(days=40)
    exam = col.exams.draw(8, seed=1)
    answers = _answer_all(col, exam, right=False)
    col.exams.record(exam, grade(exam, answers), answers, later, later, timedelta(0))
    groups = col.stats("domain", later)
    assert sum(g.reviews for g in groups) >= 8  # the practice answers are in the log...
    for group in groups:
        counts = group.retention["all"]
        # ...but true retention counts scheduled answers only
        assert counts.young_pass + counts.young_fail + counts.mature_fail == 0


def test_predicted_score_rises_with_study(col: Collection, write_deck) -> None:
    _load(col, write_deck)
    exam_day = T0 + timedelta(days=3)
    before = col.exams.predict(T0, exam_day)
    assert before.expected_share == 0.25  # blind guesses on four options
    for _ in range(24):
        card = col.next_card(T0)
        col.answer(card.card_id, Rating.EASY, T0)
    after = col.exams.predict(T0, exam_day)
    assert after.score > before.score
    assert after.low <= after.score <= after.high


def test_exam_mode_moves_a_review_before_the_exam(col: Collection, write_deck) -> None:
    _load(col, write_deck)
    card = col.next_card(T0)
    col.answer(card.card_id, Rating.EASY, T0)
    exam_day = (T0 + timedelta(days=5)).date().isoformat()
    col.set_setting("exam_date", exam_day)
    later = T0 + timedelta(days=1)
    fsrs_interval = col.preview(col.card(card.card_id), later)[Rating.GOOD]
    col.set_setting("exam_mode", True)
    col.set_setting("exam_target_recall", 0.99)
    exam = col.exams.target().exam
    assert later + fsrs_interval > exam  # FSRS alone would review after the exam
    col.answer(card.card_id, Rating.GOOD, later)
    moved = col.card(card.card_id)
    assert later < moved.memory.due < exam
    col.set_setting("exam_mode", False)
    col.answer(card.card_id, Rating.GOOD, moved.memory.due)
    assert col.card(card.card_id).memory.due > exam  # off again: FSRS's own schedule


def test_a_case_study_question_shows_its_scenario(col: Collection, write_deck) -> None:
    deck = deck_text(
        """
        ## Contoso's scenario
        <!-- id: case-x; type: case -->

        Contoso runs **twelve** containers behind one ingress.

        ## Which service fits Contoso? Choose one.
        <!-- id: case-x-q; case: case-x -->

        - [ ] Virtual machines
        - [x] Azure Container Apps
        - [ ] Azure Batch

        ???

        Because.
        """,
        tags="[domain/1-containers, service/container-apps]",
    )
    col.import_path(write_deck(deck), T0)
    exam = col.exams.draw(1, seed=1)
    [item] = exam.questions
    assert item.stem.index("Contoso runs **twelve** containers") < item.stem.index(
        "Which service fits Contoso?"
    )
    assert "Case study: Contoso's scenario" in item.stem
