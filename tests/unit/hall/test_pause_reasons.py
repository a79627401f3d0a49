"""Pause reasons (午休 / 暂离 / 会议 / 其他) on the engine, in the windows view and in the store,
and what every screen calls a window's state (an open window with no ticket is idle)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hall import views
from hall.engine import Engine
from hall.errors import QueueError
from hall.events import PAYLOADS, EventKind
from hall.state import WindowStatus
from hall.store import Store
from hall.window_states import (
    PauseReason,
    WindowActivity,
    activity_label,
    pause_reason,
    window_activity,
)
from tests.helpers.engine_steps import call, issue, open_windows


def _window(engine: Engine, number: str) -> dict:
    return next(w for w in views.windows_view(engine) if w["number"] == number)


def test_a_pause_with_a_reason_is_in_the_event_and_the_windows_view(
        engine: Engine, clock: Any) -> None:
    open_windows(engine, clock, "1")
    state, events = engine.pause("1", clock(), PauseReason.LUNCH)
    assert state.status is WindowStatus.PAUSED and state.pause_reason == "lunch"
    assert [e.kind for e in events] == [EventKind.WINDOW_PAUSED]
    assert events[0].data == {"window": "1", "status": "paused", "staff": None,
                              "reason": "lunch"}
    assert set(events[0].data) <= set(PAYLOADS[EventKind.WINDOW_PAUSED].__annotations__)
    shown = _window(engine, "1")
    assert (shown["status"], shown["state"], shown["pause_reason"]) == \
        ("paused", "paused", "lunch")


def test_resume_forgets_the_reason_and_a_pause_without_one_says_none(
        engine: Engine, clock: Any) -> None:
    open_windows(engine, clock, "1")
    engine.pause("1", clock(), PauseReason.MEETING)
    _, events = engine.resume("1", clock())
    assert "reason" not in events[0].data
    assert _window(engine, "1")["pause_reason"] is None
    _, events = engine.pause("1", clock())
    assert "reason" not in events[0].data and _window(engine, "1")["pause_reason"] is None
    engine.resume("1", clock())
    engine.pause("1", clock(), PauseReason.AWAY)
    engine.close_window("1", clock())
    assert _window(engine, "1")["pause_reason"] is None


def test_the_windows_view_names_idle_calling_serving(engine: Engine, clock: Any) -> None:
    assert _window(engine, "1")["state"] == "closed"
    open_windows(engine, clock, "1")
    assert _window(engine, "1")["state"] == "idle"       # open with nobody: not "serving"
    issue(engine, clock)
    call(engine, clock, "1")
    assert _window(engine, "1")["state"] == "calling"
    engine.start_serving("1", clock())
    assert _window(engine, "1")["state"] == "serving"


def test_the_reason_outlives_a_restart(tmp_path: Path, example_config: Any,
                                       clock: Any) -> None:
    path = tmp_path / "hall.sqlite3"
    store = Store(path)
    try:
        engine = Engine(example_config, store.load_state("2024-03-12"), b"k" * 32)
        events = engine.open_window("1", clock(), staff_id="S001")[1]
        events += engine.pause("1", clock(), PauseReason.LUNCH)[1]
        store.commit(engine.state, events)
    finally:
        store.close()
    store = Store(path)
    try:
        assert store.load_state("2024-03-12").windows["1"].pause_reason == "lunch"
    finally:
        store.close()


def test_an_unknown_reason_is_refused_in_both_languages() -> None:
    assert pause_reason("meeting") is PauseReason.MEETING and pause_reason(None) is None
    with pytest.raises(QueueError) as refused:
        pause_reason("coffee")
    assert refused.value.status == 422 and refused.value.code == "bad_request"
    assert "午休" in refused.value.message_zh and "lunch" in refused.value.message_en


@pytest.mark.parametrize(("status", "current", "activity", "zh", "en"), [
    ("closed", None, WindowActivity.CLOSED, "未开启", "Closed"),
    ("open", None, WindowActivity.IDLE, "空闲", "Idle"),
    ("open", "called", WindowActivity.CALLING, "已叫号", "Calling"),
    ("open", "serving", WindowActivity.SERVING, "服务中", "Serving"),
    ("paused", None, WindowActivity.PAUSED, "暂停中", "Paused"),
])
def test_each_state_has_one_name_and_one_label(status: str, current: str | None,
                                               activity: WindowActivity, zh: str,
                                               en: str) -> None:
    assert window_activity(status, current) is activity
    assert activity_label(activity) == (zh, en)


def test_a_paused_label_says_why() -> None:
    assert activity_label("paused", "lunch") == ("暂停中 · 午休", "Paused · Lunch break")
    assert activity_label("paused", "bogus") == ("暂停中", "Paused")
