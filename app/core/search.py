"""Anki's search syntax parsed into a typed tree, and the tree printed back as query text.

The grammar follows Anki's (rslib/src/search/parser.rs): terms separated by spaces are
ANDed, ``OR`` (any case) joins them at a lower precedence than AND, ``-`` negates the
next term or group, parentheses group, ``"..."`` quotes a whole term and ``key:"..."`` its
value. Text values keep Anki's search escapes ``\\\\``, ``\\*`` and ``\\_`` (so that ``*``
and ``_`` stay wildcards until the SQL is written); ``\\"``, ``\\:``, ``\\(``, ``\\)`` and
``\\-`` are resolved here. The tree holds no SQL: ``app.storage.search_sql`` compiles it.

``parse(print_query(tree)) == tree`` holds for every tree :func:`parse` returns.
"""

from __future__ import annotations

import re
from typing import TypeAlias

from app.core.search_print import escape_literal, escape_value, print_query
from app.core.search_tree import (
    OPERATORS,
    PROPERTIES,
    STATES,
    Added,
    And,
    CardIds,
    CardName,
    CardOrd,
    Deck,
    Domain,
    Edited,
    Everything,
    Field,
    Flag,
    Introduced,
    Node,
    Not,
    NoteIds,
    NoteType,
    Or,
    Prop,
    Rated,
    Regex,
    SearchError,
    Service,
    Source,
    State,
    Tag,
    Text,
    and_,
    or_,
)

__all__ = [
    "OPERATORS",
    "PROPERTIES",
    "STATES",
    "Added",
    "And",
    "CardIds",
    "CardName",
    "CardOrd",
    "Deck",
    "Domain",
    "Edited",
    "Everything",
    "Field",
    "Flag",
    "Introduced",
    "Node",
    "Not",
    "NoteIds",
    "NoteType",
    "Or",
    "Prop",
    "Rated",
    "Regex",
    "SearchError",
    "Service",
    "Source",
    "State",
    "Tag",
    "Text",
    "and_",
    "escape_literal",
    "escape_value",
    "normalize_space",
    "or_",
    "parse",
    "print_query",
]

# -- parsing -----------------------------------------------------------------------------

_SPACE = " "
_STOP = frozenset('"() ')
_KEY_STOP = frozenset('"(): ')
_UNSUPPORTED = ("resched", "did", "mid", "nc", "sc", "w", "dupe", "has-cd", "preset")
_U32 = re.compile(r"\+?[0-9]{1,12}")
_I32 = re.compile(r"[+-]?[0-9]{1,12}")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_IDS = re.compile(r"(?:[0-9]{1,19},)*[0-9]{1,19}")
_AND, _OR = "AND", "OR"
_Item: TypeAlias = Node | str


def normalize_space(query: str) -> str:
    """Every kind of white space becomes one plain space (Anki does the same)."""
    return "".join(" " if c.isspace() and c not in "\x1c\x1d\x1e\x1f" else c for c in query)


def parse(query: str) -> Node:
    """Parse ``query``; raises :class:`SearchError` (only) when it cannot."""
    return _Parser(query).run()


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.s = normalize_space(query)
        self.depth = 0

    def fail(self, message: str, position: int) -> SearchError:
        return SearchError(message, self.query, position)

    def run(self) -> Node:
        if not self.s.strip():
            return Everything()
        node, pos = self.group_inner(0)
        if pos < len(self.s):
            raise self.fail("')' without a matching '('", pos)
        if node is None:
            raise self.fail("nothing to search for", 0)
        return node

    def skip(self, pos: int) -> int:
        while pos < len(self.s) and self.s[pos] == _SPACE:
            pos += 1
        return pos

    def group_inner(self, pos: int) -> tuple[Node | None, int]:
        items: list[_Item] = []
        while True:
            start = self.skip(pos)
            got = self.node(start)
            if got is None:
                pos = start
                break
            item, pos = got
            operator = isinstance(item, str)
            if len(items) % 2 == 0 and operator:
                raise self.fail(f"'{item}' with nothing before it", start)
            if len(items) % 2 == 1 and not operator:
                items.append(_AND)
            items.append(item)
        if items and isinstance(items[-1], str):
            raise self.fail(f"'{items[-1]}' with nothing after it", pos)
        return _combine(items), self.skip(pos)

    def node(self, pos: int) -> tuple[_Item, int] | None:
        if pos >= len(self.s):
            return None
        c = self.s[pos]
        if c == "-" and pos + 1 < len(self.s) and self.s[pos + 1] not in " )":
            inner = self.group(pos + 1) if self.s[pos + 1] == "(" else self.text(pos + 1)
            if inner is not None:
                node, end = inner
                if isinstance(node, str):  # "-and": the word, negated
                    node = Text(self.s[pos + 1 : end])
                return Not(node), end
        if c == "(":
            return self.group(pos)
        return self.text(pos)

    def group(self, pos: int) -> tuple[Node, int]:
        self.depth += 1
        if self.depth > 200:
            raise self.fail("too many nested groups", pos)
        inner, end = self.group_inner(pos + 1)
        self.depth -= 1
        if end >= len(self.s) or self.s[end] != ")":
            raise self.fail("'(' without a matching ')'", pos)
        if inner is None:
            raise self.fail("empty group '()'", pos)
        return inner, end + 1

    def text(self, pos: int) -> tuple[_Item, int] | None:
        c = self.s[pos]
        if c == '"':
            inner, end = self.quoted(pos)
            return self.term(inner, pos + 1), end
        partial = self.partially_quoted(pos)
        if partial is not None:
            return partial
        return self.unquoted(pos)

    def quoted(self, pos: int) -> tuple[str, int]:
        """The content of the quoted string at ``pos`` (escapes kept) and the end."""
        i = pos + 1
        while i < len(self.s):
            c = self.s[i]
            if c == "\\":
                if i + 1 >= len(self.s):
                    break
                i += 2
                continue
            if c == '"':
                if i == pos + 1:
                    raise self.fail('empty quotes ""', pos)
                return self.s[pos + 1 : i], i + 1
            i += 1
        raise self.fail("'\"' without a closing '\"'", pos)

    def partially_quoted(self, pos: int) -> tuple[Node, int] | None:
        """``key:"value"``; None when the text at ``pos`` is not of that form."""
        i, n = pos, len(self.s)
        while i < n:
            c = self.s[i]
            if c == "\\":
                if i + 1 >= n or self.s[i + 1] == _SPACE:
                    return None
                i += 2
            elif c in _KEY_STOP:
                break
            else:
                i += 1
        if i == pos or i + 1 >= n or self.s[i] != ":" or self.s[i + 1] != '"':
            return None
        value, end = self.quoted(i + 1)
        return self.keyed(self.s[pos:i], value, pos, i + 2), end

    def unquoted(self, pos: int) -> tuple[_Item, int] | None:
        i = pos
        while i < len(self.s) and self.s[i] not in _STOP:
            if self.s[i] == "\\":
                if i + 1 >= len(self.s) or self.s[i + 1] == _SPACE:
                    raise self.fail("'\\' at the end of a term (write '\\\\')", i)
                i += 1
            i += 1
        if i == pos:
            return None
        term = self.s[pos:i]
        if term.lower() == "and":
            return _AND, i
        if term.lower() == "or":
            return _OR, i
        return self.term(term, pos), i

    def term(self, term: str, pos: int) -> Node:
        """A whole term (quotes removed): unqualified text, or ``key:value``."""
        i = 0
        while i < len(term) and term[i] != ":":
            i += 2 if term[i] == "\\" else 1
        if i >= len(term):
            return Text(self.unescape(term, pos))
        if i == 0:
            raise self.fail("':' with no search key before it", pos)
        return self.keyed(term[:i], term[i + 1 :], pos, pos + i + 1)

    def unescape(self, text: str, pos: int) -> str:
        """Resolve the parser escapes; keep ``\\\\``, ``\\*`` and ``\\_`` for the matcher."""
        out: list[str] = []
        i = 0
        while i < len(text):
            c = text[i]
            if c != "\\":
                out.append(c)
                i += 1
                continue
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if nxt in ("\\", "*", "_"):
                out.append(c + nxt)
            elif nxt and nxt in '":()-':
                out.append(nxt)
            else:
                raise self.fail(
                    f"unknown escape '\\{nxt}' (use \\\\, \\\", \\:, \\*, \\_, \\(, \\), \\-)",
                    pos + i,
                )
            i += 2
        return "".join(out)

    def keyed(self, raw_key: str, value: str, pos: int, vpos: int) -> Node:
        key = raw_key.lower()
        if key in _UNSUPPORTED:
            raise self.fail(f"'{key}:' searches are not supported", pos)
        if key == "deck":
            return Deck(self.unescape(value, vpos))
        if key == "note":
            return NoteType(self.unescape(value, vpos))
        if key == "tag":
            if value.startswith("re:"):
                return Tag(self.regex(_unescape_quotes(value[3:]), vpos + 3), regex=True)
            if value.startswith("nc:"):
                raise self.fail("'tag:nc:' searches are not supported", pos)
            return Tag(self.unescape(value, vpos))
        if key == "card":
            if _U32.fullmatch(value) and int(value) <= 0xFFFF:
                return CardOrd(max(int(value), 1) - 1)
            return CardName(self.unescape(value, vpos))
        if key == "flag":
            if not _U32.fullmatch(value) or int(value) > 7:
                raise self.fail("flag: takes a number from 0 to 7", vpos)
            return Flag(int(value))
        if key == "prop":
            return self.prop(value, vpos)
        if key in ("added", "edited", "introduced"):
            days = max(self.u32(value, f"{key}:", vpos), 1)
            kinds: dict[str, type[Added] | type[Edited] | type[Introduced]]
            kinds = {"added": Added, "edited": Edited, "introduced": Introduced}
            return kinds[key](days)
        if key == "rated":
            days_text, _, ease_text = value.partition(":")
            days = max(self.u32(days_text, "rated:", vpos), 1)
            has_ease = ":" in value
            return Rated(days, self.ease(ease_text, vpos) if has_ease else None)
        if key == "is":
            if value not in STATES:
                raise self.fail(f"unknown state 'is:{value}' ({', '.join(STATES)})", vpos)
            return State(value)
        if key in ("nid", "cid"):
            if not _IDS.fullmatch(value):
                raise self.fail(f"{key}: takes ids separated by commas", vpos)
            ids = tuple(int(v) for v in value.split(","))
            return NoteIds(ids) if key == "nid" else CardIds(ids)
        if key == "re":
            return Regex(self.regex(_unescape_quotes(value), vpos))
        if key == "service":
            return Service(self.unescape(value, vpos))
        if key == "domain":
            return Domain(self.unescape(value, vpos))
        if key == "source":
            return Source(self.unescape(value, vpos))
        field = self.unescape(raw_key, pos)
        if value.startswith("re:"):
            return Field(field, self.regex(_unescape_quotes(value[3:]), vpos + 3), regex=True)
        if value.startswith("nc:"):
            raise self.fail("'field:nc:' searches are not supported", vpos)
        return Field(field, self.unescape(value, vpos))

    def regex(self, pattern: str, pos: int) -> str:
        try:
            re.compile(pattern)
        except (re.error, OverflowError, RecursionError, ValueError) as exc:
            raise self.fail(f"invalid regular expression ({exc})", pos) from None
        return pattern

    def u32(self, text: str, context: str, pos: int) -> int:
        if not _U32.fullmatch(text) or int(text) > 0xFFFFFFFF:
            raise self.fail(f"{context} takes a whole number of 0 or more, not '{text}'", pos)
        return int(text)

    def ease(self, text: str, pos: int) -> int:
        if text not in ("1", "2", "3", "4"):
            raise self.fail(f"the answer button must be 1 to 4, not '{text}'", pos)
        return int(text)

    def prop(self, clause: str, pos: int) -> Prop:
        key = next((k for k in PROPERTIES if clause.startswith(k)), None)
        if key is None:
            raise self.fail(f"unknown property 'prop:{clause}' ({', '.join(PROPERTIES)})", pos)
        rest = clause[len(key) :]
        op = next((o for o in OPERATORS if rest.startswith(o)), None)
        if op is None:
            raise self.fail(f"prop:{key} needs one of {' '.join(OPERATORS)}", pos + len(key))
        num = rest[len(op) :]
        npos = pos + len(key) + len(op)
        if key == "rated":
            days_text, _, ease_text = num.partition(":")
            if not _I32.fullmatch(days_text) or not -(2**31) <= int(days_text) <= 0:
                raise self.fail(f"prop:rated takes 0 or a negative number, not '{num}'", npos)
            ease = self.ease(ease_text, npos) if ":" in num else None
            return Prop(key, op, int(days_text), ease)
        if key == "due":
            if not _I32.fullmatch(num) or not -(2**31) <= int(num) < 2**31:
                raise self.fail(f"prop:due takes a whole number, not '{num}'", npos)
            return Prop(key, op, int(num))
        if key in ("ivl", "reps", "lapses"):
            return Prop(key, op, self.u32(num, f"prop:{key}", npos))
        value = float(num) if _FLOAT.fullmatch(num) else None
        if value is None or value != value or value in (float("inf"), float("-inf")):
            raise self.fail(f"prop:{key} takes a number, not '{num}'", npos)
        return Prop(key, op, value)


def _unescape_quotes(text: str) -> str:
    return text.replace('\\"', '"')


def _combine(items: list[_Item]) -> Node | None:
    if not items:
        return None
    groups: list[list[Node]] = [[]]
    for item in items:
        if item == _OR:
            groups.append([])
        elif not isinstance(item, str):
            groups[-1].append(item)
    return or_(*(and_(*g) for g in groups))
