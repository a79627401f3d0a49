"""The supervisor's day so far and its export (hall/day_report.py, hall/day_export.py): tickets
and waits by hour in the hall's time zone, ratings put on the staff member who served, a CSV
Excel opens in Chinese and that never runs a formula, a workbook with every sheet."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from hall import views
from hall.day_export import day_workbook, tickets_csv
from hall.day_report import RATING_KINDS, hours_of_day, ratings_report
from hall.engine import Engine
from hall.events import Event
from hall.store import Store
from tests.helpers.engine_steps import clock_at, issue

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _day(engine: Engine, clock) -> list[Event]:
    """09:xx three A tickets, one called and finished at 10:05 with a rating; 10:xx one more."""
    events: list[Event] = []
    clock_at(clock, 9, 10)
    events += engine.open_window("1", clock(), staff_id="S001")[1]
    tickets = [issue(engine, clock, "A") for _ in range(3)]
    clock_at(clock, 10, 5)
    called, more = engine.call_next("1", clock())
    events += more
    events += engine.finish("1", clock.advance(seconds=300))[1]
    events += engine.rate(tickets[0].id, 2, clock.advance(seconds=5))[1]
    issue(engine, clock, "A")
    return events


def test_hours_of_the_day_count_issued_waiting_and_waits(engine: Engine, clock) -> None:
    _day(engine, clock)
    rows = hours_of_day(engine.state.tickets.values(), engine.config.themes, SHANGHAI, clock())
    assert [r.hour for r in rows] == [9, 10]
    assert rows[0].issued["A"] == 3 and rows[0].waiting_at_end["A"] == 3
    assert rows[1].issued["A"] == 1 and rows[1].waiting_at_end["A"] == 3   # one called, one came
    assert rows[1].called["A"] == 1 and rows[1].mean_wait_s["A"] == 55 * 60 - 1
    assert hours_of_day([], "A", SHANGHAI, clock()) == []


def test_a_rating_is_put_on_the_window_and_the_staff_who_served(engine: Engine, clock) -> None:
    opened = engine.open_window("2", clock(), staff_id="S002")[1]
    report = ratings_report([*_day(engine, clock), *opened])
    assert report.by_window["1"].levels[2] == 1 and report.by_staff["S001"].displeased == 1
    assert report.by_staff["S001"].pleased_share == 0.0 and "S002" not in report.by_staff


def test_ratings_over_a_period_come_from_the_store(tmp_path: Path, example_config, clock
                                                  ) -> None:
    store = Store(tmp_path / "hall.sqlite3")
    store.migrate()
    engine = Engine(example_config, store.load_state(clock().date().isoformat()), b"k" * 32)
    events = _day(engine, clock)
    store.commit(engine.state, events)
    start = datetime(2024, 3, 12, tzinfo=SHANGHAI).timestamp()
    chosen = list(store.events_between(start, start + 86400, RATING_KINDS))
    assert {e.kind for e in chosen} <= set(RATING_KINDS)
    assert ratings_report(chosen).by_staff["S001"].total == 1
    assert list(store.events_between(start + 86400, start + 2 * 86400, RATING_KINDS)) == []
    store.close()


def test_the_csv_opens_in_excel_and_never_runs_a_formula(engine: Engine, clock) -> None:
    _day(engine, clock)
    ticket = next(iter(engine.state.tickets.values()))
    ticket.item = "=HYPERLINK(\"http://x\")"
    data = tickets_csv(engine.state.tickets.values(), SHANGHAI)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][0] == "号码 / Number" and len(rows) == 5
    assert rows[1][2].startswith("'=") and rows[1][4] == "09:10:01"
    assert all(t.id_masked is None or t.id_masked not in data.decode() for t in
               engine.state.tickets.values())


def test_the_workbook_has_every_sheet(engine: Engine, clock) -> None:
    events = _day(engine, clock)
    book = day_workbook("2024-03-12", engine.state.tickets.values(), SHANGHAI,
                        views.stats_view(engine, clock()), views.windows_view(engine),
                        ratings_report(events))
    with zipfile.ZipFile(io.BytesIO(book)) as opened:
        workbook = opened.read("xl/workbook.xml").decode()
        strings = opened.read("xl/sharedStrings.xml").decode()
    for name in ("取号明细 Tickets", "主题 Themes", "窗口 Windows", "窗口评价 Ratings by window",
                 "人员评价 Ratings by staff"):
        assert name in workbook
    assert "S001" in strings and "A001" in strings

