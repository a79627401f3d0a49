"""Remote calling (远程叫号) at the calling console, without Qt: a window with video calls a
ticket of another hall, and the console shows each state the hall node reports
(``GET /windows/{n}/remote``, JSON as in the contract) and offers the right actions."""

from __future__ import annotations

import pytest

from caller.devices import CallerDevices
from caller.remote_panel import remote_panel
from caller.viewmodel import CallerModel, CallerSettings
from hall.client import HallApiError
from tests.helpers.caller_steps import sign_in
from tests.helpers.fake_halls import REMOTE_IDLE, WINDOW, FakeVideoWindowHall, FakeWindowHall

#: ``GET /windows/30/remote`` as the hall node answers it while calling B012 of Nanshan.
CALLING = {"window": WINDOW, "state": "calling", "since": 1_741_916_000.0,
           "home": "GD-SZ-NS-002", "home_name_zh": "南山区政务服务中心",
           "home_name_en": "Nanshan Service Center", "ticket": "20250314-B012",
           "number": "B012", "theme": "B", "item": "B02", "lease": "GD-SZ-FT-001/3/1741915990000"}


def make(waiting: int = 0) -> tuple[CallerModel, FakeVideoWindowHall]:
    hall = FakeVideoWindowHall(waiting)
    model = CallerModel(hall, WINDOW, CallerDevices(),  # type: ignore[arg-type]
                        CallerSettings(name="console-3"))
    model.start()
    sign_in(model)
    return model, hall


def seen(model: CallerModel, lang: str = "zh") -> tuple[str, str, str, str]:
    """What the current-ticket card says: heading, number, status and hint."""
    panel = model.remote_panel()
    assert panel is not None, f"no remote card in state {model.remote_state}"
    pick = 1 if lang == "en" else 0
    return (panel.heading[pick], panel.number, panel.status[pick],
            panel.hint[pick] if panel.hint else "")


def test_a_window_with_video_offers_the_remote_call_and_documents_its_keys() -> None:
    model, hall = make()
    assert model.video_booth and model.remote_state == "idle"
    assert model.available() == {"call", "pause", "remote_call"}
    assert [key for _, key, _, _ in model.key_actions()][-4:] == ["F9", "F10", "F11", "F12"]
    assert model.remote_panel() is None  # idle: the card shows the local "—"


def test_a_window_without_video_has_no_remote_call() -> None:
    hall = FakeWindowHall()
    model = CallerModel(hall, WINDOW, CallerDevices())  # type: ignore[arg-type]
    model.start()
    sign_in(model)
    assert not model.video_booth and model.remote is None
    assert "remote_call" not in model.available()
    assert len(model.key_actions()) == 8
    model.press_key("F9")
    assert model.message == ("本窗口没有视频设备，不能远程叫号",
                             "This window has no video equipment for remote calling")


def test_requesting_says_it_calls_another_hall_and_blocks_local_calls() -> None:
    model, hall = make(waiting=1)
    hall.queue.clear()
    model.refresh()
    assert model.press_key("F9")
    assert hall.steps == ["remote_call"]
    assert seen(model) == ("远程叫号", "", "正在向其他大厅叫号…", "可按 F12 取消")
    assert seen(model, "en")[2] == "Calling another hall…"
    assert model.available() == {"remote_cancel"}
    hall.queue.append(FakeWindowHall.waiting_ticket("A009"))
    model.press_key("F1")
    assert model.current is None
    assert model.message == ("本窗口正在远程叫号，请先完成或取消 (F12)",
                             "This window is on a remote call; finish or cancel it first (F12)")
    hall.hall_says(model, "requesting", home="GD-SZ-NS-002", home_name_zh="南山区政务服务中心",
                   number="B012")
    assert seen(model)[:3] == ("远程叫号 · 南山区政务服务中心", "B012", "正在向其他大厅叫号…")


def test_calling_names_the_home_hall_and_waits_for_the_video() -> None:
    model, hall = make()
    model.act("remote_call")
    hall.hall_says(model, "calling", **{k: v for k, v in CALLING.items() if k != "state"})
    assert seen(model) == ("远程叫号 · 南山区政务服务中心", "B012", "请等待市民到达视频服务区",
                           "视频接通后按 F10 视频已接通")
    assert seen(model, "en")[:3] == ("Remote call · Nanshan Service Center", "B012",
                                     "Waiting for the citizen at the video booth")
    assert model.available() == {"remote_start", "remote_cancel"}


def test_video_connected_then_serving_then_finish() -> None:
    model, hall = make()
    hall.remote = dict(CALLING)
    model.refresh()
    model.press_key("F10")
    assert hall.steps == ["remote_start"]
    assert seen(model)[2] == "正在与原大厅确认…"
    assert model.available() == {"remote_cancel"}
    hall.hall_says(model, "serving")
    assert seen(model) == ("远程叫号 · 南山区政务服务中心", "B012", "远程办理中",
                           "办理完毕请按 F11 完成")
    assert model.available() == {"remote_finish"}, "no cancel once serving"
    model.press_key("F11")
    assert hall.steps == ["remote_start", "remote_finish"]
    assert model.message == ("B012 已远程办结", "B012 served by video")
    assert seen(model)[2] == "正在办结…"
    hall.hall_says(model, "done")
    assert seen(model)[2] == "B012 已远程办结"
    assert model.available() == {"call", "pause", "remote_call"}


def test_cancel_while_calling_says_cancelled() -> None:
    model, hall = make()
    hall.remote = dict(CALLING)
    model.refresh()
    model.press_key("F12")
    assert hall.steps == ["remote_cancel"]
    assert seen(model)[2] == "正在取消…"
    assert model.message == ("已取消远程叫号", "Remote call cancelled")
    hall.hall_says(model, "ended")
    assert seen(model)[2:] == ("已取消", "按 F1 叫本厅下一位，或按 F9 再次远程叫号")
    assert model.available() == {"call", "pause", "remote_call"}


def test_a_call_that_ends_by_itself_says_nothing_to_call() -> None:
    model, hall = make()
    hall.remote = dict(CALLING)
    model.refresh()
    hall.hall_says(model, "releasing")
    assert seen(model)[2] == "未叫到，号码正在退回原大厅"
    hall.hall_says(model, "ended")
    assert seen(model)[2] == "未叫到"
    assert seen(model, "en")[2] == "Nothing to call"


def test_nobody_waiting_elsewhere_is_said_until_staff_act_again() -> None:
    model, hall = make()
    model.act("remote_call")
    hall.hall_says(model, "none")
    assert seen(model)[2] == "其他大厅暂无可远程办理的等候"
    assert seen(model, "en")[2] == "No one waiting elsewhere"
    assert model.available() == {"call", "pause", "remote_call"}
    model.act("call")  # nobody waits here either
    assert model.remote_panel() is None, "the outcome goes once staff do something else"


def test_an_old_outcome_is_not_shown_when_the_console_starts() -> None:
    model, hall = make()
    hall.remote = dict(CALLING, state="none")
    model.refresh()
    assert model.remote_state == "none" and model.remote_panel() is None


def test_a_refused_remote_call_is_the_halls_sentence() -> None:
    model, hall = make()
    hall.refuse = HallApiError(409, "remote_busy", "本窗口正在远程叫号，请先完成或取消",
                               "This window is on a remote call; finish or cancel it first")
    model.act("remote_call")
    assert model.message_is_error
    assert model.message == ("本窗口正在远程叫号，请先完成或取消",
                             "This window is on a remote call; finish or cancel it first")


@pytest.mark.parametrize("state", ["idle", "something-new"])
def test_no_card_for_an_idle_or_unknown_state(state: str) -> None:
    assert remote_panel(dict(REMOTE_IDLE, state=state)) is None


def test_the_home_hall_id_stands_in_for_an_unknown_name() -> None:
    panel = remote_panel(dict(CALLING, home_name_zh="", home_name_en=""))
    assert panel is not None and panel.heading == ("远程叫号 · GD-SZ-NS-002",
                                                   "Remote call · GD-SZ-NS-002")
