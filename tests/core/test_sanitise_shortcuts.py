"""The sanitiser's shortcuts give what the long way gives: the cleaner built once cleans
as ``nh3.clean`` does, and the nesting scan is skipped only where it cannot refuse."""

from __future__ import annotations

import nh3
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core import input_limits
from app.core import sanitise as module
from app.core.sanitise import CLEAN_OPTIONS, html_depth, sanitise

_TAGS = ["b", "i", "div", "span", "img", "a", "script", "style", "table", "td", "tr", "hr"]
_TAGS += ["iframe", "font", "input", "svg", "p", "br", "ruby", "rt", "object", "code"]
_ATTRS = ["style", "class", "src", "href", "onclick", "width", "height", "alt", "id", "color"]
_VALUES = [
    "color: red",
    "background: url(http://x/y.png)",
    "media/" + "a" * 64 + ".png",
    "javascript:alert(1)",
    "http://example.com/a.png",
    "4097",
    "12",
    "x&quot;y",
    "",
]
_TEXTS = ["Question 0: which?", "<", ">", "&amp;", "&", "\r\n", "\xa0", "\ufeff", "é", " "]

attribute = st.builds(
    lambda name, value: f' {name}="{value}"', st.sampled_from(_ATTRS), st.sampled_from(_VALUES)
)
opening = st.builds(
    lambda tag, attrs, close: f"<{tag}{''.join(attrs)}{close}>",
    st.sampled_from(_TAGS),
    st.lists(attribute, max_size=3),
    st.sampled_from(["", "/"]),
)
closing = st.sampled_from(_TAGS).map(lambda tag: f"</{tag}>")
html = st.lists(
    st.one_of(opening, closing, st.sampled_from(_TEXTS), st.text(max_size=8)), max_size=30
).map("".join)


@settings(max_examples=500, deadline=None)
@given(html)
def test_the_kept_cleaner_equals_a_fresh_clean(text: str) -> None:
    # the one cleaner every card goes through, after all the cards before this one
    assert module._CLEANER.clean(text) == nh3.clean(text, **CLEAN_OPTIONS)


def test_the_kept_cleaner_is_the_one_sanitise_uses() -> None:
    card = '<b>Sessions.</b><script>alert(1)</script><img src="http://x/a.png" alt="pic">'
    assert sanitise(card) == '<b>Sessions.</b><span title="image not shown">[pic]</span>'


@settings(max_examples=500, deadline=None)
@given(html)
def test_nesting_is_never_deeper_than_the_tags_opened(text: str) -> None:
    assert html_depth(text) <= text.count("<")


def test_a_card_nested_too_deeply_is_still_refused() -> None:
    deep = "<div>" * (input_limits.MAX_NESTING + 1) + "x"
    assert "nested too deeply" in sanitise(deep)
    shallow = "<div>" * input_limits.MAX_NESTING + "x"
    assert "nested too deeply" not in sanitise(shallow)
