"""Deck presets that come with an Anki package, built by the real Anki: kept and
assigned as in Anki, in the modern and the legacy package format."""

from __future__ import annotations

import random
from datetime import UTC
from pathlib import Path

import pytest

from app.core.presets import LEECH_SUSPEND
from app.storage.collection import Collection
from tests.conftest import T0

anki_collection = pytest.importorskip("anki.collection")


def _package(tmp_path: Path, legacy: bool) -> Path:
    col = anki_collection.Collection(str(tmp_path / "src.anki2"))
    try:
        conf = col.decks.get_config(col.decks.add_config_returning_id("Exam sprint"))
        conf["new"]["perDay"] = 7
        conf["rev"]["perDay"] = 70
        conf["new"]["delays"] = [2.0, 20.0]
        conf["lapse"]["delays"] = [5.0]
        conf["rev"]["maxIvl"] = 100
        conf["lapse"]["leechFails"] = 5
        conf["lapse"]["leechAction"] = 0  # suspend
        conf["new"]["bury"] = True
        col.decks.update_config(conf)
        model = col.models.by_name("Basic")
        for name, preset in (("Sprint::Hard", conf["id"]), ("Plain", 1)):
            did = col.decks.id(name)
            deck = col.decks.get(did)
            deck["conf"] = preset
            col.decks.save(deck)
            note = col.new_note(model)
            note["Front"], note["Back"] = f"{name} front", "back"
            col.add_note(note, did)
        out = tmp_path / ("legacy.apkg" if legacy else "modern.apkg")
        options = anki_collection.ExportAnkiPackageOptions(
            with_scheduling=True, with_deck_configs=True, with_media=True, legacy=legacy
        )
        col.export_anki_package(out_path=str(out), options=options, limit=None)
        return out
    finally:
        col.close()


@pytest.mark.parametrize("legacy", [False, True])
def test_package_presets_are_kept_and_assigned(tmp_path: Path, legacy: bool) -> None:
    package = _package(tmp_path, legacy)
    col = Collection.in_memory(tz=UTC, rng=random.Random(1))
    try:
        col.import_path(package, T0)
        options = col.deck_options
        sprint = options.deck_preset("Sprint::Hard")
        assert sprint.name == "Exam sprint"
        assert (sprint.new_per_day, sprint.reviews_per_day) == (7, 70)
        assert sprint.learning_steps == (120, 1200) and sprint.relearning_steps == (300,)
        assert sprint.maximum_interval == 100
        assert (sprint.leech_threshold, sprint.leech_action) == (5, LEECH_SUSPEND)
        assert sprint.bury_new and not sprint.bury_reviews
        assert options.deck_preset("Plain").id == 1  # Anki's Default is Cirrus's Default
        assert col.counts(T0, "Sprint::Hard").new == 1
        # A second import of the same package adds no second preset.
        col.import_path(package, T0)
        assert [p.name for p in options.presets()].count("Exam sprint") == 1
    finally:
        col.close()
