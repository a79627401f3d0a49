"""Storing a hall's event log at central: exactly once, gaps detected, projections updated.

Each hall's events are keyed ``(hall_id, seq)``. A batch is written in one transaction that
first locks the hall's row of ``halls`` (``SELECT … FOR UPDATE``: one hall's batches are
serialised, different halls ingest in parallel). Under that lock central knows exactly which
of the batch's events it lacks: those above the contiguous high-water mark ``acked`` that are
not among the few stored beyond a gap. It appends only those — by ``COPY`` on PostgreSQL for a
big batch, else by an ``INSERT … unnest`` sent in one pipelined round trip with the projections'
small upserts — so a retry never duplicates (the primary key stays the last guard: a duplicate
would abort the transaction, never be stored). It then moves ``acked`` forward and applies the
events between the old and the new mark to the projections (``central/projection.py``), in
sequence order and exactly once. The answer tells the agent where to resume: ``acked`` and the
``missing`` ranges between it and the highest event stored.

On PostgreSQL the ingest transaction commits asynchronously (``synchronous_commit = off``, on
connections kept for ingest only): every event stays in the hall's own log, so the fraction of
a second of batches a crash of the database could lose is found missing (``acked`` goes back)
and sent again by the agent. Every other write of central stays synchronous.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from central import fastjson
from central.db import Database, Tx
from central.errors import bad_request
from central.projection import FACT_COLUMNS, Changes, project
from hall.bounds import is_seq, is_time

#: Most events accepted in one batch.
MAX_BATCH = 5000
#: From this many new rows on, they go in by COPY; fewer ride in the one pipelined round trip.
COPY_ROWS = 300
_EVENT_COLUMNS = ("hall_id", "seq", "ts", "kind", "data")
_EVENT_TYPES = ("text", "int8", "float8", "text", "text")
_FACT_COLUMNS = ("hall_id", *FACT_COLUMNS)
_FACT_TYPES = ("text",) * 8 + ("float8", "float8")
_MAX_KIND = 64


@dataclass
class IngestResult:
    """Central's answer to a batch."""

    acked: int
    missing: list[tuple[int, int]] = field(default_factory=list)
    stored: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The JSON answer."""
        return {"acked": self.acked, "missing": [list(r) for r in self.missing],
                "stored": self.stored}


def validate_batch(batch: Any) -> list[dict[str, Any]]:
    """Check a batch ``[{seq, kind, ts, data}]`` (seq strictly increasing, at most 2^63−1;
    ts a time from 2000 to 2100); raise 422."""
    if not isinstance(batch, list):
        raise bad_request("events must be a list")
    if len(batch) > MAX_BATCH:
        raise bad_request(f"at most {MAX_BATCH} events per batch")
    previous = 0
    for event in batch:
        if not isinstance(event, dict):
            raise bad_request("each event is an object")
        seq, kind, ts, data = event.get("seq"), event.get("kind"), event.get("ts"), \
            event.get("data")
        if not is_seq(seq, previous + 1):
            raise bad_request("seq must be a positive integer (at most 2^63-1), increasing "
                              "within the batch")
        if not isinstance(kind, str) or not 0 < len(kind) <= _MAX_KIND:
            raise bad_request(f"event {seq}: kind must be a short string")
        if not is_time(ts) or not isinstance(data, dict):
            raise bad_request(f"event {seq}: ts must be a time (POSIX seconds, 2000 to 2100) "
                              "and data an object")
        previous = seq
    return batch


def _lock_hall(tx: Tx, hall_id: str) -> tuple[int, int, int]:
    sql = "SELECT acked, max_seq, head_seq FROM halls WHERE hall_id = ?" + tx.for_update
    row = tx.one(sql, (hall_id,))
    if row is None:
        tx.execute("INSERT INTO halls (hall_id) VALUES (?) ON CONFLICT DO NOTHING", (hall_id,))
        row = tx.one(sql, (hall_id,))
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def _contiguous(acked: int, stored: list[int]) -> tuple[int, list[tuple[int, int]]]:
    """The new high-water mark and the gaps above it, given the sorted seqs above ``acked``."""
    mark, missing, expected = acked, [], acked + 1
    for seq in stored:
        if seq > expected:
            missing.append((expected, seq - 1))
        elif not missing:
            mark = seq
        expected = seq + 1
    return mark, missing


def ingest(db: Database, hall_id: str, batch: list[dict[str, Any]], head_seq: int = 0,
           now: float | None = None) -> IngestResult:
    """Store a validated batch of one hall's events; see the module docstring."""
    now = time.time() if now is None else now
    with db.transaction(durable=False) as tx:
        acked, max_seq, head = _lock_hall(tx, hall_id)
        fresh = [e for e in batch if e["seq"] > acked]
        earlier: set[int] = set()
        if max_seq > acked:  # events beyond a gap were stored before: rare, read them
            earlier = {r[0] for r in tx.all(
                "SELECT seq FROM events WHERE hall_id = ? AND seq > ?", (hall_id, acked))}
        new = [e for e in fresh if e["seq"] not in earlier]
        stored = sorted(earlier | {e["seq"] for e in new})
        mark, missing = _contiguous(acked, stored)
        run = [e for e in fresh if e["seq"] <= mark]
        if earlier and mark > acked:  # the gap is filled: apply the events stored beyond it too
            merged = {e["seq"]: e for e in _events_between(tx, hall_id, acked, mark)}
            merged.update((e["seq"], e) for e in run)
            run = [merged[seq] for seq in sorted(merged)]
        changes = project(run)
        rows = [(hall_id, e["seq"], float(e["ts"]), e["kind"], fastjson.dumps(e["data"]))
                for e in new]
        facts = [(hall_id, *fact) for fact in changes.facts]
        bulky = len(rows) + len(facts) >= COPY_ROWS
        if bulky:
            tx.copy_rows("events", _EVENT_COLUMNS, rows)
            tx.copy_rows("ticket_facts", _FACT_COLUMNS, facts)
        top = max(max_seq, stored[-1] if stored else 0)
        last_ts = batch[-1]["ts"] if batch else None
        with tx.pipeline():  # everything else in one round trip
            if not bulky:
                tx.insert_rows("events", _EVENT_COLUMNS, _EVENT_TYPES, rows)
                tx.insert_rows("ticket_facts", _FACT_COLUMNS, _FACT_TYPES, facts)
            upsert_live(tx, hall_id, changes)
            tx.execute("UPDATE halls SET acked = ?, max_seq = ?, head_seq = ?, last_push_at = ?, "
                       "last_event_ts = COALESCE(?, last_event_ts) WHERE hall_id = ?",
                       (mark, top, max(head, head_seq, top), now, last_ts, hall_id))
    return IngestResult(acked=mark, missing=missing, stored=len(new))


def _events_between(tx: Tx, hall_id: str, after: int, upto: int) -> list[dict[str, Any]]:
    rows = tx.all("SELECT seq, ts, kind, data FROM events WHERE hall_id = ? AND seq > ? "
                  "AND seq <= ? ORDER BY seq", (hall_id, after, upto))
    return [{"seq": r[0], "ts": r[1], "kind": r[2], "data": json.loads(r[3])} for r in rows]


def upsert_live(tx: Tx, hall_id: str, changes: Changes) -> None:
    """Apply the live view's changes (from events in order, after those already applied)."""
    tx.executemany(
        "INSERT INTO live_themes (hall_id, theme, waiting, service_count, service_sum, "
        "updated_ts) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (hall_id, theme) DO UPDATE SET "
        "waiting = CASE WHEN ? = 1 THEN 0 ELSE live_themes.waiting END + excluded.waiting, "
        "service_count = live_themes.service_count + excluded.service_count, "
        "service_sum = live_themes.service_sum + excluded.service_sum, "
        "updated_ts = excluded.updated_ts",
        [(hall_id, theme, c.waiting, c.service_count, c.service_sum, c.ts, int(c.reset))
         for theme, c in changes.themes.items()])
    tx.executemany(
        "INSERT INTO live_windows (hall_id, window_no, status, updated_ts) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (hall_id, window_no) DO UPDATE SET status = excluded.status, "
        "updated_ts = excluded.updated_ts",
        [(hall_id, window, status, ts) for window, (status, ts) in changes.windows.items()])


def sync_state(db: Database, hall_id: str) -> dict[str, Any]:
    """Where a hall's log stands at central: acked, missing ranges, highest stored, head."""
    with db.transaction() as tx:
        row = tx.one("SELECT acked, max_seq, head_seq, last_event_ts, last_push_at FROM halls "
                     "WHERE hall_id = ?", (hall_id,))
        if row is None:
            return {"hall_id": hall_id, "acked": 0, "max_seq": 0, "head_seq": 0,
                    "missing": [], "last_event_ts": None, "last_push_at": None}
        acked, max_seq = int(row[0]), int(row[1])
        missing: list[tuple[int, int]] = []
        if max_seq > acked:
            stored = [r[0] for r in tx.all("SELECT seq FROM events WHERE hall_id = ? AND seq > ? "
                                           "ORDER BY seq", (hall_id, acked))]
            missing = _contiguous(acked, stored)[1]
    return {"hall_id": hall_id, "acked": acked, "max_seq": max_seq, "head_seq": int(row[2]),
            "missing": [list(r) for r in missing], "last_event_ts": row[3],
            "last_push_at": row[4]}


def events_after(db: Database, hall_id: str, after: int, limit: int = 1000
                 ) -> list[dict[str, Any]]:
    """A hall's stored events with seq above ``after``, oldest first."""
    with db.transaction() as tx:
        rows = tx.all("SELECT seq, ts, kind, data FROM events WHERE hall_id = ? AND seq > ? "
                      "ORDER BY seq LIMIT ?", (hall_id, after, limit))
    return [{"seq": r[0], "ts": r[1], "kind": r[2], "data": json.loads(r[3])} for r in rows]
