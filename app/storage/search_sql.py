"""A parsed search (``app.core.search``) compiled to SQL over Cirrus's tables.

The statement selects card ids from ``card c JOIN note n``. Names that Anki matches with
regular expressions (decks, tags, note types, card templates, field names) are few, so
they are matched here in Python and the statement gets the matching ids or tags; the
text of the notes is matched by SQLite (``LIKE``, case-insensitive for ASCII letters as
in Anki). Tags: Cirrus stores Anki's ``a::b`` as ``a/b``; both spellings search the same
hierarchy (``tag:a::b`` and ``tag:a/b`` find ``a/b`` and ``a/b/c``).

Template notes (Anki, text files) keep their fields as a JSON list in ``note.fields``,
written with ``json.dumps(..., ensure_ascii=False)``; free text is first matched against
that JSON text (a quick superset) and then against the fields joined by ``\\x1f``, as
Anki's ``flds`` column is. Markdown notes have the fields ``prompt``, ``front`` and
``answer``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from app.core import search as s
from app.core.models import NoteKind
from app.sqlite import sqlite3
from app.storage.search_literal import field_prefix
from app.storage.search_props import (
    ACTIVE_SQL,
    DAY,
    DUE_SQL,
    INTERDAY_SQL,
    LEARN_AHEAD_MS,
    SearchClock,
    due_sql,
    interval_sql,
    recall_sql,
)
from app.storage.search_text import (
    FIELDS_TEXT,
    anki_tag,
    cloze_split,
    glob_matcher,
    json_pattern,
    like_clause,
    name_matcher,
    sql_ints,
    sql_quote,
    sql_real,
    to_like,
    to_re,
)

_NOTE_TYPE_COLUMNS = re.compile(r"\b(notetype_id|kind)\b")
MARKDOWN_FIELDS = ("prompt", "front", "answer")
MARKDOWN_KINDS = {
    "basic": NoteKind.BASIC,
    "reversed": NoteKind.REVERSED,
    "cloze": NoteKind.CLOZE,
    "choice": NoteKind.CHOICE,
}
_MAX_ID = 2**63 - 1
_FIRST = "coalesce(json_extract(n.fields, '$[0]'), '')"
# Anki's free text also matches the sort field (``sfld``: the first field without HTML).
# The prompt is that field made plain (no HTML, and for a cloze no cloze markup): outside
# cloze notes a match of the prompt is taken as one of ``sfld`` (only runs of white space,
# which the prompt makes one space, can tell them apart). A cloze's prompt, or a field
# with HTML the fields' text does not match through, is checked on ``sfld`` itself.
_MAY_DIFFER = "(instr(n.fields, '<') OR instr(n.fields, '&') OR instr(n.fields, '{{'))"


def _few_cards(node: s.Node) -> bool:
    """A term read from a partial index of few cards: a flag, suspension."""
    if isinstance(node, s.Flag):
        return node.flag > 0
    return isinstance(node, s.State) and node.state == "suspended"


@dataclass(frozen=True)
class _Notetype:
    id: int
    name: str
    fields: list[str]
    templates: list[str]


class TermWriter:
    def __init__(self, db: sqlite3.Connection, clock: SearchClock) -> None:
        self.db = db
        self.clock = clock
        self.params: dict[str, Any] = {}
        self._notetypes: list[_Notetype] | None = None
        self._decks: list[tuple[int, str]] | None = None
        self._tags: list[str] | None = None
        self.top: set[int] = set()
        """Ids of the terms every match must meet (the search, or its AND's terms)."""

    # -- data the statement is built from --------------------------------------------

    def notetypes(self) -> list[_Notetype]:
        if self._notetypes is None:
            rows = self.db.execute("SELECT id, name, fields, templates FROM notetype")
            self._notetypes = [
                _Notetype(int(i), str(n), list(json.loads(f)), [t[0] for t in json.loads(t)])
                for i, n, f, t in rows
            ]
        return self._notetypes

    def decks(self) -> list[tuple[int, str]]:
        if self._decks is None:
            rows = self.db.execute("SELECT id, name FROM deck")
            self._decks = [(int(i), str(n)) for i, n in rows]
        return self._decks

    def tags(self) -> list[str]:
        if self._tags is None:
            self._tags = [str(r[0]) for r in self.db.execute(_DISTINCT_TAGS)]
        return self._tags

    def param(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return ":" + name

    # -- the tree ----------------------------------------------------------------------

    def node(self, node: s.Node) -> str:
        if isinstance(node, s.And):
            parts = []
            for child in node.children:
                part = self.node(child)
                if part == "0":  # nothing can match: the rest need not be compiled
                    return "0"
                parts.append(part)
            return "(" + " AND ".join(parts) + ")"
        if isinstance(node, s.Or):
            parts = [self.node(c) for c in node.children]
            if id(node) in self.top and all(_few_cards(c) for c in node.children):
                # each from its partial index (SQLite reads none of them for an OR); a
                # negated one is quicker as a scan
                union = " UNION ".join(f"SELECT c.id FROM card c WHERE {p}" for p in parts)
                return f"c.id IN ({union})"
            return "(" + " OR ".join(parts) + ")"
        if isinstance(node, s.Not):
            return f"NOT {self.node(node.child)}"
        handler = _HANDLERS[type(node)]
        return handler(self, node)

    def everything(self, _node: s.Everything) -> str:
        return "1"

    def text(self, node: s.Text) -> str:
        # Boolean operators only (no CASE, no function around them): SQLite then stops at
        # the first LIKE that decides, and the costly exact test runs on few notes. The
        # sort field's test is for the notes the first-field test skips (where it ran, it
        # failed already: a non-cloze note's first field is its sort field).
        like = "%" + to_like(node.text) + "%"
        p = self.param(like)
        md = " OR ".join(f"n.{c}_md {like_clause(p, like)}" for c in MARKDOWN_FIELDS)
        not_cloze, other = cloze_split(self.db)
        return self._hinted(
            f"((n.fields IS NULL AND ({md})) OR (n.fields IS NOT NULL AND "
            f"(({not_cloze} AND n.prompt_md {like_clause(p, like)}) "
            f"OR {self._fields_like(node.text, p, like)} OR ({other} AND n.prompt_md "
            f"{like_clause(p, like)} AND {_MAY_DIFFER} AND cirrus_sort_field(n.fields) "
            f"{like_clause(p, like)}))))"
        )

    def _hinted(self, match: str) -> str:
        """``match`` (over the note's columns only) with a hint of how many notes it holds
        for, from a sample: for few, SQLite reads the notes first and steps to their cards
        by the card index (unless another index picks fewer: a deck, a state); for most,
        it reads the cards in order and steps into each one's note."""
        return f"likelihood({match}, {self._share(match):.2f})"

    def _share(self, match: str) -> float:
        """About how many notes ``match`` holds for (0.05 few, 0.9 most): tried on up to
        five spread runs of 250 notes. ``match`` stays in a WHERE clause, where SQLite
        stops at the first term that decides (as a value it would compute every term)."""
        low, high = self.db.execute(
            "SELECT (SELECT min(rowid) FROM note), (SELECT max(rowid) FROM note)"
        ).fetchone()  # two subqueries: each is one index step, both in one would be a scan
        if low is None:
            return 0.05
        step = max((high - low) // 4, 1)
        ends = " UNION ALL ".join(
            f"SELECT {start}, coalesce((SELECT rowid FROM note WHERE rowid >= {start} "
            f"ORDER BY rowid LIMIT 1 OFFSET 249), {high})"
            for start in range(low, high + 1, step)
        )
        counts = [
            f"SELECT count(*) AS k FROM note n NOT INDEXED WHERE n.rowid BETWEEN {a} AND {b}"
            for a, b in self.db.execute(ends)
        ]  # NOT INDEXED: read by the row ids, never along a whole index
        tried, held = self.db.execute(
            f"SELECT (SELECT sum(k) FROM ({' UNION ALL '.join(counts)})), "
            f"(SELECT sum(k) FROM ({' UNION ALL '.join(f'{c} AND ({match})' for c in counts)}))",
            self.params,
        ).fetchone()
        return 0.9 if (held or 0) * 2 > (tried or 0) else 0.05

    def _fields_like(self, text: str, p: str, like: str) -> str:
        """The joined fields of a template note match the LIKE pattern ``p``.

        A LIKE over the JSON text of the fields finds every match (and a few more); where
        the pattern cannot meet JSON's quoting and the JSON has no escape, it is exact.
        """
        exact = f"{FIELDS_TEXT} {like_clause(p, like)}"
        loose = json_pattern(text)
        if loose is None:
            return exact
        pattern, safe = loose
        check = f"(instr(n.fields, '\\') = 0 OR {exact})" if safe else exact
        return f"(n.fields {like_clause(self.param(pattern), pattern)} AND {check})"

    def field(self, node: s.Field) -> str:
        match = glob_matcher(node.field)
        value = self.param("(?i)" + node.text) if node.regex else self.param(to_like(node.text))

        def test(expr: str) -> str:
            if node.regex:
                return f"cirrus_regexp({value}, {expr})"
            return f"{expr} LIKE {value} ESCAPE '\\'"

        clauses = []
        # the field's text is in the JSON text of the fields: a quick LIKE first
        loose = None if node.regex else json_pattern(node.text)
        quick = f"n.fields {like_clause(self.param(loose[0]), loose[0])} AND " if loose else ""
        first = None if node.regex else field_prefix(node.text)
        start = f"n.fields LIKE {self.param(first[0])} ESCAPE '\\'" if first else ""
        starts: list[int] = []  # note types decided by the start of the JSON text alone
        for nt in self.notetypes():
            indexes = [i for i, name in enumerate(nt.fields) if match(name)]
            if indexes == [0] and first is not None:  # the first field: from its start
                if first[1]:
                    starts.append(nt.id)
                else:
                    clauses.append(f"(n.notetype_id IS {nt.id} AND {start} AND {test(_FIRST)})")
            elif indexes:
                tests = " OR ".join(
                    test(f"coalesce(json_extract(n.fields, '$[{i}]'), '')") for i in indexes
                )
                clauses.append(f"(n.notetype_id IS {nt.id} AND {quick}({tests}))")
        if starts:
            clauses.append(f"(coalesce(n.notetype_id, 0) IN ({sql_ints(starts)}) AND {start})")
        md = [f for f in MARKDOWN_FIELDS if match(f)]
        if md:
            tests = " OR ".join(test(f"n.{f}_md") for f in md)
            clauses.append(f"(n.notetype_id IS NULL AND ({tests}))")
        return self._hinted(f"({' OR '.join(clauses)})") if clauses else "0"

    def regex(self, node: s.Regex) -> str:
        p = self.param("(?i)" + node.pattern)
        md = "n.prompt_md || char(31) || n.front_md || char(31) || n.answer_md"
        return (
            f"(CASE WHEN n.fields IS NULL THEN cirrus_regexp({p}, {md}) "
            f"ELSE cirrus_regexp({p}, {FIELDS_TEXT}) END)"
        )

    def deck(self, node: s.Deck) -> str:
        if node.name == "*":
            return "1"
        if node.name == "filtered":
            return "0"  # Cirrus has no filtered decks
        pattern = re.compile(
            "^" + to_re(node.name).replace("::", "\x1f") + "(?:\x1f|\\Z)", re.IGNORECASE
        )
        ids = [i for i, name in self.decks() if pattern.match(name.replace("::", "\x1f"))]
        if not ids:
            return "0"
        if id(node) in self.top:  # a term every card must meet: from the deck's notes
            return f"n.deck_id IN ({sql_ints(ids)})"
        return f"c.note_id IN (SELECT id FROM note WHERE deck_id IN ({sql_ints(ids)}))"

    def tag(self, node: s.Tag) -> str:
        if node.tag == "none" and not node.regex:
            return "c.note_id NOT IN (SELECT note_id FROM note_tag)"
        if node.tag == "*" and not node.regex:
            return "1"
        return self._tagged(self.tag_list(node) or [])

    def tag_list(self, node: s.Node) -> list[str] | None:
        """The stored tags a tag term (``tag:``, ``service:``, ``domain:``) stands for;
        None for any other term, and for ``tag:none`` and ``tag:*``."""
        if isinstance(node, s.Service):
            return self._matching_tags("service::" + node.name)
        if isinstance(node, s.Domain):
            return self._matching_tags("domain::" + node.name)
        if not isinstance(node, s.Tag):
            return None
        if node.regex:
            pattern = re.compile(node.tag, re.IGNORECASE)
            return [t for t in self.tags() if pattern.search(anki_tag(t))]
        if node.tag in ("none", "*"):
            return None
        if " " in node.tag:
            return []
        return self._matching_tags(node.tag)

    def _matching_tags(self, tag: str) -> list[str]:
        body = to_re(tag.replace("/", "::"), any_char=r"\S")
        pattern = re.compile(f"(?:{body})(?:::|\\Z)", re.IGNORECASE)
        return [t for t in self.tags() if pattern.match(anki_tag(t))]

    def _tagged(self, tags: Iterable[str]) -> str:
        listed = ", ".join(sql_quote(t) for t in tags)
        if not listed:
            return "0"
        return f"c.note_id IN (SELECT note_id FROM note_tag WHERE tag IN ({listed}))"

    def service(self, node: s.Service) -> str:
        return self._tagged(self.tag_list(node) or [])

    def domain(self, node: s.Domain) -> str:
        return self._tagged(self.tag_list(node) or [])

    def source(self, node: s.Source) -> str:
        p = self.param("%" + to_like(node.text) + "%")
        field = self.field(s.Field("source", node.text))
        return f"(coalesce(n.source, '') LIKE {p} ESCAPE '\\' OR {field})"

    def notetype(self, node: s.NoteType) -> str:
        match = name_matcher(node.name)
        ids = [nt.id for nt in self.notetypes() if match(nt.name)]
        kinds = [int(k) for name, k in MARKDOWN_KINDS.items() if match(name)]
        clauses = [f"notetype_id IN ({sql_ints(ids)})"] if ids else []
        if kinds:
            clauses.append(f"(notetype_id IS NULL AND kind IN ({sql_ints(kinds)}))")
        if not clauses:
            return "0"
        return self._notes(" OR ".join(clauses), id(node) in self.top)

    def _notes(self, condition: str, top: bool = False) -> str:
        """Cards of the notes that ``condition`` (over ``notetype_id`` and ``kind``)
        selects. Few notes: listed from their index. Most notes (from a sample: counting
        them all costs more): a term every card must meet reads each card's note in the
        note index that holds the type (``ix_note_card``), any other the complement, a
        much shorter list to build."""
        if self._share(condition) <= 0.5:
            return f"c.note_id IN (SELECT id FROM note WHERE {condition})"
        if top:
            return "(" + _NOTE_TYPE_COLUMNS.sub(r"n.\1", condition) + ")"
        return f"c.note_id NOT IN (SELECT id FROM note WHERE NOT coalesce({condition}, 0))"

    def card_ord(self, node: s.CardOrd) -> str:
        return f"c.ord = {node.ord}"

    def card_name(self, node: s.CardName) -> str:
        match = name_matcher(node.name)
        clauses = []
        for nt in self.notetypes():
            ords = [i for i, name in enumerate(nt.templates) if match(name)]
            if ords:
                clauses.append(
                    f"(c.ord IN ({sql_ints(ords)}) AND c.note_id IN "
                    f"(SELECT id FROM note WHERE notetype_id = {nt.id}))"
                )
        return "(" + " OR ".join(clauses) + ")" if clauses else "0"

    def state(self, node: s.State) -> str:
        # the (state, due) index holds the card ids: reading it beats a scan of the cards;
        # "likelihood" (many cards are new) leaves a deck's index first when there is one
        now = self.clock.now
        buried = f"(c.suspended = 0 AND coalesce(c.buried_until, 0) > {now})"
        if node.state == "new":
            return "likelihood(c.state = 0, 0.5)"
        if node.state == "learn":
            return "c.state IN (1, 3)"
        if node.state == "review":
            return "likelihood(c.state IN (2, 3), 0.5)"
        if node.state == "suspended":
            return "c.suspended = 1"  # the condition of the partial index of them
        if node.state in ("buried", "buried-manually", "buried-sibling"):
            return buried
        end, ahead = self.clock.day_end, now + LEARN_AHEAD_MS
        # the few cards due first, read from the (state, due, ...) index; suspension and
        # burial only for them. Reviews without a due moment count as due, as before.
        return (
            f"(((c.state = 2 AND c.due < {end}) OR (c.state = 2 AND c.due IS NULL) OR "
            f"(c.state IN (1, 3) AND ({DUE_SQL} <= {ahead} OR "
            f"({INTERDAY_SQL} AND {DUE_SQL} < {end})))) "
            f"AND {ACTIVE_SQL.format(now=now)})"
        )

    def flag(self, node: s.Flag) -> str:
        if node.flag > 0:  # "flag > 0" as written in the partial index of flagged cards
            return f"(c.flag > 0 AND c.flag = {node.flag})"
        return f"c.flag = {node.flag}"

    def prop(self, node: s.Prop) -> str:
        op, value = node.op, node.value
        if node.key == "rated":
            return self._rated(op, int(value), node.ease)
        if node.key in ("reps", "lapses"):
            return f"c.{node.key} {op} {int(value)}"
        if node.key == "s":
            return f"c.stability {op} {sql_real(float(value))}"
        if node.key == "d":
            return f"c.difficulty {op} {sql_real(float(value) * 9 + 1)}"
        if node.key == "ivl":
            return interval_sql(self.clock, op, int(value))
        if node.key == "due":
            return due_sql(self.clock, op, int(value))
        return recall_sql(self.clock, op, float(value))

    def rated(self, node: s.Rated) -> str:
        return self._rated(">", -node.days, node.ease)

    def _rated(self, op: str, days: int, ease: int | None) -> str:
        return f"c.id IN (SELECT card_id FROM review_log WHERE {self.answers(op, days, ease)})"

    def answers(self, op: str, days: int, ease: int | None) -> str:
        """The review-log rows (``WHERE`` over ``review_log``) of a ``rated`` term."""
        target = self.clock.day_end + DAY * days
        before = self.clock.day_end + DAY * (days - 1)
        when = {
            ">": f">= {target}",
            ">=": f">= {before}",
            "<": f"< {before}",
            "<=": f"< {target}",
            "=": f"BETWEEN {before} AND {target - 1}",
            "!=": f"NOT BETWEEN {before} AND {target - 1}",
        }[op]
        button = f" AND rating = {ease}" if ease is not None else ""
        # rows of manual reschedules (rating 0) are no answer, as in Anki
        return f"rating > 0 AND reviewed_at {when}{button}"

    def _cutoff(self, days: int) -> int:
        return self.clock.day_end - DAY * days

    def added(self, node: s.Added) -> str:
        return f"coalesce(c.created, 0) > {self._cutoff(node.days)}"

    def edited(self, node: s.Edited) -> str:
        return f"n.mtime > {self._cutoff(node.days)}"

    def introduced(self, node: s.Introduced) -> str:
        cutoff = self._cutoff(node.days)
        return (
            f"(c.id IN (SELECT card_id FROM review_log WHERE rating > 0 AND reviewed_at > "
            f"{cutoff}) AND NOT EXISTS (SELECT 1 FROM review_log r WHERE r.card_id = c.id AND "
            f"r.rating > 0 AND r.reviewed_at <= {cutoff}))"
        )

    def note_ids(self, node: s.NoteIds) -> str:
        return f"c.note_id IN ({sql_ints(i for i in node.ids if i <= _MAX_ID)})"

    def card_ids(self, node: s.CardIds) -> str:
        return f"c.id IN ({sql_ints(i for i in node.ids if i <= _MAX_ID)})"


_DISTINCT_TAGS = """
WITH RECURSIVE t(tag) AS (
    SELECT min(tag) FROM note_tag
    UNION ALL
    SELECT (SELECT min(tag) FROM note_tag WHERE tag > t.tag) FROM t WHERE t.tag IS NOT NULL
) SELECT tag FROM t WHERE tag IS NOT NULL
"""
"""Every tag once, one index step per tag (``DISTINCT`` would read every note's tags)."""
_HANDLERS: dict[type, Callable[[TermWriter, Any], str]] = {
    s.Everything: TermWriter.everything,
    s.Text: TermWriter.text,
    s.Field: TermWriter.field,
    s.Regex: TermWriter.regex,
    s.Deck: TermWriter.deck,
    s.Tag: TermWriter.tag,
    s.Service: TermWriter.service,
    s.Domain: TermWriter.domain,
    s.Source: TermWriter.source,
    s.NoteType: TermWriter.notetype,
    s.CardOrd: TermWriter.card_ord,
    s.CardName: TermWriter.card_name,
    s.State: TermWriter.state,
    s.Flag: TermWriter.flag,
    s.Prop: TermWriter.prop,
    s.Rated: TermWriter.rated,
    s.Added: TermWriter.added,
    s.Edited: TermWriter.edited,
    s.Introduced: TermWriter.introduced,
    s.NoteIds: TermWriter.note_ids,
    s.CardIds: TermWriter.card_ids,
}


def compile_search(
    db: sqlite3.Connection, tree: s.Node, clock: SearchClock
) -> tuple[str, dict[str, Any]]:
    """The WHERE condition (over ``card c JOIN note n``) and its parameters."""
    writer = TermWriter(db, clock)
    writer.top = {id(t) for t in (tree.children if isinstance(tree, s.And) else [tree])}
    return writer.node(tree), writer.params
