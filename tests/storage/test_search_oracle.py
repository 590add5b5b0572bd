"""Cirrus's search against Anki's ``find_cards`` on the same collection.

A collection is built with the real ``anki`` library (note types with several fields and
templates, nested decks, hierarchical tags, Unicode, suspended, buried and flagged cards,
reviews spread over past days), exported by Anki as ``.apkg`` and imported into Cirrus.
Each query runs on both sides; the cards found, as (note guid, card ord), must be equal.
Both sides read the clock at the same moment (Anki has no way to be given a time), and
every review and creation time is whole days from it, so day boundaries agree.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.storage.collection import Collection

anki_collection = pytest.importorskip("anki.collection")

DAY_MS = 86_400_000

_WORDS = [
    ("big dog", "a <b>large</b> dog", "Dog"),
    ("cat", "a small cat", "Katze"),
    ("dig", "to dig a hole", "graben"),
    ("Москва", "столица России", "москва"),
    ("été", "summer in French", "ÉTÉ"),
    ("straße", "street", "STRASSE"),
    ("猫", "cat in Japanese", "ねこ"),
    ("日本語", "Japanese language", "日本"),
    ("under_score", "50% off", "a*b"),
    ("dog cat", "two words", "Dog Cat"),
    ("quick brown fox", "jumps", "over"),
    ("résumé", "CV", "Resume"),
    ('say "hi" \\ now', 'a "quoted" word', "C:\\path"),
    ("<i>ital</i>ic 50%", "&amp; more", "<b>Bold</b>"),
]
_DECKS = [
    "Lang",
    "Lang::Japanese",
    "Lang::Japanese::Kanji",
    "Lang::French",
    "Science",
    "Science::Physics",
    "My Deck",
]
_TAGS = [
    ["lang::ja"],
    ["lang::ja::kanji", "日本語"],
    ["lang::fr", "todo_later"],
    ["science::physics", "leech"],
    [],
    ["Lang::JA", "misc"],
    ["todoXlater"],
]


def _vocab_notetype(col: Any) -> Any:
    mm = col.models
    nt = mm.new("Vocab")
    for name in ("Word", "Meaning", "Example"):
        mm.add_field(nt, mm.new_field(name))
    for name, q, a in (
        ("Recognition", "{{Word}}", "{{Meaning}}"),
        ("Recall", "{{Meaning}}", "{{Word}}"),
    ):
        t = mm.new_template(name)
        t["qfmt"], t["afmt"] = q, a
        mm.add_template(nt, t)
    mm.add(nt)
    return mm.by_name("Vocab")


def _build(folder: Path) -> Path:
    """The Anki collection; returns the path of the package Anki exported from it."""
    col = anki_collection.Collection(str(folder / "oracle.anki2"))
    col.set_config("fsrs", True)
    vocab = _vocab_notetype(col)
    basic = col.models.by_name("Basic")
    reverse = col.models.by_name("Basic (and reversed card)")
    cloze = col.models.by_name("Cloze")
    deck_ids = {name: col.decks.id(name) for name in _DECKS}
    notes = []
    for i in range(72):
        word, meaning, example = _WORDS[(i // 4) % len(_WORDS)]
        kind = i % 4
        if kind == 0:
            note = col.new_note(basic)
            note["Front"], note["Back"] = f"{word} {i}", meaning
        elif kind == 1:
            note = col.new_note(reverse)
            note["Front"], note["Back"] = word, f"{meaning} #{i}"
        elif kind == 2:
            note = col.new_note(cloze)
            note["Text"] = f"{{{{c1::{word}}}}} and {{{{c2::{meaning}}}}} ({i})"
            note["Back Extra"] = example
        else:
            note = col.new_note(vocab)
            note["Word"], note["Meaning"], note["Example"] = word, meaning, f"{example} {i}"
        note.tags = _TAGS[i % len(_TAGS)]
        col.add_note(note, deck_ids[_DECKS[(i // 2) % len(_DECKS)]])
        notes.append(note)
    cids = [int(c) for c in col.find_cards("")]
    # answers: some cards learned, some graduated, some lapsed
    for n, cid in enumerate(cids):
        plan = n % 6
        if plan == 0:
            continue  # stays new
        card = col.get_card(cid)
        answers = {1: [3], 2: [4], 3: [3, 3], 4: [4, 1], 5: [4, 3]}[plan]
        for ease in answers:
            card = col.get_card(cid)
            card.start_timer()
            col.sched.answerCard(card, ease)
    _spread_history(col, cids)
    col.sched.suspend_cards(cids[2:60:9])
    col.sched.bury_cards(cids[5:70:11], manual=True)
    col.set_user_flag_for_cards(1, cids[1:80:7])
    col.set_user_flag_for_cards(3, cids[3:80:13])
    out = folder / "oracle.apkg"
    from anki.collection import ExportAnkiPackageOptions
    from anki.import_export_pb2 import ExportLimit

    col.export_anki_package(
        out_path=str(out),
        options=ExportAnkiPackageOptions(
            with_scheduling=True, with_deck_configs=True, with_media=False, legacy=False
        ),
        limit=ExportLimit(),
    )
    col.close()
    return out


def _spread_history(col: Any, cids: list[int]) -> None:
    """Move whole histories back by whole days: reviews, due days, creation and edit times."""
    for n, cid in enumerate(cids):
        days = [0, 1, 2, 4, 9, 20][n % 6] if n % 5 else 0
        if not days:
            continue
        shift_ms = days * DAY_MS
        new_id = cid - shift_ms
        row = col.db.first("select queue, due, data, nid from cards where id = ?", cid)
        queue, due, data, nid = row
        if queue in (2, 3):  # a due day
            due -= days
        elif queue in (1, 4):  # a due moment (seconds)
            due -= days * 86_400
        memory = json.loads(data) if data else {}
        if "lrt" in memory:
            memory["lrt"] -= days * 86_400
        col.db.execute(
            "update cards set id = ?, due = ?, data = ? where id = ?",
            new_id,
            due,
            json.dumps(memory) if memory else data,
            cid,
        )
        col.db.execute(
            "update revlog set id = id - ?, cid = ? where cid = ?", shift_ms, new_id, cid
        )
        if n % 3 == 0:
            col.db.execute("update notes set mod = mod - ? where id = ?", days * 86_400, nid)
    cids[:] = sorted(int(c) for c in col.find_cards(""))


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("oracle")
    package = _build(folder)
    anki = anki_collection.Collection(str(folder / "oracle.anki2"))
    cirrus = Collection.open(folder / "cirrus")
    cirrus.import_path(package, datetime.now(UTC))
    yield anki, cirrus
    anki.close()
    cirrus.close()


def _anki_keys(anki: Any, query: str) -> set[tuple[str, int]]:
    cids = list(anki.find_cards(query))
    if not cids:
        return set()
    rows = anki.db.all(
        "select n.guid, c.ord from cards c join notes n on n.id = c.nid where c.id in "
        f"({','.join(str(c) for c in cids)})"
    )
    return {(g, int(o)) for g, o in rows}


def _cirrus_keys(cirrus: Collection, query: str) -> set[tuple[str, int]]:
    rows = cirrus.card_rows(cirrus.search_cards(query))
    return {(r.note_guid, r.ord) for r in rows}


QUERIES = [
    # free text, wildcards, phrases, case, Unicode
    "dog",
    "DOG",
    "d*g",
    "d_g",
    "big",
    '"big dog"',
    '"big dog and"',  # a cloze's first field without its markup is not Anki's sort field
    '"big dog and*"',
    '"a large dog"',
    '"dog cat"',
    "dog cat",
    "large",
    "<b>",
    "москва",
    "Москва",
    "été",
    "ÉTÉ",
    "straße",
    "猫",
    "日本",
    r"under\_score",
    "under_score",
    r"a\*b",
    "50%",
    "*",
    # fields
    "front:big*",
    "front:cat",
    "back:*cat*",
    "word:猫",
    "Meaning:cat*",
    "example:ねこ*",
    "text:*c1::*",
    "w*d:cat",
    "front:",
    "front:re:^d",
    "word:re:^ST",
    # decks
    "deck:Lang",
    "deck:lang::japanese",
    "deck:Lang::Jap*",
    "deck:*::Kanji",
    '"deck:My Deck"',
    "-deck:Lang",
    "deck:Sci*",
    # tags
    "tag:lang",
    "tag:lang::ja",
    "tag:lang::*",
    "tag:*kanji",
    "tag:none",
    "tag:日本語",
    "tag:todo_later",
    "tag:leech",
    "-tag:lang",
    "tag:re:^lang::j",
    # states and flags
    "is:new",
    "is:learn",
    "is:review",
    "is:due",
    "is:suspended",
    "is:buried",
    "flag:0",
    "flag:1",
    "flag:3",
    # templates and note types
    "card:1",
    "card:2",
    "card:Recall",
    "card:Card*",
    "card:cloze",
    "note:Basic",
    "note:basic*",
    "note:Vocab",
    "note:Cloze card:2",
    "note:B* OR note:V*",
    "note:*a*",  # every note: searched through the (empty) complement
    # properties
    "prop:ivl>=3",
    "prop:ivl<2",
    "prop:ivl=0",
    "prop:due=0",
    "prop:due<=-2",
    "prop:due>1",
    "prop:reps>1",
    "prop:reps=0",
    "prop:lapses>=1",
    "prop:s>3",
    "prop:s<=2.6",
    "prop:d>0.5",
    "prop:r<0.8",
    "prop:r>0.95",
    "-prop:r>0.95",
    # history and times
    "rated:1",
    "rated:3",
    "rated:5:1",
    "rated:30:4",
    "prop:rated>=-2",
    "prop:rated=-4",
    "added:1",
    "added:3",
    "added:30",
    "edited:1",
    "edited:5",
    "introduced:1",
    "introduced:5",
    # regular expressions
    "re:d.g",
    "re:^big",
    "re:москва",
    r"re:\d\d",
    # combinations
    "dog OR cat",
    "deck:Science OR tag:leech",
    "(deck:Lang OR deck:Science) -is:new",
    "-(is:new OR is:suspended) tag:lang*",
    "dog (card:2 OR flag:1)",
    "flag:1 OR is:suspended",
    "flag:3 OR flag:1 OR is:suspended",
    "(flag:1 OR is:suspended) deck:Lang",
    "-(flag:1 OR is:suspended)",
    "deck:Lang is:review prop:ivl>=1 -flag:3",
    "note:Vocab (word:猫 OR word:日本語) -card:1",
    "cat and -dog or is:buried",
    "-(-(tag:lang))",
    # the start of a first field, quotes, backslashes and HTML in fields
    "front:say*",
    'front:"say \\"hi*"',
    "front:<i>*",
    "front:ital*",
    "front:<i>ital</i>ic*",
    '"front:big dog*"',
    "front:BIG*",
    "front:b_g*",
    '"front:b*g 0"',
    "front:москва*",
    "front:Москва*",
    "word:say*",
    "meaning:a*",
    "text:{{c1::*",
    '"front:<i>ital</i>ic 50%*"',
    '"say \\"hi\\""',
    r"C\:\\path",
    r"\\",
    "ital",
    "italic",
    "ita*ic",
    "s*y",
    "&amp;",
    "amp",
    "dog front:big*",
    "front:big* OR 日本",
]


def test_the_oracle_has_every_kind_of_card(both: Any) -> None:
    anki, _ = both
    for query in ("is:new", "is:learn", "is:review", "is:suspended", "is:buried", "flag:1"):
        assert anki.find_cards(query), query
    assert len(QUERIES) >= 40
    total = len(anki.find_cards(""))
    sizes = [len(anki.find_cards(q)) for q in QUERIES]
    assert sum(0 < n < total for n in sizes) >= len(QUERIES) * 0.9  # the queries select


@pytest.mark.parametrize("query", QUERIES)
def test_search_matches_anki(both: Any, query: str) -> None:
    anki, cirrus = both
    expected = _anki_keys(anki, query)
    assert _cirrus_keys(cirrus, query) == expected


@pytest.mark.parametrize("query", [q for q in QUERIES if q != "*"])
def test_negated_search_matches_anki(both: Any, query: str) -> None:
    """Negation: where a property is unknown (NULL), both leave the card out either way."""
    anki, cirrus = both
    negated = f"-({query})"
    assert _cirrus_keys(cirrus, negated) == _anki_keys(anki, negated)


def test_note_and_card_ids_name_cirrus_ids(both: Any) -> None:
    anki, cirrus = both
    anki_nids = list(anki.find_notes("tag:lang::ja"))[:3]
    guids = [anki.get_note(n).guid for n in anki_nids]
    by_guid = {r.note_guid: r for r in cirrus.card_rows(cirrus.search_cards(""))}
    nids = sorted({by_guid[g].note_id for g in guids})
    found = cirrus.card_rows(cirrus.search_cards("nid:" + ",".join(map(str, nids))))
    expected = _anki_keys(anki, "nid:" + ",".join(map(str, anki_nids)))
    assert {(r.note_guid, r.ord) for r in found} == expected
    some = [r.id for r in found][:2]
    assert sorted(cirrus.search_cards("cid:" + ",".join(map(str, some)))) == sorted(some)
