"""A supervisor's changes of the day (hall/day_plan.py, hall/supervision.py): today's quota,
cutoff and hours of a theme are what issuing obeys at once; a notice is up until its time; a
staff member sits at one window; a wrong value is refused in both languages and changes
nothing; the store keeps the plan across a restart and a new day starts from the TOML."""

from __future__ import annotations

from pathlib import Path

from hall import supervision
from hall.engine import Engine
from hall.events import EventKind
from hall.state import HallState
from hall.store import Store
from tests.helpers.engine_steps import clock_at, issue, refused

ID_KEY = b"k" * 32


def test_a_lower_quota_stops_numbers_at_once_and_says_who(engine: Engine, clock) -> None:
    for _ in range(3):
        issue(engine, clock, "A")
    _, events = supervision.adjust_theme(engine, "a", clock(), by="S009", daily_quota=3)
    assert events[0].kind is EventKind.THEME_ADJUSTED
    assert events[0].data == {"theme": "A", "by": "S009", "daily_quota": 3,
                                   "cutoff_min": engine.config.themes["A"].cutoff_min,
                                   "open": "09:00", "close": "18:00", "issued_today": 3}
    refused("quota_reached", lambda: engine.issue("A", clock.advance(seconds=1)))
    issue(engine, clock, "B")                    # other themes are not touched
    supervision.adjust_theme(engine, "A", clock(), by="S009")      # back to the TOML's
    issue(engine, clock, "A")


def test_an_earlier_close_for_today_stops_issuing_before_it(engine: Engine, clock) -> None:
    clock_at(clock, 15, 0)
    issue(engine, clock, "C")
    supervision.adjust_theme(engine, "C", clock(), by="S009", close_time="15:30",
                             cutoff_min=20)
    clock_at(clock, 15, 11)
    error = refused("cutoff", lambda: engine.issue("C", clock()))
    assert "20" in error.message_zh
    issue(engine, clock, "A")


def test_wrong_values_are_refused_and_change_nothing(engine: Engine, clock) -> None:
    for kwargs in ({"daily_quota": -1}, {"cutoff_min": 2000}, {"close_time": "25:00"},
                   {"open_time": "16:00", "close_time": "15:00"}):
        refused("bad_request", lambda kw=kwargs: supervision.adjust_theme(
            engine, "A", clock(), by="S009", **kw))
    refused("unknown_service", lambda: supervision.adjust_theme(engine, "Z", clock(), by="x"))
    assert engine.state.day_plan.themes == {} and not engine.state.dirty_day_plan


def test_a_notice_is_up_until_its_time_and_can_be_taken_down(engine: Engine, clock) -> None:
    notice, events = supervision.post_notice(engine, clock(), text_zh="系统维护，暂停收件 10 分钟",
                                             text_en="Maintenance: no intake for 10 min",
                                             minutes=10, by="S009")
    assert events[0].kind is EventKind.NOTICE_POSTED and events[0].data["by"] == "S009"
    assert engine.state.day_plan.live_notice(clock().timestamp()) == notice
    later = clock.advance(seconds=601)
    assert engine.state.day_plan.live_notice(later.timestamp()) is None
    refused("bad_request", lambda: supervision.post_notice(engine, clock(), text_zh=" ",
                                                           text_en="", minutes=5, by="x"))
    refused("bad_request", lambda: supervision.post_notice(engine, clock(), text_zh="好\x07",
                                                           text_en="", minutes=5, by="x"))
    supervision.post_notice(engine, clock(), text_zh="午间暂停", text_en="", minutes=5, by="x")
    _, events = supervision.clear_notice(engine, clock(), by="S009")
    assert [e.kind for e in events] == [EventKind.NOTICE_CLEARED]
    assert supervision.clear_notice(engine, clock(), by="S009")[1] == []


def test_a_staff_member_sits_at_one_window(engine: Engine, clock) -> None:
    staff = frozenset(engine.config.staff)
    first = sorted(staff)[0]
    supervision.assign_staff(engine, "1", first, clock(), by="S009", known_staff=staff)
    _, events = supervision.assign_staff(engine, "2", first, clock(), by="S009",
                                         known_staff=staff)
    assert engine.state.day_plan.assignments == {"2": first}
    assert events[0].data == {"window": "2", "staff": first, "by": "S009"}
    refused("bad_request", lambda: supervision.assign_staff(engine, "3", "NOBODY", clock(),
                                                            by="x", known_staff=staff))
    refused("unknown_window", lambda: supervision.assign_staff(engine, "99", first, clock(),
                                                               by="x", known_staff=staff))


def test_the_store_keeps_todays_plan_and_a_new_day_starts_from_the_toml(
        tmp_path: Path, example_config, clock) -> None:
    store = Store(tmp_path / "hall.sqlite3")
    store.migrate()
    day = clock().astimezone(example_config.timezone).date().isoformat()
    engine = Engine(example_config, store.load_state(day), ID_KEY)
    _, events = supervision.adjust_theme(engine, "A", clock(), by="S009", daily_quota=5)
    events += supervision.post_notice(engine, clock(), text_zh="下午 4 点停止收件",
                                      text_en="", minutes=60, by="S009")[1]
    store.commit(engine.state, events)
    store.close()
    store = Store(tmp_path / "hall.sqlite3")
    again = Engine(example_config, store.load_state(day), ID_KEY)
    assert again.state.day_plan.themes["A"].daily_quota == 5
    assert again.state.day_plan.notice is not None
    again.roll_day(clock.advance(seconds=86400))
    assert again.state.day_plan.themes == {} and again.state.day_plan.notice is None
    store.close()


def test_a_fresh_state_has_an_empty_plan() -> None:
    assert HallState(day="2024-03-12").day_plan.themes == {}
