"""The real world, beyond the basic cases: a share whose mount point is there but empty
(not mounted, or the sync client has not brought it back), and a device whose clock is
ahead."""

from __future__ import annotations

import random
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from app.core.models import Rating
from app.storage.collection import Collection
from app.storage.sync import SyncUnavailable
from tests.conftest import T0, deck_text
from tests.storage.test_sync_convergence import canonical

CARDS = "\n## First\n\n???\n\nOne.\n\n## Second\n\n???\n\nTwo.\n"


@pytest.fixture
def pair(tmp_path: Path, write_deck):
    share = tmp_path / "share"
    share.mkdir()
    a = Collection.open(tmp_path / "a", tz=UTC, rng=random.Random(1))
    b = Collection.open(tmp_path / "b", tz=UTC, rng=random.Random(2))
    a.set_setting("sync_device_name", "LAPTOP")
    b.set_setting("sync_device_name", "DESKTOP")
    a.import_path(write_deck(deck_text(CARDS)), T0)
    a.sync(share, T0)
    b.sync(share, T0)
    yield a, b, share
    a.close()
    b.close()


def _logs(col: Collection) -> set[str]:
    with col.engine.connect() as conn:
        return {r[0] for r in conn.execute(text("SELECT lower(hex(id)) FROM review_log"))}


def test_an_empty_mount_point_is_not_written_and_nothing_is_lost(pair, tmp_path: Path) -> None:
    a, b, share = pair
    mounted = share.rename(tmp_path / "share-while-unmounted")
    share.mkdir()  # the mount point, empty while the share is down
    card = a.next_card(T0)
    answer = a.answer(card.card_id, Rating.GOOD, T0)
    with pytest.raises(SyncUnavailable, match="does not hold this computer's files"):
        a.sync(share, T0 + timedelta(minutes=1))
    assert list(share.iterdir()) == []  # nothing written where the others never look
    share.rmdir()
    mounted.rename(share)  # the share is back
    a.sync(share, T0 + timedelta(minutes=2))
    b.sync(share, T0 + timedelta(minutes=2))
    assert answer in _logs(b)


def test_another_folder_or_the_same_one_emptied_gets_everything_this_device_knows(
    pair, tmp_path: Path
) -> None:
    a, b, share = pair
    card = b.next_card(T0)
    answer = b.answer(card.card_id, Rating.GOOD, T0)
    b.editing.flag([card.card_id], 3)
    b.sync(share, T0 + timedelta(minutes=1))
    a.sync(share, T0 + timedelta(minutes=1))  # the laptop now holds the desktop's answer

    fresh = tmp_path / "new-share"  # the laptop moves to another folder
    fresh.mkdir()
    a.sync(fresh, T0 + timedelta(minutes=2))
    c = Collection.open(tmp_path / "c", tz=UTC, rng=random.Random(3))
    try:
        c.sync(fresh, T0 + timedelta(minutes=3))
        assert canonical(c) == canonical(a)
        assert answer in _logs(c)
    finally:
        c.close()

    for child in sorted(share.rglob("*"), reverse=True):  # the old folder emptied on purpose
        child.rmdir() if child.is_dir() else child.unlink()
    with pytest.raises(SyncUnavailable):
        b.sync(share, T0 + timedelta(minutes=4))
    b.set_setting("sync_last_folder", None)  # what choosing it again in Tools > Sync does
    b.sync(share, T0 + timedelta(minutes=5))
    d = Collection.open(tmp_path / "d", tz=UTC, rng=random.Random(4))
    try:
        d.sync(share, T0 + timedelta(minutes=6))
        assert canonical(d) == canonical(b)
    finally:
        d.close()


def test_a_device_whose_clock_is_ahead_is_named_in_the_report(pair) -> None:
    a, b, share = pair
    b.sync(share, T0 + timedelta(hours=3))  # the desktop's clock says three hours later
    report = a.sync(share, T0)
    assert report.clocks == ["DESKTOP's clock is 3 hours ahead"]
    assert report.to_json()["clocks"] == report.clocks
    assert a.sync(share, T0 + timedelta(hours=3)).clocks == []  # once the clocks agree
