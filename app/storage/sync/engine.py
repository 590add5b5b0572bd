"""One sync: send this device's changes as a new journal segment, merge every device's
journal, replay the cards whose log changed. Runs inside one collection transaction."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from app.storage.media_store import stored_name
from app.storage.sync import imports, registers, republish, reviews, things
from app.storage.sync.journal import SyncFolder, SyncFolderMissing, read_file
from app.storage.sync.registers import Register, stamp
from app.storage.sync.replay import replay
from app.storage.sync.report import FIELD_NAMES, SyncReport, clock_ahead, conflict_title

KINDS = (*things.KINDS[:2], "media", *things.KINDS[2:])


def _setting(conn: Connection, key: str, default: Any) -> Any:
    row = conn.execute(text("SELECT value FROM setting WHERE key = :k"), {"k": key}).first()
    return default if row is None else json.loads(row[0])


def _set(conn: Connection, key: str, value: Any) -> None:
    conn.execute(
        text(
            "INSERT INTO setting (key, value) VALUES (:k, :v) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
        ),
        {"k": key, "v": json.dumps(value)},
    )


class _Run:
    def __init__(
        self, conn: Connection, folder: SyncFolder, device: str, now_ms: int, media_dir: Path | None
    ) -> None:
        self.conn = conn
        self.folder = folder
        self.device = device
        self.now = now_ms
        self.media_dir = media_dir
        self.seq = int(_setting(conn, "sync_seq", 0))
        self.clock = max(now_ms, int(_setting(conn, "sync_clock", 0)) + 1)
        self.regs = {kind: registers.load(conn, kind) for kind in (*KINDS, imports.KIND)}
        self.dirty: dict[str, set[str]] = {kind: set() for kind in self.regs}
        self.affected: set[str] = set()
        """Cards whose log this sync changed: replayed."""
        self.recheck: set[str] = set()
        """Cards replayed only if an answer has to be scheduled again."""
        self.report = SyncReport(str(folder.folder), device)
        self.names: dict[str, str] = {}
        self.reviews_changed = False
        self.republish = False
        """A folder new to this device that has synced elsewhere: send all it knows."""

    def event(
        self, body: dict[str, Any], at_least: int = 0, made: int | None = None
    ) -> dict[str, Any]:
        """A new event of this device: stamped now, or when it was ``made`` if known."""
        self.seq += 1
        ts = max(self.clock if made is None else made, at_least)
        return {**body, "id": uuid.uuid4().hex, "device": self.device, "seq": self.seq, "ts": ts}

    # -- sending ---------------------------------------------------------------------

    def local(self, kind: str) -> dict[str, dict[str, Any]]:
        if kind != "media":
            return things.local_values(self.conn, kind)
        rows = self.conn.execute(text("SELECT sha256, name, size FROM media")).all()
        return {r[0]: {"name": r[1], "size": r[2], "file": stored_name(r[0], r[1])} for r in rows}

    def outgoing(self) -> list[dict[str, Any]]:
        events = []
        deleted = self._deletion_times()
        for kind in KINDS:
            regs = self.regs[kind]
            local = self.local(kind)
            mtimes = self._note_mtimes() if kind == "note" else {}
            for key, values in local.items():
                reg = regs.setdefault(key, Register())
                changed = {f: v for f, v in values.items() if reg.values.get(f, _MISSING) != v}
                if (changed and kind in things.DELETABLE) or not reg.alive:
                    # Every edit says the thing exists: a deletion older than it loses.
                    changed["_alive"] = True
                if not changed or (kind == "media" and not self._upload(values)):
                    continue
                # An edit is stamped with when it was made (a note's mtime), yet always after
                # every version this device had seen of the thing.
                when = max(mtimes.get(key, 0), reg.latest() + 1)
                ev = self.event({"type": "set", "kind": kind, "key": key}, when, mtimes.get(key))
                at = stamp(ev["ts"], self.device, ev["seq"])
                ev["base"] = registers.write_local(reg, changed, at)
                ev["values"] = changed
                events.append(ev)
                registers.save(self.conn, kind, key, reg)
            if kind not in things.DELETABLE:
                continue
            notes = self._note_uids() if kind == "card" else set()
            for key, reg in regs.items():
                if key in local or not reg.alive:
                    continue
                if kind == "card":
                    # deleted here on its own (its note's deletion takes a note's cards)
                    if (kind, key) not in deleted or key.rpartition("/")[0] not in notes:
                        continue
                elif kind == "preset":
                    # a preset is known by its name: one not here was deleted or renamed
                    if not _complete(kind, reg.values) or key == "Default":
                        continue
                elif "_alive" not in reg.values:
                    continue
                made = deleted.get((kind, key))
                ev = self.event({"type": "set", "kind": kind, "key": key}, reg.latest() + 1, made)
                at = stamp(ev["ts"], self.device, ev["seq"])
                ev["base"] = registers.write_local(reg, {"_alive": False}, at)
                ev["values"] = {"_alive": False}
                events.append(ev)
                registers.save(self.conn, kind, key, reg)
        events.extend(self._import_bases())
        sent = []
        for body in reviews.outgoing(self.conn):
            events.append(self.event(body))
            self.recheck.add(body["card"])
            if body["type"] == "review":
                sent.append(body["rid"])
        if sent:
            reviews.mark_seen(self.conn, sent)
        return events

    def _import_bases(self) -> list[dict[str, Any]]:
        """The schedules imports gave cards here, stamped with when that state was reached
        and merged here as any device's would be (the latest one wins everywhere)."""
        events = []
        for key, base in imports.pending(self.conn):
            # after any base this device has seen of the card: a later import wins
            seen = self.regs[imports.KIND].get(key)
            after = 0 if seen is None else seen.latest() + 1
            ev = self.event({"type": "set", "kind": imports.KIND, "key": key}, after, base["as_of"])
            ev["base"], ev["values"] = {}, {imports.FIELD: base}
            events.append(ev)
            self._merge_set(ev, count=False)
        return events

    def _note_uids(self) -> set[str]:
        return {str(r[0]) for r in self.conn.execute(text("SELECT uid FROM note"))}

    def _note_mtimes(self) -> dict[str, int]:
        rows = self.conn.execute(text("SELECT uid, mtime FROM note WHERE mtime > 0"))
        return {str(r[0]): int(r[1]) for r in rows}

    def _deletion_times(self) -> dict[tuple[str, str], int]:
        out = {}
        for table in ("deletion",):
            exists = self.conn.execute(
                text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :t"), {"t": table}
            ).first()
            if exists:
                for kind, key, at in self.conn.execute(
                    text(f'SELECT kind, "key", deleted_at FROM {table}')
                ):
                    out[(str(kind), str(key))] = int(at)
        return out

    def _upload(self, values: dict[str, Any]) -> bool:
        if self.media_dir is None:
            return False
        source = self.media_dir / values["file"]
        if not source.is_file():
            return False
        self.folder.put_media(source, values["file"])
        return True

    def send(self) -> None:
        events = self.outgoing()
        if self.republish:
            events = self._everything(events)
        if not events:
            return
        number = self.folder.next_number(self.device, int(_setting(self.conn, "sync_segment", 0)))
        path = self.folder.write_segment(self.device, number, events)
        _set(self.conn, "sync_segment", number)
        self._mark_read(self.device, path.name, len(events) + 1)
        self.report.sent = len(events)
        self.report.segment = path.name

    def _everything(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """What this device knows, for a folder that has none of it (media files too)."""
        sent = {e["rid"] for e in events if e["type"] in ("review", "undo")}
        known = republish.set_events(self.conn)
        for ev in known:
            if ev["kind"] == "media" and "file" in ev["values"]:
                self._upload(ev["values"])
        bodies = [b for b in republish.answer_bodies(self.conn) if b["rid"] not in sent]
        return known + events + [self.event(b) for b in bodies]

    # -- merging ---------------------------------------------------------------------

    def _mark_read(self, device: str, name: str, lines: int) -> None:
        self.conn.execute(
            text(
                "INSERT INTO sync_file (device, name, lines) VALUES (:d, :n, :l) "
                "ON CONFLICT(device, name) DO UPDATE SET lines = excluded.lines"
            ),
            {"d": device, "n": name, "l": lines},
        )

    def receive(self) -> None:
        done = {(r[0], r[1]) for r in self.conn.execute(text("SELECT device, name FROM sync_file"))}
        answers: list[dict[str, Any]] = []
        for device in self.folder.devices():
            info = self.folder.device_info(device)
            self.names[device] = str(info.get("name") or device[:8])
            if device != self.device:
                self.report.devices.append(
                    {"id": device, "name": self.names[device], "last_seen": info.get("last_sync")}
                )
                ahead = clock_ahead(info.get("last_sync"), self.now)
                if ahead:
                    self.report.clocks.append(f"{self.names[device]}'s clock is {ahead} ahead")
            for file in self.folder.files(device):
                if (device, file.name) in done:
                    continue
                read = read_file(file.path)
                for ev in read.events:
                    self.clock = max(self.clock, int(ev["ts"]))
                    if ev["type"] == "set" and ev.get("kind") in self.regs:
                        self._merge_set(ev)
                    elif ev["type"] in ("review", "undo"):
                        answers.append(ev)
                if read.complete:
                    self._mark_read(device, file.name, read.lines)
                else:
                    self.report.waiting += 1
        self._project()
        for ev in sorted(
            answers, key=lambda e: (e["type"] != "undo", e["ts"], e["device"], e["seq"])
        ):
            if ev["type"] == "undo":
                if (
                    self.conn.execute(
                        text("SELECT 1 FROM sync_tombstone WHERE id = :i"), {"i": ev["rid"]}
                    ).first()
                    is None
                ):
                    self.report.merged += 1
                self.affected.add(reviews.merge_undo(self.conn, ev))
                self.reviews_changed = True
            else:
                key = reviews.merge_review(self.conn, ev)
                if key is not None:
                    self.report.merged += 1
                    self.affected.add(key)
                    self.reviews_changed = True
        restored = reviews.restore_orphans(self.conn)
        self.affected |= restored
        self.reviews_changed = self.reviews_changed or bool(restored)

    def _merge_set(self, ev: dict[str, Any], count: bool = True) -> None:
        kind, key = str(ev["kind"]), str(ev["key"])
        reg = self.regs[kind].setdefault(key, Register())
        at = stamp(int(ev["ts"]), str(ev["device"]), int(ev["seq"]))
        values = ev.get("values") or {}
        changed, conflicts = registers.merge(reg, values, ev.get("base") or {}, at)
        registers.save(self.conn, kind, key, reg)
        if changed and kind == imports.KIND:
            self.affected.add(key)  # replayed from the base that won
            self.report.merged += count
            return
        if changed:
            self.dirty[kind].add(key)
            self.report.merged += 1
        for outcome in conflicts:
            self._conflict(kind, key, outcome)

    def _conflict(self, kind: str, key: str, outcome: registers.Outcome) -> None:
        if kind == "note" and (outcome.field != "_alive" or outcome.kept is True):
            # a losing version, or the deletion a newer edit overruled: the editor shows it
            exists = self.conn.execute(
                text(
                    "SELECT 1 FROM note_history WHERE note_uid = :u AND field = :f AND stamp = :s"
                ),
                {"u": key, "f": outcome.field, "s": outcome.lost_stamp},
            ).first()
            if exists is None:
                self.conn.execute(
                    text(
                        "INSERT INTO note_history (note_uid, field, value, stamp, kept_at, reason) "
                        "VALUES (:u, :f, :v, :s, :t, 'sync conflict')"
                    ),
                    {
                        "u": key,
                        "f": outcome.field,
                        "v": json.dumps(outcome.lost),
                        "s": outcome.lost_stamp,
                        "t": self.now,
                    },
                )
        winner = self._device_name(outcome.winner_stamp)
        note = self.regs["note"].get(key.rpartition("/")[0]) if kind == "card" else None
        what = conflict_title(
            kind, key, self.regs[kind][key].values, None if note is None else note.values
        )
        if outcome.field == "_alive":
            verdict = "kept: edited later" if outcome.kept else "deleted: deleted later"
            self.report.conflicts.append(f"{what} {verdict} on {winner}")
        else:
            name = FIELD_NAMES.get(outcome.field, outcome.field)
            self.report.conflicts.append(
                f"{what}: the {name} from {winner} kept (the other version is in the note's "
                "history)"
            )

    def _device_name(self, value: str) -> str:
        device = value.split(".")[1]
        return self.names.get(device, device[:8])

    def _project(self) -> None:
        """Make the tables show the merged values; retry what could not be placed before."""
        for kind in KINDS:
            present = set(self.local(kind)) if kind != "setting" else set()
            for key, reg in self.regs[kind].items():
                if not reg.alive:
                    if key in self.dirty[kind] and kind in things.DELETABLE and kind != "deck":
                        things.remove(self.conn, kind, key)
                    continue
                if key not in self.dirty[kind] and (kind == "setting" or key in present):
                    continue
                if not _complete(kind, reg.values):
                    continue
                if kind == "media":
                    self._download(key, reg.values)
                elif things.apply(self.conn, kind, key, reg.values, self.now) and kind == "note":
                    self.recheck |= {f"{key}/{o}" for o in self._ords(key)}
                elif kind == "card" and key not in present:
                    self.affected.add(key)  # a card made here: its state from base and log
            if kind in ("preset", "deck") and self.dirty[kind]:
                self.recheck |= self._all_reviewed_cards()
        for key in self.dirty["deck"]:  # after the notes: a deck still used is kept
            if not self.regs["deck"][key].alive:
                things.remove(self.conn, "deck", key)

    def _ords(self, uid: str) -> list[int]:
        rows = self.conn.execute(
            text("SELECT c.ord FROM card c JOIN note n ON n.id = c.note_id WHERE n.uid = :u"),
            {"u": uid},
        )
        return [int(r[0]) for r in rows]

    def _all_reviewed_cards(self) -> set[str]:
        rows = self.conn.execute(
            text(
                "SELECT DISTINCT n.uid || '/' || c.ord FROM review_log r "
                "JOIN card c ON c.id = r.card_id JOIN note n ON n.id = c.note_id"
            )
        )
        return {str(r[0]) for r in rows}

    def _download(self, sha: str, values: dict[str, Any]) -> None:
        if self.media_dir is None:
            return
        source = self.folder.media_dir / str(values["file"])
        target = self.media_dir / str(values["file"])
        if not target.exists():
            if not source.is_file():
                return  # not synced here yet: tried again next time
            self.media_dir.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
            try:
                shutil.copyfile(source, tmp)
                tmp.replace(target)
            finally:
                tmp.unlink(missing_ok=True)
        self.conn.execute(
            text("INSERT OR IGNORE INTO media (sha256, name, size) VALUES (:s, :n, :z)"),
            {"s": sha, "n": values["name"], "z": values["size"]},
        )

    def finish(self) -> None:
        replay(self.conn, self.affected)
        replay(self.conn, self.recheck - self.affected, only_if_rescheduled=True)
        reviews.mark_sent(self.conn)
        _set(self.conn, "sync_seq", self.seq)
        _set(self.conn, "sync_clock", self.clock)
        _set(self.conn, "sync_last", self.now)
        _set(self.conn, "sync_devices", self.report.devices)


_MISSING = object()
_REQUIRED = {
    "preset": things.PRESET_FIELDS,
    "notetype": things.NOTETYPE_FIELDS,
    "deck": ("name", "description", "source", "preset", "position", "origin"),
    "note": (*things.NOTE_FIELDS, "deck", "notetype", "tags"),
    "media": ("name", "size", "file"),
}


def _complete(kind: str, values: dict[str, Any]) -> bool:
    """Whether the merged values are enough to create the thing (an edit can arrive
    before the add it follows: the thing waits)."""
    return all(f in values for f in _REQUIRED.get(kind, ()))


def run_sync(
    conn: Connection, folder: SyncFolder, device: str, now_ms: int, media_dir: Path | None
) -> tuple[SyncReport, bool]:
    """Send, merge and replay in the caller's transaction. Returns the report and whether
    answers were added or removed (the statistics need rebuilding then)."""
    folder.check()
    last = _setting(conn, "sync_last_folder", None)
    if last == str(folder.folder) and not folder.device_dir(device).is_dir():
        # Our own files were there last time: an unmounted share's empty mount point, or a
        # sync client that has not brought the folder back yet. Writing here would put
        # this device's next segment where the others never see it.
        raise SyncFolderMissing(
            f"the sync folder {folder.folder} does not hold this computer's files any more "
            "(not mounted, or not synced back yet?); if it was emptied on purpose, choose it "
            "again in Tools > Sync"
        )
    folder.sweep_own(device)
    run = _Run(conn, folder, device, now_ms, media_dir)
    run.republish = bool(_setting(conn, "sync_joined", False)) and not (
        folder.device_dir(device).is_dir()
    )
    if not _setting(conn, "sync_joined", False):
        # A device joining: take in what the folder has first, so that what both have
        # keeps the folder's version; then send what only this device has.
        run.receive()
        run.send()
        _set(conn, "sync_joined", True)
    else:
        run.send()
        run.receive()
    run.finish()
    _set(conn, "sync_last_folder", str(folder.folder))
    return run.report, run.reviews_changed
