"""What ``cirrus lint`` says about how items are written."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from app.core.deck_lint import lint_paths
from tests.conftest import deck_text

META = "source: https://learn.microsoft.com/en-us/azure/x; verified: 2026-11-01"


def _choice(card_id: str, right: str, wrong: tuple[str, str, str]) -> str:
    options = [f"- [x] {right}", *(f"- [ ] {w}" for w in wrong)]
    return (
        f"## Pick one ({card_id})\n<!-- id: {card_id}; {META} -->\n\n"
        + "\n".join(options)
        + "\n\n???\n\nBecause.\n\n"
    )


def _lint(tmp_path: Path, *files: str) -> list[str]:
    for i, text in enumerate(files):
        (tmp_path / f"d{i}.md").write_text(deck_text(text, uid=f"d{i}"), encoding="utf-8")
    _, problems = lint_paths(tmp_path, date(2026, 12, 1))
    return [f"{Path(p.path).name}:{p.line}: {p.message} [{p.severity}]" for p in problems]


def test_length_cue_warns_when_the_right_option_is_mostly_the_longest(tmp_path: Path) -> None:
    cued = [
        _choice(f"c{i}", "a much longer right answer", ("short", "brief", "tiny")) for i in range(2)
    ]
    fair = [
        _choice(f"f{i}", "right", ("a wrong option written long", "two", "three")) for i in range(3)
    ]
    found = _lint(tmp_path, "".join(cued + fair))
    assert found == [
        "d0.md:2: the right option is the longest in 2 of 5 choice cards (40%, over 35%): "
        "lines 9, 21 [warning]"
    ]
    (tmp_path / "d0.md").unlink()
    assert _lint(tmp_path, "".join(cued[:1] + fair)) == []


def test_a_cloze_whose_answer_shows_elsewhere_is_a_giveaway(tmp_path: Path) -> None:
    text = (
        f"## Premium runs on dedicated resources: {{{{c1::Premium}}}} tier.\n"
        f"<!-- id: a; {META} -->\n\n"
        f"## {{{{c1::Standard}}}} and {{{{c2::Standard}}}} again.\n<!-- id: b; {META} -->\n\n"
        f"## The {{{{c1::Premium}}}} tier and the {{{{c2::Basic}}}} tier.\n"
        f"<!-- id: c; {META} -->\n\n"
        "Premium is named again in the extra, which shows only with the answer.\n"
    )
    found = _lint(tmp_path, text)
    assert found == [
        "d0.md:9: cloze c1 answer 'Premium' shows elsewhere on the question [warning]",
        "d0.md:12: cloze c1 answer 'Standard' shows elsewhere on the question [warning]",
        "d0.md:12: cloze c2 answer 'Standard' shows elsewhere on the question [warning]",
    ]


def test_a_reversed_card_whose_definition_holds_its_term(tmp_path: Path) -> None:
    text = (
        f"## Dead-letter queue\n<!-- id: a; type: reversed; {META} -->\n\n"
        "A secondary subqueue: the **dead-letter queue** holds messages.\n\n"
        f"## Sessions\n<!-- id: b; type: reversed; {META} -->\n\n"
        "FIFO delivery of related messages for one session id... per SessionId.\n"
    )
    assert _lint(tmp_path, text) == [
        "d0.md:9: reversed card: the definition contains the term it asks for [warning]"
    ]


def test_qna_and_previous_versions_sources_are_flagged(tmp_path: Path) -> None:
    text = "".join(
        f"## Q{i}\n<!-- id: q{i}; source: {url}; verified: 2026-11-01 -->\n\nA\n\n"
        for i, url in enumerate(
            [
                "https://learn.microsoft.com/en-us/answers/questions/1/why",
                "https://learn.microsoft.com/en-us/previous-versions/azure/key-vault/x",
                "https://learn.microsoft.com/en-us/azure/key-vault/general/overview",
            ]
        )
    )
    found = _lint(tmp_path, text)
    assert [f.split(":")[1] for f in found] == ["9", "14"]
    assert all("Q&A thread or a previous-versions page" in f for f in found)


def test_duplicate_and_near_duplicate_prompts_across_decks(tmp_path: Path) -> None:
    one = (
        f"## Where does a function app read its app settings in Azure?\n<!-- id: a; {META} -->\n\n"
        "From the function app's application settings, exposed as environment variables.\n\n"
        f"## What gives FIFO in Service Bus?\n<!-- id: b; {META} -->\n\nSessions.\n"
    )
    two = (
        f"## In Azure, where does a function app read its app settings?\n<!-- id: a; {META} -->\n\n"
        "From application settings of the function app, as environment variables.\n\n"
        f"## What gives FIFO in Service Bus?\n<!-- id: b; {META} -->\n\nSessions.\n\n"
        f"## What holds undeliverable messages?\n<!-- id: c; {META} -->\n\nThe dead-letter queue.\n"
    )
    found = _lint(tmp_path, one, two)
    assert "d1.md:14: same prompt as " in found[0] and found[0].endswith("d0.md:14 [error]")
    assert found[1].startswith("d1.md:9: nearly the same card as ") and "d0.md:9" in found[1]
    assert len(found) == 2


def test_case_questions_need_their_case_and_typed_answers_a_line(tmp_path: Path) -> None:
    text = (
        f"## Contoso\n<!-- id: contoso; type: case; {META} -->\n\nThe scenario.\n\n"
        f"## Q1\n<!-- id: q1; case: contoso; type: input; {META} -->\n\n`az login`\n\n"
        f"## Q2\n<!-- id: q2; case: fabrikam; {META} -->\n\nA\n\n"
        f"## Q3\n<!-- id: q3; case: q1; {META} -->\n\nA\n\n"
        f"## Q4\n<!-- id: q4; type: input; {META} -->\n\n```bash\naz login\n```\n\n"
        f"## Lonely\n<!-- id: lonely; type: case; {META} -->\n\nNobody asks about it.\n\n"
        f"## Pick some\n<!-- id: n; {META} -->\n\n- [x] a\n- [x] b\n- [ ] c\n\n???\n\nA\n"
    )
    found = _lint(tmp_path, text)
    assert found == [
        "d0.md:19: case 'fabrikam' is not a case study (type: case) in this deck [error]",
        "d0.md:24: case 'q1' is not a case study (type: case) in this deck [error]",
        "d0.md:29: typed answer has no answer line (first line, or a ```answer block) [error]",
        "d0.md:36: case study has no questions (case: <id>) [warning]",
        'd0.md:41: choose-N card: say how many to pick ("Choose two.") [warning]',
    ]
