"""A search tree printed back as query text: ``parse(print_query(tree)) == tree``."""

from __future__ import annotations

from app.core.search_tree import (
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
    Service,
    Source,
    State,
    Tag,
    Text,
)


def print_query(node: Node) -> str:
    """Query text that parses back to ``node``."""
    if isinstance(node, And):
        return " ".join(
            f"({print_query(c)})" if isinstance(c, Or) else print_query(c) for c in node.children
        )
    if isinstance(node, Or):
        return " OR ".join(print_query(c) for c in node.children)
    if isinstance(node, Not):
        inner = print_query(node.child)
        return f"-({inner})" if isinstance(node.child, And | Or | Not) else "-" + inner
    if isinstance(node, Everything):
        return ""
    if isinstance(node, Text):
        return _term(escape_value(node.text, colon=True))
    if isinstance(node, Field):
        value = "re:" + _escape_regex(node.text) if node.regex else escape_value(node.text)
        return _term(escape_value(node.field, colon=True) + ":" + value, node.regex)
    if isinstance(node, Tag):
        value = "re:" + _escape_regex(node.tag) if node.regex else escape_value(node.tag)
        return _term("tag:" + value, node.regex)
    if isinstance(node, Regex):
        return _term("re:" + _escape_regex(node.pattern), regex=True)
    if isinstance(node, CardOrd):
        return f"card:{node.ord + 1}"
    if isinstance(node, CardName):
        return _term("card:" + escape_value(node.name))
    if isinstance(node, State):
        return f"is:{node.state}"
    if isinstance(node, Flag):
        return f"flag:{node.flag}"
    if isinstance(node, Prop):
        value = repr(node.value) if isinstance(node.value, float) else str(node.value)
        ease = f":{node.ease}" if node.ease is not None else ""
        return f"prop:{node.key}{node.op}{value}{ease}"
    if isinstance(node, Rated):
        return f"rated:{node.days}" + (f":{node.ease}" if node.ease is not None else "")
    if isinstance(node, Added | Edited | Introduced):
        return f"{type(node).__name__.lower()}:{node.days}"
    if isinstance(node, NoteIds | CardIds):
        key = "nid" if isinstance(node, NoteIds) else "cid"
        return f"{key}:" + ",".join(str(i) for i in node.ids)
    if isinstance(node, Deck | NoteType | Service | Domain):
        names = {Deck: "deck", NoteType: "note", Service: "service", Domain: "domain"}
        return _term(f"{names[type(node)]}:" + escape_value(node.name))
    if isinstance(node, Source):
        return _term("source:" + escape_value(node.text))
    raise TypeError(f"not a search node: {node!r}")


def escape_value(value: str, colon: bool = False) -> str:
    """A search-text value (wildcard escapes kept) escaped for a query term.

    ``colon``: escape every ``:`` (unqualified text and field names); otherwise only the
    one of a leading ``re:`` or ``nc:``, which would change the meaning of a value.
    """
    if not colon and value[:3] in ("re:", "nc:"):
        return value[:2] + "\\:" + escape_value(value[3:])
    out: list[str] = []
    i = 0
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value):
            out.append(value[i : i + 2])
            i += 2
            continue
        if c == "\\":
            out.append("\\\\")
        elif c == '"' or c == "(" or c == ")" or (c == ":" and colon):
            out.append("\\" + c)
        elif c == "-" and i == 0:
            out.append("\\-")
        else:
            out.append(c)
        i += 1
    return "".join(out)


def escape_literal(text: str) -> str:
    """Plain text as a search-text value that matches it literally (no wildcards)."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")


def _escape_regex(pattern: str) -> str:
    return pattern.replace('"', '\\"')


def _term(term: str, regex: bool = False) -> str:
    """Quote a term when a space or a word would otherwise split or change it."""
    specials = " ()" if regex else " "
    if any(c in term for c in specials) or term.lower() in ("and", "or") or not term:
        return f'"{term}"'
    return term
