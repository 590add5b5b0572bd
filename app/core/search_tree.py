"""The tree a search query is parsed into (``app.core.search``); no SQL, no parsing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from app.core.errors import BadInputError


class SearchError(BadInputError):
    """A query that cannot be parsed; ``position`` is the 0-based index of the problem."""

    kind = "search_syntax"

    def __init__(self, message: str, query: str, position: int) -> None:
        self.message = message
        self.query = query
        self.position = max(0, min(position, len(query)))
        super().__init__(f"search: {message} at column {self.position + 1} of {query!r}")


# -- the tree ----------------------------------------------------------------------------


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class Everything:
    """The empty query: every card."""


@dataclass(frozen=True)
class Text:
    """Unqualified text, matched anywhere in any field."""

    text: str


@dataclass(frozen=True)
class Field:
    """``field:value``: the whole field matches (``regex``: a regular expression in it)."""

    field: str
    text: str
    regex: bool = False


@dataclass(frozen=True)
class Regex:
    """``re:``: a regular expression matched against the note's fields."""

    pattern: str


@dataclass(frozen=True)
class Deck:
    name: str


@dataclass(frozen=True)
class Tag:
    tag: str
    regex: bool = False


@dataclass(frozen=True)
class NoteType:
    name: str


@dataclass(frozen=True)
class CardOrd:
    """``card:N``; ``ord`` is 0-based (``card:1`` is ord 0)."""

    ord: int


@dataclass(frozen=True)
class CardName:
    name: str


STATES = (
    "new",
    "learn",
    "review",
    "due",
    "suspended",
    "buried",
    "buried-manually",
    "buried-sibling",
)


@dataclass(frozen=True)
class State:
    state: str


@dataclass(frozen=True)
class Flag:
    flag: int


OPERATORS = ("<=", ">=", "!=", "=", "<", ">")
PROPERTIES = ("ivl", "due", "reps", "lapses", "rated", "s", "d", "r")


@dataclass(frozen=True)
class Prop:
    """``prop:KEY OP VALUE``; ``ease`` only for ``prop:rated`` (None: any button)."""

    key: str
    op: str
    value: int | float
    ease: int | None = None


@dataclass(frozen=True)
class Rated:
    days: int
    ease: int | None = None


@dataclass(frozen=True)
class Added:
    days: int


@dataclass(frozen=True)
class Edited:
    days: int


@dataclass(frozen=True)
class Introduced:
    days: int


@dataclass(frozen=True)
class NoteIds:
    ids: tuple[int, ...]


@dataclass(frozen=True)
class CardIds:
    ids: tuple[int, ...]


@dataclass(frozen=True)
class Service:
    """Cirrus: cards tagged ``service/NAME`` (wildcards allowed)."""

    name: str


@dataclass(frozen=True)
class Domain:
    """Cirrus: cards tagged ``domain/NAME`` (wildcards allowed)."""

    name: str


@dataclass(frozen=True)
class Source:
    """Cirrus: the note's source attribution, or a field named ``source``."""

    text: str


Node: TypeAlias = (
    And
    | Or
    | Not
    | Everything
    | Text
    | Field
    | Regex
    | Deck
    | Tag
    | NoteType
    | CardOrd
    | CardName
    | State
    | Flag
    | Prop
    | Rated
    | Added
    | Edited
    | Introduced
    | NoteIds
    | CardIds
    | Service
    | Domain
    | Source
)


def and_(*nodes: Node) -> Node:
    """AND of ``nodes``, flattened (a single node is returned as it is)."""
    return _join(And, nodes)


def or_(*nodes: Node) -> Node:
    """OR of ``nodes``, flattened (a single node is returned as it is)."""
    return _join(Or, nodes)


def _join(kind: type[And] | type[Or], nodes: tuple[Node, ...] | list[Node]) -> Node:
    flat: list[Node] = []
    for node in nodes:
        flat.extend(node.children if isinstance(node, kind) else (node,))
    if not flat:
        raise ValueError("nothing to join")
    return flat[0] if len(flat) == 1 else kind(tuple(flat))
