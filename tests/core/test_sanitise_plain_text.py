"""Text without markup skips the sanitiser; it must come out exactly as the sanitiser
would give it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.sanitise import sanitise

_MARKUP = "<>&\r\x00\xa0\ufeff"  # what the sanitiser may change in text


@settings(max_examples=300)
@given(st.text(st.characters(exclude_categories=("Cs",), exclude_characters=_MARKUP)))
def test_text_without_markup_comes_out_as_the_sanitiser_gives_it(text: str) -> None:
    wrapped = sanitise(f"<span>{text}</span>")  # through the sanitiser
    assert sanitise(text) == text == wrapped.removeprefix("<span>").removesuffix("</span>")


def test_plain_text_and_markup() -> None:
    assert sanitise("Question 1: which feature?") == "Question 1: which feature?"
    assert sanitise("a < b & c") == "a &lt; b &amp; c"
    assert sanitise("x<script>alert(1)</script>") == "x"
    assert sanitise("\ufeffab\r\n") == "ab\n"  # still through the sanitiser
