"""The projections central keeps from a hall's events agree with the hall's own engine."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from central.projection import project, ticket_day
from hall.engine import Engine
from hall.errors import QueueError
from hall.events import EventKind
from hall.state import HallState
from tests.helpers.central import hall_config

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2024, 3, 12, 10, 0, tzinfo=SHANGHAI)
CONFIG = hall_config()
WINDOWS = ["1", "2", "14", "20", "25"]
THEMES = ["A", "B", "C"]

operation = st.one_of(
    st.tuples(st.just("issue"), st.sampled_from(THEMES)),
    st.tuples(st.sampled_from(["open_window", "pause", "resume", "close_window", "call_next",
                               "start_serving", "finish", "no_show", "undo_no_show",
                               "recall"]),
              st.sampled_from(WINDOWS)),
    st.tuples(st.just("transfer"), st.sampled_from(WINDOWS), st.sampled_from(THEMES)),
    st.tuples(st.sampled_from(["cancel", "recheck_in"]), st.integers(0, 30)),
    st.tuples(st.just("next_day")),
)


def run(engine: Engine, op: tuple, now: datetime) -> list:
    """Apply one operation to the engine; its events (none when a rule refused it)."""
    name = op[0]
    events = engine.roll_day(now)
    try:
        if name == "issue":
            events += engine.issue(op[1], now)[1]
        elif name == "transfer":
            events += engine.transfer(op[1], now, to_service=op[2])[1]
        elif name in ("cancel", "recheck_in"):
            tickets = sorted(engine.state.tickets)
            if tickets:
                events += getattr(engine, name)(tickets[op[1] % len(tickets)], now)[1]
        elif name != "next_day":
            events += getattr(engine, name)(op[1], now)[1]
    except QueueError:
        pass
    return events


@settings(max_examples=60, deadline=None)
@given(st.lists(operation, max_size=80), st.integers(1, 7))
def test_waiting_and_window_status_match_the_engine(ops: list[tuple], chunk: int) -> None:
    engine = Engine(CONFIG, HallState(day=START.date().isoformat()), b"k" * 32)
    now = START
    log = []
    for op in ops:
        now += timedelta(days=1) if op[0] == "next_day" else timedelta(seconds=30)
        log += [e.to_dict() for e in run(engine, op, now)]
    # applied in runs of any length, as central does batch by batch
    waiting: dict[str, int] = {}
    windows: dict[str, str] = {}
    for start in range(0, len(log), chunk):
        changes = project(log[start:start + chunk])
        for theme, change in changes.themes.items():
            waiting[theme] = (0 if change.reset else waiting.get(theme, 0)) + change.waiting
        windows.update({w: status for w, (status, _) in changes.windows.items()})
    expected = {t: n for t, n in engine.waiting_counts(now).items() if n}
    assert {t: n for t, n in waiting.items() if n} == expected
    for number, state in engine.state.windows.items():
        assert windows.get(number, "closed") == state.status.value


def test_measuring_events_become_fact_rows() -> None:
    engine = Engine(CONFIG, HallState(day=START.date().isoformat()), b"k" * 32)
    now = START
    events = engine.open_window("1", now)[1] + engine.issue("A01", now)[1]
    now += timedelta(minutes=7)
    events += engine.call_next("1", now)[1] + engine.start_serving("1", now)[1]
    now += timedelta(minutes=12)
    ticket, finished = engine.finish("1", now)
    events += finished + engine.rate(ticket.id, 4, now)[1]
    t0, day = START.timestamp(), "2024-03-12"
    assert project([e.to_dict() for e in events]).facts == [
        (ticket.id, day, "issued", "A", "A01", "kiosk", None, None, t0),
        (ticket.id, day, "called", "A", None, None, "1", 420.0, t0 + 420),
        # told "now" (window 1 open and idle), called after 7 minutes
        (ticket.id, day, "estimate", "A", None, None, "1", 420.0, t0 + 420),
        (ticket.id, day, "finished", "A", "A01", None, "1", 720.0, now.timestamp()),
        (ticket.id, day, "rated", "A", None, None, "1", 4.0, now.timestamp()),
    ]


def test_an_undone_no_show_is_a_fact_of_its_own_and_the_window_stays_busy() -> None:
    engine = Engine(CONFIG, HallState(day=START.date().isoformat()), b"k" * 32)
    events = engine.open_window("1", START)[1] + engine.issue("A01", START)[1]
    ticket, called = engine.call_next("1", START)
    later = START + timedelta(minutes=1)
    events += called + engine.no_show("1", later)[1] + engine.undo_no_show("1", later)[1]
    facts = project([e.to_dict() for e in events]).facts
    assert [(f[2], f[6]) for f in facts if f[2].startswith("no_show")] == \
        [("no_show", "1"), ("no_show_undone", "1")]
    assert all(f[0] == ticket.id for f in facts if f[2].startswith("no_show"))


def test_a_finished_service_adds_to_the_themes_service_time() -> None:
    changes = project([
        {"seq": 1, "ts": 1.0, "kind": EventKind.TICKET_FINISHED,
         "data": {"ticket": "20240312-B001", "theme": "B", "window": "3", "service_s": 300.0}},
        {"seq": 2, "ts": 2.0, "kind": EventKind.TICKET_FINISHED,
         "data": {"ticket": "20240312-B002", "theme": "B", "window": "3", "service_s": 100.0}},
        {"seq": 3, "ts": 3.0, "kind": EventKind.DEVICE_STATUS, "data": {"device": "printer"}},
    ])
    assert (changes.themes["B"].service_count, changes.themes["B"].service_sum) == (2, 400.0)
    assert changes.windows == {}


def test_ticket_day_comes_from_the_ticket_id() -> None:
    assert ticket_day("20240312-A001") == "2024-03-12"
    assert ticket_day("odd") == ""


def test_a_ticket_lent_to_another_hall_leaves_the_line_until_it_comes_back() -> None:
    def event(kind: str) -> dict:
        return {"kind": kind, "ts": 1.0, "data": {"ticket": "20240312-A001", "theme": "A"}}

    waiting = project([event(EventKind.TICKET_ISSUED),
                       event(EventKind.TICKET_LEASED)]).themes["A"].waiting
    assert waiting == 0
    back = project([event(EventKind.TICKET_ISSUED), event(EventKind.TICKET_LEASED),
                    event(EventKind.TICKET_LEASE_RETURNED)]).themes["A"].waiting
    assert back == 1
