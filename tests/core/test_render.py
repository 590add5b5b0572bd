from __future__ import annotations

from app.core.models import NoteKind
from app.core.render import card_html, markdown_html


def test_cloze_hidden_on_prompt_and_shown_on_answer() -> None:
    prompt = "Service Bus {{c1::Premium}} runs on {{c2::messaging units::unit}}."
    front1 = card_html(NoteKind.CLOZE, 0, prompt, "", "", reveal=False)
    assert "Premium" not in front1
    assert "[...]" in front1
    assert "messaging units" in front1  # the other deletion shows its text
    front2 = card_html(NoteKind.CLOZE, 1, prompt, "", "", reveal=False)
    assert "[unit]" in front2 and "messaging units" not in front2
    back2 = card_html(NoteKind.CLOZE, 1, prompt, "", "Extra fact.", reveal=True)
    assert '<span class="cloze">messaging units</span>' in back2
    assert "Extra fact." in back2


def test_cloze_inside_inline_code_and_code_blocks_is_a_cloze() -> None:
    prompt = "The CLI `az redis {{c1::access-policy}} create` call"
    front = "```python\napp.{{c1::register_functions}}(bp)\n```"
    question = card_html(NoteKind.CLOZE, 0, prompt, front, "", reveal=False)
    answer = card_html(NoteKind.CLOZE, 0, prompt, front, "", reveal=True)
    assert "access-policy" not in question and "register_functions" not in question
    assert question.count('<span class="cloze">[...]</span>') == 2
    assert '<code>az redis <span class="cloze">access-policy</span> create</code>' in answer
    assert '<span class="cloze">register_functions</span>' in answer
    assert "&lt;span" not in answer and "{{c1" not in answer


def test_inline_code_inside_a_cloze_stays_in_the_cloze() -> None:
    prompt = "Failed messages go to {{c1::`<queue>-poison`}} after {{c2::five}} tries."
    question = card_html(NoteKind.CLOZE, 0, prompt, "", "", reveal=False)
    answer = card_html(NoteKind.CLOZE, 0, prompt, "", "", reveal=True)
    assert "poison" not in question and "{{c" not in question and "five" in question
    assert '<span class="cloze"><code>&lt;queue&gt;-poison</code></span>' in answer


def test_fenced_code_is_highlighted_with_inline_styles() -> None:
    html = markdown_html("```python\nimport os\nprint('x')\n```")
    assert "<pre" in html
    assert 'style="color:' in html  # Pygments colours, inline (no class names)
    assert "import" in html


def test_tables_and_task_lists_render() -> None:
    html = markdown_html("| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] open")
    assert '<table border="1"' in html and "<td>1</td>" in html  # cells have borders
    assert 'type="checkbox"' in html and "checked" in html


def test_scripts_frames_event_handlers_and_remote_images_are_removed() -> None:
    hostile = (
        "<script>alert(1)</script>\n\n"
        '<iframe src="https://evil.example/"></iframe>\n\n'
        '<b onclick="steal()" onmouseover="x()">bold</b>\n\n'
        '<img src="https://tracker.example/pixel.png" alt="pixel">\n\n'
        "![diagram](https://cdn.example/diagram.png)\n\n"
        '<a href="javascript:alert(1)">link</a>\n'
    )
    html = card_html(NoteKind.BASIC, 0, "Q", "", hostile, reveal=True)
    assert "<script" not in html and "alert(1)" not in html
    assert "<iframe" not in html
    assert "onclick" not in html and "onmouseover" not in html
    assert "tracker.example" not in html and "cdn.example" not in html
    assert "[diagram]" in html  # a remote image shows its alt text
    assert "javascript:" not in html
    assert "<b>bold</b>" in html


def test_local_media_image_kept() -> None:
    sha = "a" * 64
    html = markdown_html(f"![revisions](media/{sha}.png)")
    assert f'src="media/{sha}.png"' in html


def test_reversed_back_card_asks_with_the_answer() -> None:
    front = card_html(NoteKind.REVERSED, 1, "Dead-letter queue", "", "A subqueue.", reveal=False)
    assert "A subqueue." in front and "Dead-letter queue" not in front
    back = card_html(NoteKind.REVERSED, 1, "Dead-letter queue", "", "A subqueue.", reveal=True)
    assert "Dead-letter queue" in back


def test_choice_prompt_hides_options_until_revealed() -> None:
    front = "- [ ] Event Grid\n- [x] Service Bus sessions"
    prompt_html = card_html(NoteKind.CHOICE, 0, "Which?", front, "Because.", reveal=False)
    assert "Service Bus sessions" not in prompt_html  # the options are buttons, not text
    answer_html = card_html(NoteKind.CHOICE, 0, "Which?", front, "Because.", reveal=True)
    assert "Service Bus sessions" in answer_html and "Because." in answer_html


def test_a_list_straight_under_a_sentence_is_a_list_as_commonmark_reads_it() -> None:
    html = markdown_html("A broker. It:\n- load-balances work,\n- routes data.")
    assert "<p>A broker. It:</p>" in html
    assert "<ul>\n<li>load-balances work,</li>\n<li>routes data.</li>\n</ul>" in html
    numbered = markdown_html("Steps:\n1. create\n2. deploy")
    assert "<ol>\n<li>create</li>\n<li>deploy</li>\n</ol>" in numbered
    # what CommonMark does not start a list with stays text: a number other than 1,
    # a thematic break, an indented marker, and code
    assert markdown_html("In\n2026. a year") == "<p>In\n2026. a year</p>"
    assert "<hr>" in markdown_html("a\n* * *\nb")
    assert "<li>" not in markdown_html("a\n  - b")
    assert "<li>" not in markdown_html("Run:\n\n```\nls\n- x\n```")
