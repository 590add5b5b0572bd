"""The sanitiser's shortcuts give what the long way gives: the cleaner built once cleans
as ``nh3.clean`` does, and the nesting scan is skipped only where it cannot refuse."""

from __future__ import annotations

import nh3
from hypothesis import example, given, settings
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


_PLAIN_TAGS = ["b", "i", "u", "s", "em", "strong", "code", "kbd", "sub", "sup", "del"]
_PLAIN_TAGS += ["span", "div", "p", "pre", "h1", "table", "td", "li", "ul", "a", "font"]
_VOIDS = ["<br>", "<br/>", "<br />", "<hr>", "<hr/>", "<hr id=answer>", '<hr id="answer">']
_VOIDS += ["</br>", "<hr id=other>", "<b id=answer>", "<B>", "<img>", "<!-- c -->"]
_PLAIN_TEXTS = [*_TEXTS, '"quoted"', "it's", "\n\n", "\t", "1 < 2", "a\x01b", "\u2028"]


def _tree(depth: int) -> st.SearchStrategy[str]:
    leaf = st.one_of(st.sampled_from(_PLAIN_TEXTS), st.text(max_size=6), st.sampled_from(_VOIDS))
    if depth == 0:
        return leaf
    inner = st.lists(_tree(depth - 1), max_size=4).map("".join)
    element = st.builds(
        lambda tag, body: f"<{tag}>{body}</{tag}>", st.sampled_from(_PLAIN_TAGS), inner
    )
    return st.one_of(leaf, element)


plain_html = st.one_of(
    st.lists(_tree(3), max_size=6).map("".join),
    st.lists(  # tags that need not nest
        st.one_of(
            st.sampled_from(_PLAIN_TAGS).map(lambda t: f"<{t}>"),
            st.sampled_from(_PLAIN_TAGS).map(lambda t: f"</{t}>"),
            st.sampled_from(_VOIDS + _PLAIN_TEXTS),
        ),
        max_size=12,
    ).map("".join),
)


@settings(max_examples=1500, deadline=None)
@given(plain_html)
@example("<p><div>x</div></p>")  # a block inside a paragraph closes it
@example("<p>a<hr>b</p>")
@example("<pre>\nx</pre>")  # the first line break of a pre goes
@example("<h1><h2>x</h2></h1>")
def test_simple_formatting_worked_out_by_hand_equals_the_cleaner(text: str) -> None:
    by_hand = module.plain_markup(text)
    if by_hand is not None:
        assert by_hand == module._CLEANER.clean(text)
    assert sanitise(text) == module._IMG.sub(module._image_or_alt, module._CLEANER.clean(text))


def test_an_anki_basic_answer_takes_the_short_way() -> None:
    answer = "Which?\n\n<hr id=answer>\n\n<b>Sessions.</b> Set <code>SessionId</code>.<br>"
    assert module.plain_markup(answer) == (
        "Which?\n\n<hr>\n\n<b>Sessions.</b> Set <code>SessionId</code>.<br>"
    )
    for long_way in ("<b>open", "<b>x</i>", "a &amp; b", '<span class="c">x</span>', "<p>x</p>"):
        assert module.plain_markup(long_way) is None
