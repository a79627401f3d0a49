"""Every calling-console screen rendered from fixed data, for screenshots and docs (no hall).

:func:`render_scenario` fills a real :class:`~caller.viewmodel.CallerModel` for window 3 of the
example hall (window 30, which has video, for the remote calls) with data shaped exactly as the
hall API returns it and returns the real :class:`~caller.view.CallerView` over it.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QWidget

from caller.callbar import CallBar
from caller.no_show import CONFIRM_PROMPT
from caller.pause import PAUSE_PROMPT
from caller.view import CallerView
from caller.viewmodel import CallerModel, RatingState
from hall.schemas import QueueEntryBody, RemoteCallBody, TicketBody, WindowBody
from hall.window_states import window_activity
from ui.qt import ensure_app
from ui.samples import example_hall, sample_hall, sample_services

SCENARIOS = ("signin", "idle", "serving", "paused", "remote_calling", "remote_serving",
             "no_show_wait", "no_show_confirm", "no_show_undo", "pause_reason", "fault")
#: The call bar's scenarios (:func:`render_call_bar`).
BAR_SCENARIOS = ("called", "confirm", "undo")
WINDOW = "3"
#: The example hall's window with video (远程叫号), shown in the remote scenarios.
VIDEO_WINDOW = "30"


def sample_windows(status: str, current: TicketBody | None, console: str = WINDOW
                   ) -> list[WindowBody]:
    """``GET /windows`` of the example hall; window ``console`` in ``status`` with
    ``current``."""
    config = example_hall()
    windows: list[WindowBody] = []
    for number, window in config.windows.items():
        mine = number == console
        open_now = mine and status != "closed" or (not mine and int(number) % 3 != 0)
        windows.append({
            "number": number, "name_zh": window.name_zh, "name_en": window.name_en,
            "skills": list(window.skills), "video_booth": window.video_booth,
            "status": status if mine else ("open" if open_now else "closed"),
            "state": window_activity(status if mine else ("open" if open_now else "closed"),
                                     current["status"] if mine and current else None).value,
            "pause_reason": "lunch" if mine and status == "paused" else None,
            "staff_id": "S001" if mine and status != "closed" else None,
            "staff_name_zh": "王晓明" if mine and status != "closed" else None,
            "current": current["number"] if mine and current else None,
            "current_ticket": current["id"] if mine and current else None,
            "current_status": current["status"] if mine and current else None,
            "served_today": 14 if mine else 9, "mean_service_s": 642.0,
            "assigned_staff_id": "S001" if mine else None})
    return windows


def sample_queue() -> list[QueueEntryBody]:
    """``GET /windows/3/queue``: numbers only, in calling order."""
    rows = [("A031", 1, 640, False), ("A019", 2, 1510, False), ("A024", 3, 1290, True),
            ("A026", 3, 1100, False), ("A027", 3, 1010, False), ("A029", 3, 760, False),
            ("A030", 3, 700, False), ("A032", 3, 420, False), ("A033", 3, 300, False),
            ("A034", 3, 160, False), ("A035", 3, 60, False), ("A036", 3, 20, False)]
    return [{"id": f"20250314-{n}", "number": n, "service": "A", "priority": p,
             "waited_s": w, "transferred": t} for n, p, w, t in rows]


def sample_current() -> TicketBody:
    """``GET /tickets/{id}`` of the ticket at the window."""
    now = time.time()
    return {"id": "20250314-A018", "number": "A018", "service": "A", "item": "A01",
            "service_name_zh": "商事登记", "service_name_en": "Business registration",
            "item_name_zh": "企业设立登记", "item_name_en": "Company registration",
            "status": "serving", "channel": "kiosk", "ahead": None, "expected_wait_s": None,
            "wait_kind": None,
            "window": WINDOW, "issued_at": now - 1380, "called_at": now - 240,
            "finished_at": None, "recalls": 1, "green": False, "elderly": False,
            "appointment_id": None, "id_masked": None, "rating": None,
            "url": "http://hallq.local:8470/t/20250314-A018", "booth": None,
            "windows": ["1", "2", "5"], "waiting_area_zh": "A 区", "waiting_area_en": "area A"}


def called_current(called_s_ago: float) -> TicketBody:
    """The ticket at the window, called ``called_s_ago`` seconds ago and not yet come, with
    the hall's no-show countdowns (one recall or 60 s)."""
    ticket = sample_current()
    ticket["status"], ticket["recalls"] = "called", 0
    ticket["called_at"] = time.time() - called_s_ago
    ticket["no_show"] = {"allowed_in_s": max(0.0, 60.0 - called_s_ago),
                         "recalls_left": 1 if called_s_ago < 60 else 0, "undo_s_left": 0.0}
    return ticket


def sample_remote(state: str) -> RemoteCallBody:
    """``GET /windows/30/remote`` while window 30 calls ticket B012 of another hall."""
    return {"window": VIDEO_WINDOW, "state": state, "since": time.time() - 95,
            "home": "GD-SZ-NS-002", "home_name_zh": "南山区政务服务中心",
            "home_name_en": "Nanshan District Government Service Center",
            "ticket": "20250314-B012", "number": "B012", "theme": "B", "item": "B02",
            "lease": "GD-SZ-FT-001/30/1741916000000"}


def scenario_model(state: str, lang: str = "zh") -> CallerModel:
    """A model of window 3 (30 for the remote calls) showing ``state`` (see
    :data:`SCENARIOS`)."""
    if state not in SCENARIOS:
        raise ValueError(f"unknown caller scenario {state!r}; known: {', '.join(SCENARIOS)}")
    remote = state.startswith("remote_")
    console = VIDEO_WINDOW if remote else WINDOW
    model = CallerModel(None, console, lang=lang, clock=lambda: 1000.0)
    hall = sample_hall()
    hall["device"] = {"role": "caller", "window": console, "name": f"console-{console}"}
    model._hall_loaded(hall)
    model._services_loaded(sample_services())
    status = {"signin": "closed", "paused": "paused"}.get(state, "open")
    current = sample_current() if state in ("serving", "fault") else None
    if state in ("no_show_wait", "no_show_confirm"):
        current = called_current(22.0 if state == "no_show_wait" else 75.0)
    windows = sample_windows(status, current, console)
    model.refreshed({"windows": windows, "window": windows[int(console) - 1],
                     "current": current, "queue": [] if remote else sample_queue(),
                     "remote": sample_remote(state.removeprefix("remote_")) if remote
                     else None, "services": sample_services()})
    model.connected = True
    if state == "signin":
        model.staff_entry, model.pin_entry, model.active_field = "S001", "12", "pin"
    if state == "pause_reason":        # F7 pressed: why pause?
        model.pause_asked, model.message = True, PAUSE_PROMPT
    if state == "fault":
        model.faults.knows_as_mine(f"console-{console}")
        model.on_event({"kind": "device.status", "data": {
            "where": "kiosk-1", "device": "printer", "state": "paper_out",
            "detail": "printer.paper_out"}})
        model.on_event({"kind": "device.status", "data": {
            "where": f"console-{console}", "device": "rating", "state": "disconnected",
            "detail": "rating.disconnected"}})
    if state in ("serving", "fault"):
        model.rating = RatingState("A017", waiting=False, level=5)
        model.message = ("已叫号 A018", "Called A018")
    if state == "no_show_wait":
        model.message = ("已叫号 A018", "Called A018")
    if state == "no_show_confirm":
        model.no_show.press()          # the first F5: asks for the second
        model.message = CONFIRM_PROMPT
    if state == "no_show_undo":
        gone = called_current(80.0)
        gone["status"] = "no_show"
        gone["no_show"] = {"allowed_in_s": 0.0, "recalls_left": 0, "undo_s_left": 25.0}
        model.no_show.offer_undo(gone)
        model.message = ("A018 已过号，25 秒内可撤销", "A018 marked as no-show; undo within 25 s")
    return model


def render_call_bar(state: str, lang: str = "zh") -> CallBar:
    """The call bar over window 3: a number ``called``, the no-show to ``confirm``, or the
    ``undo`` offered (not shown; screenshot it at ``caller.callbar.BAR_SIZE``)."""
    if state not in BAR_SCENARIOS:
        raise ValueError(f"unknown call bar scenario {state!r}; known: {BAR_SCENARIOS}")
    scenario = {"called": "no_show_wait", "confirm": "no_show_confirm",
                "undo": "no_show_undo"}[state]
    ensure_app()
    return CallBar(scenario_model(scenario, lang))


def render_scenario(state: str, lang: str = "zh", size: QSize | None = None) -> QWidget:
    """The console view showing ``state`` at ``size`` (not shown; screenshot it)."""
    ensure_app()
    view = CallerView(scenario_model(state, lang))
    view.resize(size or QSize(1920, 1080))
    view.rebuild()
    return view
