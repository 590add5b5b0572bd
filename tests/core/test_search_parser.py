"""The search parser: Anki's syntax into a tree, errors with a position, printing back."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core import search as s
from app.core.search import SearchError, parse, print_query

# Characters that mean something to the grammar, plus letters, digits and Unicode.
_ALPHABET = st.sampled_from(
    list(' "()-:\\*_,.<>=!+\t\u3000') + list("abcdeorANDOR01279") + ["é", "日", "ß", "İ"]
)
_KEYS = st.sampled_from(
    [
        "",
        "deck:",
        "tag:",
        "tag:re:",
        "is:",
        "flag:",
        "card:",
        "note:",
        "prop:",
        "prop:ivl",
        "prop:r",
        "prop:rated",
        "rated:",
        "added:",
        "edited:",
        "introduced:",
        "nid:",
        "cid:",
        "re:",
        "front:",
        "front:re:",
        "service:",
        "domain:",
        "source:",
        "dupe:",
        "-",
        "(",
        ")",
        " OR ",
        " and ",
    ]
)
_QUERIES = st.lists(st.tuples(_KEYS, st.text(_ALPHABET, max_size=6)), max_size=6).map(
    lambda parts: "".join(k + v for k, v in parts)
)


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_QUERIES, st.text(max_size=40)))
def test_any_input_parses_or_raises_only_search_error(query: str) -> None:
    try:
        tree = parse(query)
    except SearchError as exc:
        assert 0 <= exc.position <= len(query)
        assert "column" in str(exc)
        return
    printed = print_query(tree)
    assert parse(printed) == tree, printed


_WORDS = st.text(st.sampled_from([*'abcé日 ()":-\\*_', "x"]), min_size=1, max_size=8)
_LITERAL = _WORDS.map(s.escape_literal)
_WILD = st.lists(st.one_of(_LITERAL, st.sampled_from(["*", "_"])), min_size=1, max_size=3).map(
    "".join
)
_FIELD_NAMES = (
    st.text(st.sampled_from(list("abé:()- ")), min_size=1, max_size=6)
    .filter(
        lambda f: (
            f.lower()
            not in {
                "deck",
                "note",
                "tag",
                "card",
                "flag",
                "prop",
                "added",
                "edited",
                "introduced",
                "rated",
                "is",
                "nid",
                "cid",
                "re",
                "service",
                "domain",
                "source",
            }
            and f.lower()
            not in {"resched", "did", "mid", "nc", "sc", "w", "dupe", "has-cd", "preset"}
        )
    )
    .map(s.escape_literal)
)
_LEAVES = st.one_of(
    _WILD.map(s.Text),
    st.builds(s.Field, _FIELD_NAMES, st.one_of(st.just(""), _WILD)),
    st.builds(lambda f: s.Field(f, "a(b|c) d", regex=True), _FIELD_NAMES),
    st.just(s.Regex('"quoted" \\d+ (x|y)')),
    _WILD.map(s.Deck),
    _WILD.map(s.Tag),
    st.just(s.Tag("^a::b$", regex=True)),
    _WILD.map(s.NoteType),
    st.integers(0, 200).map(s.CardOrd),
    _WILD.filter(lambda w: not w.isdigit()).map(s.CardName),
    st.sampled_from(s.STATES).map(s.State),
    st.integers(0, 7).map(s.Flag),
    st.builds(
        s.Prop,
        st.sampled_from(["ivl", "reps", "lapses"]),
        st.sampled_from(s.OPERATORS),
        st.integers(0, 10**6),
    ),
    st.builds(s.Prop, st.just("due"), st.sampled_from(s.OPERATORS), st.integers(-1000, 1000)),
    st.builds(
        s.Prop,
        st.sampled_from(["s", "d", "r"]),
        st.sampled_from(s.OPERATORS),
        st.floats(-1e6, 1e6, allow_nan=False),
    ),
    st.builds(
        s.Prop,
        st.just("rated"),
        st.sampled_from(s.OPERATORS),
        st.integers(-365, 0),
        st.one_of(st.none(), st.integers(1, 4)),
    ),
    st.builds(s.Rated, st.integers(1, 365), st.one_of(st.none(), st.integers(1, 4))),
    st.builds(s.Added, st.integers(1, 1000)),
    st.builds(s.Edited, st.integers(1, 1000)),
    st.builds(s.Introduced, st.integers(1, 1000)),
    st.lists(st.integers(0, 2**62), min_size=1, max_size=3).map(lambda i: s.NoteIds(tuple(i))),
    st.lists(st.integers(0, 2**62), min_size=1, max_size=3).map(lambda i: s.CardIds(tuple(i))),
    _WILD.map(s.Service),
    _WILD.map(s.Domain),
    _WILD.map(s.Source),
)
_TREES = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(lambda c: s.and_(*c)),
        st.lists(inner, min_size=2, max_size=3).map(lambda c: s.or_(*c)),
        inner.map(s.Not),
    ),
    max_leaves=8,
)


@settings(max_examples=400)
@given(_TREES)
def test_printing_a_tree_then_parsing_it_gives_the_same_tree(tree: s.Node) -> None:
    assert parse(print_query(tree)) == tree


def test_precedence_and_grouping_follow_anki() -> None:
    a, b, c = s.Text("a"), s.Text("b"), s.Text("c")
    assert parse("a b or c") == s.Or((s.And((a, b)), c))
    assert parse("a (b or c)") == s.And((a, s.Or((b, c))))
    assert parse("a and b OR c") == parse("a b or c")
    assert parse("-(a or b) c") == s.And((s.Not(s.Or((a, b))), c))
    assert parse("") == s.Everything()


def test_keys_values_and_escapes() -> None:
    assert parse('deck:"My Deck::Sub*"') == s.Deck("My Deck::Sub*")
    assert parse('"tag:a b"') == s.Tag("a b")
    assert parse("Front:dog") == s.Field("Front", "dog")
    assert parse("front:re:^d.g$") == s.Field("front", "^d.g$", regex=True)
    assert parse("card:2") == s.CardOrd(1)
    assert parse("card:Reverse") == s.CardName("Reverse")
    assert parse("prop:r<0.9") == s.Prop("r", "<", 0.9)
    assert parse("prop:due>=-2") == s.Prop("due", ">=", -2)
    assert parse("rated:7:1") == s.Rated(7, 1)
    assert parse("added:0") == s.Added(1)
    assert parse("nid:1,22") == s.NoteIds((1, 22))
    assert parse(r"a\*b\:c\(") == s.Text(r"a\*b:c(")
    assert parse("-and") == s.Not(s.Text("and"))


@pytest.mark.parametrize(
    ("query", "column", "words"),
    [
        ("deck:x (a", 8, "without a matching ')'"),
        ("a )", 3, "without a matching '('"),
        ('front:"dog', 7, "closing"),
        ("a or", 5, "nothing after"),
        ("flag:8", 6, "0 to 7"),
        ("is:lost", 4, "unknown state"),
        ("prop:ease>2", 6, "unknown property"),
        ("prop:ivl~3", 9, "needs one of"),
        ("rated:x", 7, "whole number"),
        ("re:(", 4, "without a matching ')'"),
        ('"re:("', 5, "invalid regular expression"),
        (r"a\q", 2, "unknown escape"),
        (":x", 1, "no search key"),
        ("dupe:1,x", 1, "not supported"),
    ],
)
def test_errors_point_at_the_position(query: str, column: int, words: str) -> None:
    with pytest.raises(SearchError) as info:
        parse(query)
    assert info.value.position + 1 == column
    assert words in info.value.message
    assert f"column {column}" in str(info.value)
