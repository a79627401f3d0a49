"""The hall node's single writer: many windows and kiosks at once never share a ticket or a
number, an acknowledged operation is on disk, and a failed write acknowledges nothing."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from hall.config import HallConfig
from hall.engine import Engine
from hall.events import Event, EventKind
from hall.node import HallNode, InternalError
from hall.state import Appointment
from hall.store import Store, StoreError


@pytest.fixture
def all_day(example_config: HallConfig) -> HallConfig:
    """The example hall, open all day (the node runs on the real clock here)."""
    return replace(example_config, rules=replace(example_config.rules, open_all_day=True))


@pytest.fixture
def node(all_day: HallConfig, tmp_path: Path) -> Iterator[HallNode]:
    started = HallNode(all_day, tmp_path / "data").start()
    yield started
    started.stop()


def _issue(service: str) -> Any:
    return lambda engine, now: engine.issue(service, now)


def _open_window(number: str) -> Any:
    return lambda engine, now: engine.open_window(number, now)


def _windows_open(node: HallNode, *numbers: str) -> None:
    for number in numbers:
        node.run(_open_window(number))


def test_many_windows_and_kiosks_at_once(node: HallNode, all_day: HallConfig,
                                         tmp_path: Path) -> None:
    windows = list(all_day.windows)
    _windows_open(node, *windows)
    issued: list[tuple[str, str]] = []           # (ticket id, number) acknowledged
    called: dict[str, list[str]] = {w: [] for w in windows}
    kiosks_done = threading.Event()
    errors: list[BaseException] = []

    def kiosk(services: list[str]) -> None:
        try:
            for i in range(30):
                result = node.run(_issue(services[i % len(services)]))
                issued.append((result.ticket.id, result.ticket.number))
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    def window(number: str) -> None:
        try:
            while True:
                ticket = node.run(lambda engine, now: engine.call_next(number, now))
                if ticket is None:
                    if kiosks_done.is_set() and not node.read(
                            lambda engine, now: engine.state.waiting()):
                        return
                    time.sleep(0.02)
                    continue
                called[number].append(ticket.id)
                node.run(lambda engine, now: engine.finish(number, now))
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    mixes = [["A"], ["B"], ["C"], ["A", "B"], ["B", "C"], ["C", "A"], ["A01"], ["C04", "B02"]]
    kiosks = [threading.Thread(target=kiosk, args=(mix,)) for mix in mixes]
    consoles = [threading.Thread(target=window, args=(w,)) for w in windows]
    for thread in kiosks + consoles:
        thread.start()
    for thread in kiosks:
        thread.join(60)
    kiosks_done.set()
    for thread in consoles:
        thread.join(60)
    assert not errors
    assert not any(t.is_alive() for t in kiosks + consoles)

    assert len(issued) == 8 * 30
    numbers = Counter(number for _, number in issued)
    assert max(numbers.values()) == 1, "a number was issued twice"
    every_call = [ticket for tickets in called.values() for ticket in tickets]
    assert Counter(every_call).most_common(1)[0][1] == 1, "a ticket went to two windows"
    assert sorted(every_call) == sorted(i for i, _ in issued)       # everyone was served
    themes = node.read(lambda engine, now: {i: t.theme for i, t in engine.state.tickets.items()})
    for number, tickets in called.items():                          # each by a window of its
        assert {themes[t] for t in tickets} <= set(all_day.windows[number].skills)  # skills
    last_seq = node.store.last_seq
    node.stop()

    store = Store(tmp_path / "data" / "hall.sqlite3")
    try:
        for ticket_id, number in issued:
            found = store.find_ticket(ticket_id)
            assert found is not None and found.number == number
            assert found.status.value == "finished"
        events = store.events_after(0, limit=100_000)
        assert [e.seq for e in events] == list(range(1, last_seq + 1))
        kinds = Counter(e.kind for e in events)
        assert kinds[EventKind.TICKET_ISSUED] == kinds[EventKind.TICKET_CALLED] \
            == kinds[EventKind.TICKET_FINISHED] == len(issued)
    finally:
        store.close()


def test_an_acknowledged_operation_is_already_on_disk(node: HallNode, tmp_path: Path) -> None:
    heard: list[list[int]] = []
    node.add_listener(lambda events: heard.append([e.seq for e in events]))
    ticket = node.run(_issue("B")).ticket
    # another connection (another process would see the same) finds it right away
    other = sqlite3.connect(tmp_path / "data" / "hall.sqlite3")
    try:
        rows = other.execute("SELECT number, status FROM tickets WHERE id = ?",
                             (ticket.id,)).fetchall()
        seqs = other.execute("SELECT seq, kind FROM events").fetchall()
    finally:
        other.close()
    assert rows == [("B001", "waiting")]
    assert seqs == [(1, EventKind.TICKET_ISSUED)]
    deadline = time.monotonic() + 5
    while not heard and time.monotonic() < deadline:
        time.sleep(0.01)
    assert heard == [[1]]


def _blocked_writer(node: HallNode) -> tuple[threading.Event, Future]:
    """Occupy the writer with one operation until the returned gate is set, so that what is
    submitted meanwhile is written as the next batch, all together."""
    gate = threading.Event()
    inside = threading.Event()

    def blocker(engine: Engine, now: datetime) -> tuple[Any, list[Event]]:
        inside.set()
        gate.wait(10)
        return engine.issue("A", now)

    future = node.submit(blocker)
    assert inside.wait(5)
    return gate, future


@pytest.mark.allow_log("could not write")
def test_a_failed_write_acknowledges_nothing_of_its_batch(node: HallNode, tmp_path: Path
                                                          ) -> None:
    heard: list[str] = []
    node.add_listener(lambda events: heard.extend(e.kind for e in events))
    _windows_open(node, "1")
    gate, first = _blocked_writer(node)
    batch = [node.submit(_issue("A")) for _ in range(4)]
    batch.append(node.submit(lambda engine, now: engine.call_next("1", now)))
    # the disk refuses writes from now on (a real SQLite error, not a fake)
    node.store._conn.execute("PRAGMA query_only = ON")
    gate.set()
    with pytest.raises(StoreError):
        first.result(10)
    for future in batch:
        with pytest.raises(StoreError, match="readonly"):
            future.result(10)
    assert heard == [EventKind.WINDOW_OPENED]                 # no event of the failed batches
    # the state was reloaded from disk: nothing of the batch is left in memory
    assert node.read(lambda engine, now: (dict(engine.state.counters),
                                          engine.state.windows["1"].current)) == ({}, None)
    node.store._conn.execute("PRAGMA query_only = OFF")
    after = node.run(_issue("A"))
    assert after.ticket.number == "A001"
    assert node.run(lambda engine, now: engine.call_next("1", now)) is after.ticket
    assert node.store.last_seq == 3
    assert [e.seq for e in node.store.events_after(0)] == [1, 2, 3]


@pytest.mark.allow_log("could not write")
def test_a_commit_that_raises_once_fails_its_batch_only(node: HallNode,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    real_commit = Store.commit
    failures: list[int] = []

    def commit_fails_once(self: Store, state: Any, events: list[Event]) -> list[Event]:
        if not failures:
            failures.append(len(events))
            raise StoreError("database or disk is full")
        return real_commit(self, state, events)

    node.run(_issue("C"))
    gate, first = _blocked_writer(node)
    batch = [node.submit(_issue("C")) for _ in range(3)]
    monkeypatch.setattr(Store, "commit", commit_fails_once)
    gate.set()
    outcomes = [f.exception(10) for f in (first, *batch)]
    assert failures == [1]                              # the blocker's batch, alone
    assert isinstance(outcomes[0], StoreError)
    # the next batch was written: numbers carry on from what is on disk
    assert outcomes[1:] == [None, None, None]
    assert sorted(f.result().ticket.number for f in batch) == ["C002", "C003", "C004"]


@pytest.mark.allow_log("bug in an operation")
def test_a_bug_in_an_operation_fails_its_batch_as_internal_error(node: HallNode) -> None:
    gate, first = _blocked_writer(node)
    good = node.submit(_issue("B"))

    def buggy(engine: Engine, now: datetime) -> tuple[Any, list[Event]]:
        engine.issue("B", now)
        raise ZeroDivisionError("bug")

    bad = node.submit(buggy)
    gate.set()
    assert first.result(10).ticket.number == "A001"      # its own batch, written
    for future in (good, bad):
        assert isinstance(future.exception(10), InternalError)
    assert node.read(lambda engine, now: sorted(engine.state.tickets)) == [first.result().ticket.id]
    assert node.run(_issue("B")).ticket.number == "B001"


def test_a_refused_operation_does_not_fail_its_batch(node: HallNode) -> None:
    from hall.errors import QueueError

    gate, first = _blocked_writer(node)
    refused = node.submit(lambda engine, now: engine.call_next("1", now))   # window closed
    fine = node.submit(_issue("A"))
    gate.set()
    assert first.result(10).ticket.number == "A001"
    error = refused.exception(10)
    assert isinstance(error, QueueError) and error.code == "window_closed"
    assert fine.result(10).ticket.number == "A002"


def test_state_survives_a_restart(all_day: HallConfig, tmp_path: Path) -> None:
    node = HallNode(all_day, tmp_path / "data").start()
    try:
        _windows_open(node, "14")
        for _ in range(3):
            node.run(_issue("B"))
        called = node.run(lambda engine, now: engine.call_next("14", now))
        key = node.id_key
    finally:
        node.stop()
    again = HallNode(all_day, tmp_path / "data").start()
    try:
        assert again.id_key == key                      # per-ID limits hold across restarts
        window = again.read(lambda engine, now: engine.state.windows["14"])
        assert window.status.value == "open" and window.current == called.id
        assert again.run(_issue("B")).ticket.number == "B004"
    finally:
        again.stop()


def test_rolling_over_to_a_new_day_on_the_nodes_clock(example_config: HallConfig,
                                                       tmp_path: Path) -> None:
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    now = [datetime(2024, 3, 12, 16, 0, tzinfo=ZoneInfo("Asia/Shanghai"))]
    node = HallNode(example_config, tmp_path / "data", clock=lambda: now[0]).start()
    try:
        yesterday = node.run(_issue("C")).ticket.id
        now[0] += timedelta(days=1)
        today = node.run(_issue("C")).ticket
        assert (today.id, today.number) == ("20240313-C001", "C001")
        expired = [e for e in node.store.events_after(0) if e.kind == EventKind.TICKET_EXPIRED]
        assert [e.data["ticket"] for e in expired] == [yesterday]
        old = node.store.find_ticket(yesterday)
        assert old is not None and old.status.value == "cancelled"
    finally:
        node.stop()


def test_stop_finishes_what_was_submitted(all_day: HallConfig, tmp_path: Path) -> None:
    node = HallNode(all_day, tmp_path / "data").start()
    futures = [node.submit(_issue("A")) for _ in range(20)]
    node.stop()
    assert [f.result(0).ticket.number for f in futures] == [f"A{i:03d}" for i in range(1, 21)]
    with pytest.raises(sqlite3.ProgrammingError):
        node.store.events_after(0)                      # the store was closed



def test_personal_data_is_erased_after_its_retention(all_day: HallConfig, tmp_path: Path,
                                                    clock: Any, id_number: Any) -> None:
    """ID hashes and masked numbers go after ``personal_data_days`` (30); the tickets stay."""
    person = id_number(date(1950, 1, 1))

    def issue_refer_book(engine: Engine, now: datetime) -> tuple[tuple[str, str], list[Event]]:
        issued, events = engine.issue("A02", now, id_number=person)
        referral, more = engine.leasing.refer("A02", "GD-SZ-NS-002", now, id_number=person)
        slot = now.timestamp()
        more += engine.save_appointment(Appointment(
            id=f"AP{slot:.0f}", theme="A", item=None, slot_start=slot, slot_end=slot + 1800,
            id_hash=issued.ticket.id_hash), now)
        return (issued.ticket.id, f"AP{slot:.0f}"), events + more

    def a_day(days_later: int) -> tuple[str, str]:
        clock.advance(minutes=days_later * 24 * 60)
        node = HallNode(all_day, tmp_path / "data", clock=clock, id_key=b"k" * 32).start()
        try:
            assert node.purge_personal() is None, "done at start, once a day"
            return node.run(issue_refer_book)
        finally:
            node.stop()

    old = a_day(0)
    recent = a_day(29)
    a_day(2)                                  # 31 days after the first
    store = Store(tmp_path / "data" / "hall.sqlite3")
    try:
        def kept(ticket: str, appointment: str) -> tuple[bool, bool, bool]:
            found = store.find_ticket(ticket)
            assert found is not None
            booked = store.db.table("appointments").get(appointment)
            return (found.id_hash is not None, found.id_masked is not None,
                    booked["id_hash"] is not None)
        assert kept(*old) == (False, False, False), "erased after 30 days"
        assert kept(*recent) == (True, True, True)
        people = [json.loads(r["data"])["person"] for r in store.db.table("referrals").rows]
        assert [p is not None for p in people] == [False, True, True]
        assert store.find_ticket(old[0]).issued_at > 0, "the ticket itself stays (statistics)"
    finally:
        store.close()
