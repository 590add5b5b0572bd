"""The practice exam driven with the keyboard: draw, answer, flag, review, finish, history."""

from __future__ import annotations

import random
import textwrap
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import text

from app.storage.collection import Collection
from app.ui.main_window import MainWindow
from tests.conftest import T0

pytestmark = pytest.mark.gui


def _deck(domain: str, n: int) -> str:
    cards = "".join(
        f"## {domain} question {i}: which `option` is right?\n<!-- id: q{i} -->\n\n"
        f"- [ ] **wrong** one\n- [x] the `right` one\n- [ ] another wrong one\n"
        f"- [{'x' if i == 0 else ' '}] a second right one when it is choose two\n\n"
        f"???\n\nExplanation {i}.\n\n"
        for i in range(n)
    )
    header = (
        f"---\ndeck: Exam::{domain}\nid: exam-{domain}\n"
        f"tags: [domain/{domain}, service/svc-{domain}]\n---\n\n"
    )
    return header + cards


@pytest.fixture
def window(qtbot, tmp_path: Path, monkeypatch):
    decks = tmp_path / "decks"
    decks.mkdir()
    for domain in ("1-containers", "2-data"):
        (decks / f"{domain}.md").write_text(textwrap.dedent(_deck(domain, 6)), encoding="utf-8")
    col = Collection.open(tmp_path / "data", tz=UTC, rng=random.Random(5))
    col.import_path(decks, T0)
    col.exams.set_weights({"1-containers": 1, "2-data": 1})
    now = [T0]
    win = MainWindow(col, clock=lambda: now[0])
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    win.now = now
    yield win
    win.close()
    col.close()


def _start(qtbot, win, questions: int, seed: str, minutes: int = 100):
    qtbot.keyClick(
        win, Qt.Key.Key_X, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    exam_window = win.exam_window
    assert exam_window is not None and exam_window.isVisible()
    qtbot.waitUntil(exam_window.isActiveWindow)
    start = exam_window.start_page
    start.questions.setValue(questions)
    start.minutes.setValue(minutes)
    start.seed.setText(seed)
    qtbot.keyClick(start, Qt.Key.Key_Return)
    assert exam_window.stack.currentWidget() is exam_window.question_page
    return exam_window


def _keys_for(session, index: int, right: bool) -> list[str]:
    item = session.exam.questions[index]
    order = session.exam.orders[index]
    wanted = item.right if right else {next(i for i in order if i not in item.right)}
    return [str(order.index(i) + 1) for i in sorted(wanted)]


def test_an_exam_taken_with_the_keyboard(qtbot, window) -> None:
    exam_window = _start(qtbot, window, 6, "3")
    page = exam_window.question_page
    session = exam_window.session
    assert session.count == 6 and session.exam.seed == 3
    assert "left" in page.clock.text()
    plan = ["right", "right", "wrong", "right", "skip", "right"]
    for index, what in enumerate(plan):
        assert session.current == index
        assert page.position.text() == f"Question {index + 1} of 6"
        if what != "skip":
            for key in _keys_for(session, index, what == "right"):
                qtbot.keyClick(page, key)
        if index == 1:
            qtbot.keyClick(page, Qt.Key.Key_F)
            assert "flagged" in page.flag_label.text()
        # no feedback while the exam runs: nothing on screen says right or wrong
        assert "Right answer" not in page.view.toPlainText()
        qtbot.keyClick(page, Qt.Key.Key_Right)
    qtbot.keyClick(page, Qt.Key.Key_Left)
    assert session.current == 4
    qtbot.keyClick(page, Qt.Key.Key_R)
    review = exam_window.review_page
    assert exam_window.stack.currentWidget() is review
    assert "5 of 6 answered · 1 unanswered · 1 flagged" in review.summary.text()
    assert review.list.currentRow() == 4  # the first unanswered question
    review.finish_button.click()
    result_page = exam_window.result_page
    assert exam_window.stack.currentWidget() is result_page
    assert "667" in result_page.headline.text()  # 4 of 6 right: 0.667 / 0.7 * 700
    assert "Not yet a pass" in result_page.headline.text()
    shown = result_page.view.toPlainText()
    assert "Answered wrong or not at all (2)" in shown
    assert "not answered" in shown and "Explanation" in shown
    with window.collection.engine.connect() as conn:
        kinds = conn.execute(text("SELECT kind, COUNT(*) FROM review_log GROUP BY kind")).all()
    assert kinds == [(2, 5)]  # every answered question is a practice review
    window.show_exam_history()
    history = window.history_window
    assert history.table.rowCount() == 1
    assert history.table.item(0, 1).text() == "667"
    assert history.trend.series["Score"] == [667]


def test_a_choose_two_question_keeps_two_picks(qtbot, window) -> None:
    exam_window = _start(qtbot, window, 12, "5")
    session = exam_window.session
    index = next(i for i, q in enumerate(session.exam.questions) if q.choose == 2)
    exam_window.show_question(index)
    page = exam_window.question_page
    assert page.hint.text() == "Choose two."
    for key in ("1", "2", "3"):
        qtbot.keyClick(page, key)
    assert len(session.answers[index]) == 2
    assert sum(w.picked for w in page.options) == 2


def test_the_clock_hands_the_exam_in(qtbot, window) -> None:
    exam_window = _start(qtbot, window, 4, "1", minutes=1)
    page = exam_window.question_page
    for key in _keys_for(exam_window.session, 0, True):
        qtbot.keyClick(page, key)
    window.now[0] = T0 + timedelta(seconds=30)
    exam_window.tick()
    assert page.clock.text() == "0:30 left"
    window.now[0] = T0 + timedelta(minutes=2)
    exam_window.tick()
    assert exam_window.stack.currentWidget() is exam_window.result_page
    [attempt] = window.collection.exams.history()
    assert attempt.elapsed_s == 60 and attempt.right == 1
