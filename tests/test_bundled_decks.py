"""The bundled AI-200 decks lint clean and meet the counts the exam needs."""

from __future__ import annotations

import re
from datetime import date

from app.core.deck_lint import coverage, lint_paths
from app.core.models import NoteKind
from app.storage.bundled import bundled_decks_dir

DOMAINS = {"domain/1-containers", "domain/2-data", "domain/3-connect", "domain/4-secure-monitor"}


def test_bundled_decks_lint_clean_and_meet_counts() -> None:
    folder = bundled_decks_dir()
    assert folder is not None
    decks, problems = lint_paths(folder, date(2026, 12, 1))
    assert [str(p) for p in problems if p.severity == "error"] == []
    rows = coverage(decks)
    assert len(rows) >= 16
    assert all(r.notes >= 30 for r in rows), [(r.deck, r.notes) for r in rows if r.notes < 30]
    notes = sum(r.notes for r in rows)
    assert notes >= 500
    assert sum(r.choice for r in rows) * 5 >= notes
    assert all(r.cloze > 0 and r.reversed > 0 for r in rows if not r.case)


def test_every_card_has_one_service_one_domain_and_a_learn_source() -> None:
    folder = bundled_decks_dir()
    assert folder is not None
    decks, _ = lint_paths(folder, date(2026, 12, 1))
    seen_domains = set()
    for deck in decks:
        assert deck.name.startswith("AI-200::")
        for note in deck.notes:
            tags = set(deck.tags) | set(note.tags)
            services = [t for t in tags if t.startswith("service/")]
            domains = [t for t in tags if t.startswith("domain/")]
            assert len(services) == 1 and len(domains) == 1, (deck.path, note.line)
            seen_domains.update(domains)
            assert note.source and re.match(r"https://learn\.microsoft\.com/en-us/", note.source)
            assert note.verified
            if note.kind == NoteKind.CHOICE:
                assert note.front.count("- [x]") >= 1, (deck.path, note.line)
    assert seen_domains == DOMAINS
