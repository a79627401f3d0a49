"""The hall's SQLite store: named migrations, one transaction per batch (events and state
together or not at all), the state read back as it was written, and paired device tokens."""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from hall.engine import Engine
from hall.events import Event
from hall.state import Appointment, HallState, Ticket, TicketStatus, WindowStatus
from hall.store import MIGRATIONS, PairedDevice, Store, StoreError

DAY = "2024-03-12"


def _rows(store: Store, sql: str, *params: Any) -> list[tuple]:
    return [tuple(r) for r in store._conn.execute(sql, params).fetchall()]


def _engine(store: Store, example_config: Any, day: str = DAY) -> Engine:
    return Engine(example_config, store.load_state(day), b"k" * 32)


def _event(kind: str, **data: Any) -> Event:
    return Event(kind=kind, ts=1710208800.0, data=data, hall_id="T")


# ---------------------------------------------------------------------- migrations
def test_migrations_are_recorded_and_applied_once(tmp_path: Path) -> None:
    path = tmp_path / "hall.sqlite3"
    first = Store(path)
    try:
        names = [name for name, _ in MIGRATIONS]
        assert [r[0] for r in _rows(first, "SELECT name FROM _migrations ORDER BY name")] == names
        assert first.migrate() == []
        tables = set(first.db.table_names())
        assert {"events", "tickets", "windows", "counters", "devices", "meta"} <= tables
        assert _rows(first, "PRAGMA journal_mode") == [("wal",)]
        first.set_meta("marker", "kept")
    finally:
        first.close()
    again = Store(path)
    try:
        assert again.migrate() == []
        assert len(_rows(again, "SELECT name FROM _migrations")) == len(MIGRATIONS)
        assert again.get_meta("marker") == "kept"          # reopening keeps the data
    finally:
        again.close()


def test_a_migration_that_fails_leaves_no_record(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(db: Any) -> None:
        db.table("half_done").create({"x": int})
        raise RuntimeError("disk said no")

    monkeypatch.setattr("hall.store.MIGRATIONS", [*MIGRATIONS, ("999_broken", broken)])
    with pytest.raises(RuntimeError):
        Store(tmp_path / "hall.sqlite3")
    monkeypatch.setattr("hall.store.MIGRATIONS", MIGRATIONS)
    store = Store(tmp_path / "hall.sqlite3")
    try:
        assert "half_done" not in store.db.table_names()
        assert [r[0] for r in _rows(store, "SELECT name FROM _migrations")] == [
            name for name, _ in MIGRATIONS]
    finally:
        store.close()


# ---------------------------------------------------------------------- commit
def test_events_get_consecutive_sequence_numbers(store: Store) -> None:
    state = HallState(day=DAY)
    first = store.commit(state, [_event("a.one", n=1), _event("a.two", n=2)])
    assert [e.seq for e in first] == [1, 2]
    assert store.commit(state, []) == []
    second = store.commit(state, [_event("b.one", text="请 A001 号到 3 号窗口")])
    assert [e.seq for e in second] == [3] and store.last_seq == 3
    found = store.events_after(0)
    assert [(e.seq, e.kind) for e in found] == [(1, "a.one"), (2, "a.two"), (3, "b.one")]
    assert found[2].data == {"text": "请 A001 号到 3 号窗口"}
    assert [e.seq for e in store.events_after(2)] == [3]
    assert [e.seq for e in store.events_after(0, limit=2)] == [1, 2]


def test_sequence_numbers_continue_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "hall.sqlite3"
    store = Store(path)
    try:
        store.commit(HallState(day=DAY), [_event("x"), _event("y")])
    finally:
        store.close()
    store = Store(path)
    try:
        assert store.last_seq == 2
        assert [e.seq for e in store.commit(HallState(day=DAY), [_event("z")])] == [3]
    finally:
        store.close()


def test_commit_writes_the_state_with_its_events(store: Store, example_config: Any,
                                                 clock: Any) -> None:
    engine = _engine(store, example_config)
    events: list[Event] = []
    events += engine.open_window("3", clock(), staff_id="S001")[1]
    for service in ("A", "A01", "B"):
        events += engine.issue(service, clock.advance(seconds=5))[1]
    events += engine.call_next("3", clock.advance(seconds=5))[1]
    committed = store.commit(engine.state, events)
    assert [e.seq for e in committed] == [1, 2, 3, 4, 5]
    assert not engine.state.dirty_tickets and not engine.state.dirty_windows
    assert _rows(store, "SELECT number, status, window FROM tickets ORDER BY number") == [
        ("A001", "called", "3"), ("A002", "waiting", None), ("B001", "waiting", None)]
    assert _rows(store, "SELECT theme, last FROM counters WHERE day = ?", DAY) == [
        ("A", 2), ("B", 1)]
    assert _rows(store, "SELECT status, current, staff_id FROM windows WHERE number = '3'") == [
        ("open", "20240312-A001", "S001")]
    assert store.get_meta("day") == DAY


def _ticket_violating_unique_day_number(engine: Engine) -> Ticket:
    """A second A001 of the day under another id: the (day, number) index refuses it."""
    original = engine.state.tickets["20240312-A001"]
    twin = Ticket(**{**asdict(original), "id": "20240312-A001-twin"})
    engine.state.tickets[twin.id] = twin
    engine.state.dirty_tickets.add(twin.id)
    return twin


def test_a_failed_commit_writes_nothing_and_raises_store_error(store: Store, example_config: Any,
                                                              clock: Any) -> None:
    engine = _engine(store, example_config)
    store.commit(engine.state, engine.issue("A", clock())[1])
    assert store.last_seq == 1
    before_events = _rows(store, "SELECT * FROM events")
    before_tickets = _rows(store, "SELECT * FROM tickets")
    before_windows = _rows(store, "SELECT * FROM windows")
    # one batch: a new ticket, a window opened and called, and a row the index refuses
    events = engine.issue("B", clock.advance(seconds=1))[1]
    events += engine.open_window("14", clock())[1]
    events += engine.call_next("14", clock())[1]
    _ticket_violating_unique_day_number(engine)
    with pytest.raises(StoreError, match="UNIQUE"):
        store.commit(engine.state, events)
    assert _rows(store, "SELECT * FROM events") == before_events
    assert _rows(store, "SELECT * FROM tickets") == before_tickets
    assert _rows(store, "SELECT * FROM windows") == before_windows
    assert _rows(store, "SELECT last FROM counters WHERE theme = 'B'") == []
    assert store.last_seq == 1
    assert engine.state.dirty_tickets            # nothing forgotten: the caller reloads
    # the store is still usable and numbers events on without a gap
    fresh = _engine(store, example_config)
    assert set(fresh.state.tickets) == {"20240312-A001"}
    assert fresh.state.windows["14"].status is WindowStatus.CLOSED
    committed = store.commit(fresh.state, fresh.issue("C", clock())[1])
    assert [e.seq for e in committed] == [2]


def test_readers_in_other_threads_never_see_a_batch_being_written(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The API reads events from other threads: it must not stream an event that then
    fails to commit (its sequence number would be given to another event)."""
    seen: list[list[int]] = []
    reader = threading.Thread(target=lambda: seen.append([e.seq for e in store.events_after(0)]))

    def write_fails_while_someone_reads(conn: Any, state: Any) -> None:
        reader.start()
        reader.join(0.3)           # the reader waits for the transaction instead
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store, "_write_state", write_fails_while_someone_reads)
    with pytest.raises(StoreError, match="disk I/O"):
        store.commit(HallState(day=DAY), [_event("never.written")])
    reader.join(5)
    assert seen == [[]]
    assert store.events_after(0) == []


def test_the_service_day_is_recorded_even_after_a_failed_commit_of_the_new_day(
        store: Store, example_config: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A restart must load the day the tickets on disk belong to, or numbers start again at
    A001 and collide with the tickets already given."""
    engine = _engine(store, example_config)
    store.commit(engine.state, engine.issue("A", clock())[1])
    assert store.get_meta("day") == DAY
    real_write = Store._write_state

    def commit_fails_at_the_end(self: Store, conn: Any, state: Any) -> None:
        real_write(self, conn, state)
        raise sqlite3.OperationalError("disk I/O error")

    tomorrow = clock.advance(timedelta(days=1).total_seconds())
    events = engine.roll_day(tomorrow) + engine.issue("A", tomorrow)[1]
    monkeypatch.setattr(Store, "_write_state", commit_fails_at_the_end)
    with pytest.raises(StoreError):
        store.commit(engine.state, events)
    monkeypatch.setattr(Store, "_write_state", real_write)
    assert store.get_meta("day") == DAY
    # the node reloads and does the same again; this time the disk takes it
    engine = _engine(store, example_config)
    events = engine.roll_day(tomorrow) + engine.issue("A", tomorrow)[1]
    store.commit(engine.state, events)
    assert store.get_meta("day") == "2024-03-13"
    restarted = _engine(store, example_config, day="2024-03-13")
    assert restarted.state.day == "2024-03-13"
    assert restarted.issue("A", tomorrow)[0].ticket.number == "A002"


def test_a_failure_inside_a_nested_transaction_rolls_back_to_its_savepoint(store: Store
                                                                          ) -> None:
    with store.atomic():
        store.set_meta("outer", "1")
        with pytest.raises(sqlite3.IntegrityError):
            with store.atomic() as conn:
                conn.execute("INSERT INTO meta (key, value) VALUES ('inner', '2')")
                conn.execute("INSERT INTO meta (key, value) VALUES ('inner', '3')")
    assert store.get_meta("outer") == "1"
    assert store.get_meta("inner") is None


# ---------------------------------------------------------------------- load_state
def test_load_state_round_trips_what_was_committed(tmp_path: Path, example_config: Any,
                                                   clock: Any, id_number: Any) -> None:
    from datetime import date

    path = tmp_path / "hall.sqlite3"
    store = Store(path)
    try:
        engine = _engine(store, example_config)
        now_ts = time.time()
        appointment = Appointment(id="AP-7", theme="C", item="C04", slot_start=now_ts - 600,
                                  slot_end=now_ts + 1200, id_hash="abc")
        events = engine.save_appointment(appointment, clock())
        for window in ("1", "20"):
            events += engine.open_window(window, clock())[1]
        events += engine.pause("20", clock())[1]
        elderly = engine.issue("A02", clock.advance(seconds=3),
                               id_number=id_number(date(1940, 2, 2)))[0].ticket
        events += engine.issue("C", clock.advance(seconds=3), appointment_id="AP-7")[1]
        events += engine.issue("A", clock.advance(seconds=3))[1]
        events += engine.call_next("1", clock.advance(seconds=3))[1]
        events += engine.start_serving("1", clock.advance(seconds=30))[1]
        events += engine.finish("1", clock.advance(seconds=300))[1]
        events += engine.rate(elderly.id, 4, clock())[1]
        events += engine.call_next("1", clock())[1]
        store.commit(engine.state, events)
        written = engine.state
    finally:
        store.close()

    store = Store(path)
    try:
        loaded = store.load_state("2099-01-01")           # the committed day wins
        assert loaded.day == DAY
        assert {i: asdict(t) for i, t in loaded.tickets.items()} == \
            {i: asdict(t) for i, t in written.tickets.items()}
        assert {n: asdict(w) for n, w in loaded.windows.items()} == \
            {n: asdict(w) for n, w in written.windows.items() if n in loaded.windows}
        assert set(loaded.windows) == {"1", "20"}         # only windows that ever changed
        assert loaded.windows["20"].status is WindowStatus.PAUSED
        assert loaded.counters == {"A": 2, "C": 1}
        assert loaded.service_means == written.service_means
        assert loaded.service_spreads == written.service_spreads != {}   # the estimate's cv²
        assert loaded.service_counts == {"A": 1, "A02": 1}
        assert asdict(loaded.appointments["AP-7"]) == asdict(written.appointments["AP-7"])
        assert loaded.appointments["AP-7"].ticket_id == "20240312-C001"
        reloaded = loaded.tickets[elderly.id]
        assert reloaded.status is TicketStatus.FINISHED and reloaded.elderly is True
        assert reloaded.rating == 4 and reloaded.id_masked == elderly.id_masked
        # an engine over the loaded state carries on where the old one stopped
        engine = Engine(example_config, loaded, b"k" * 32)
        issued, _ = engine.issue("A", clock.advance(seconds=1))
        assert issued.ticket.number == "A003" and issued.ahead == 0
        assert engine.state.windows["1"].current == "20240312-A002"
    finally:
        store.close()


def test_load_state_of_a_fresh_store_is_empty_for_today(store: Store) -> None:
    state = store.load_state(DAY)
    assert state.day == DAY and state.tickets == {} and state.counters == {}


def test_find_ticket_finds_another_days_ticket(store: Store, example_config: Any,
                                              clock: Any) -> None:
    engine = _engine(store, example_config)
    ticket = engine.issue("B", clock())[0].ticket
    store.commit(engine.state, [])
    assert store.find_ticket("nope") is None
    found = store.find_ticket(ticket.id)
    assert found is not None and asdict(found) == asdict(ticket)
    assert store.load_state("2024-03-13").tickets.keys() == {ticket.id}   # still that day


def test_a_new_day_stores_yesterdays_open_tickets_as_expired(store: Store, example_config: Any,
                                                             clock: Any) -> None:
    engine = _engine(store, example_config)
    events = engine.issue("A", clock())[1]
    store.commit(engine.state, events)
    # the same batch: more tickets yesterday, then the day changes and one ticket today
    late = engine.issue("A", clock.advance(seconds=5))[0].ticket
    engine.issue("B", clock.advance(seconds=5))
    events = engine.roll_day(clock.advance(timedelta(days=1).total_seconds()))
    events += engine.issue("A", clock())[1]
    store.commit(engine.state, events)
    assert _rows(store, "SELECT id, day, status FROM tickets ORDER BY id") == [
        ("20240312-A001", DAY, "cancelled"), ("20240312-A002", DAY, "cancelled"),
        ("20240312-B001", DAY, "cancelled"), ("20240313-A001", "2024-03-13", "waiting")]
    assert late.status is TicketStatus.CANCELLED
    assert _rows(store, "SELECT day, theme, last FROM counters WHERE day = '2024-03-13'") == [
        ("2024-03-13", "A", 1)]
    loaded = store.load_state("2024-03-13")
    assert set(loaded.tickets) == {"20240313-A001"} and loaded.counters == {"A": 1}


# ---------------------------------------------------------------------- secrets and tokens
def test_secret_is_made_once_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "hall.sqlite3"
    store = Store(path)
    try:
        key = store.secret("id_key")
        assert len(key) == 32 and store.secret("id_key") == key
        assert store.secret("other") != key
    finally:
        store.close()
    store = Store(path)
    try:
        assert store.secret("id_key") == key
    finally:
        store.close()


def test_pairing_gives_a_token_the_store_recognises(store: Store) -> None:
    kiosk = store.pair("kiosk", "kiosk-1")
    caller = store.pair("caller", "console-3", "3")
    assert kiosk != caller and len(kiosk) >= 24
    assert store.device_for(kiosk) == PairedDevice("kiosk-1", "kiosk", None)
    assert store.device_for(caller) == PairedDevice("console-3", "caller", "3")
    assert store.device_for("not-a-token") is None
    assert store.device_for(kiosk + "x") is None
    # tokens are stored hashed: the database never holds a usable token
    dump = "\n".join(store._conn.iterdump())
    assert kiosk not in dump and caller not in dump


def test_a_caller_is_paired_to_a_window_and_roles_are_checked(store: Store) -> None:
    with pytest.raises(ValueError, match="window"):
        store.pair("caller", "console")
    with pytest.raises(ValueError, match="role"):
        store.pair("janitor", "mop")
    assert _rows(store, "SELECT COUNT(*) FROM devices") == [(0,)]
