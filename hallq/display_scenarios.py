"""Wall display scenarios for screenshots and docs, rendered against a real hall node.

:class:`ScenarioHall` runs the example hall (open all day) in this process on a free loopback
port with a throw-away data folder; :func:`render_scenario` fills it with tickets and calls,
points a real :class:`~display.app.WallDisplay` at it, lets the last call arrive live (so it is
highlighted) and returns the window, detached from the hall, ready to be grabbed.

Scenarios: ``calls`` (several current calls, earlier calls among them two no-shows and a
transfer, people waiting, a window paused for lunch),
``booth`` (the same, and then a ticket lent to another hall's video window is called to the
video booth, 云叫号), ``empty`` (the hall just opened), ``offline`` (the link to the hall is lost).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from pathlib import Path
from types import TracebackType

import httpx
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication

from display.app import WallDisplay
from display.viewmodel import DisplayModel
from display.wall import DisplayWindow
from hall.client import HallClient
from hall.config import EXAMPLE_HALL, HallConfig, load_config
from hall.node import HallNode
from hall.server import HallServer
from hall.window_states import PauseReason
from ui.qt import LANDSCAPE, ensure_app

SCENARIOS = ("calls", "booth", "empty", "offline", "notice")
#: Windows opened in the "calls" scenario (themes A, B and C) and the one paused.
OPEN_WINDOWS = ("1", "3", "6", "14", "17", "20", "22", "25")
PAUSED_WINDOW = "9"
#: In the "calls" scenario: the windows whose citizen did not come (过号), the window that
#: transfers its citizen to theme B.
NO_SHOW_WINDOWS = ("3", "17")
TRANSFER_WINDOW = "6"
#: The item of the ticket lent to another hall in the "booth" scenario (served remotely), and
#: the window of that other hall that calls it.
BOOTH_ITEM = "B03"
REMOTE_WINDOW = "GD-SZ-NS-002/7"


def open_all_day(config: HallConfig | None = None) -> HallConfig:
    """The example hall (or ``config``) open around the clock."""
    config = config or load_config(EXAMPLE_HALL)
    return replace(config, rules=replace(config.rules, open_all_day=True))


class ScenarioHall:
    """The example hall served on loopback in this process, with an admin and a display token."""

    def __init__(self, data_dir: Path | str | None = None) -> None:
        self._tmp = None if data_dir else tempfile.TemporaryDirectory(prefix="hallq-scenario-")
        folder = Path(data_dir) if data_dir else Path(self._tmp.name)  # type: ignore[union-attr]
        self.node = HallNode(open_all_day(), folder)
        self.tokens = {role: self.node.store.pair(role, f"scenario-{role}")
                       for role in ("admin", "display", "kiosk", "sync")}
        self.server = HallServer(self.node, host="127.0.0.1", port=0, advertise=False)
        self.admin: HallClient | None = None

    @property
    def url(self) -> str:
        """The hall's base URL."""
        return self.server.url

    def __enter__(self) -> ScenarioHall:
        self.server.start_in_thread()
        self.admin = HallClient(self.url, self.tokens["admin"])
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Stop the hall and forget its data."""
        if self.admin is not None:
            self.admin.close()
            self.admin = None
        self.server.stop()
        if self._tmp is not None:
            self._tmp.cleanup()


def populate(admin: HallClient, state: str) -> list[str]:
    """Fill the hall for ``state``; returns the windows that call next once the display
    follows the hall (those calls arrive live and are highlighted)."""
    if state == "empty":
        return []
    for window in (*OPEN_WINDOWS, PAUSED_WINDOW):
        admin.window_action(window, "open")
    pause(admin, PAUSED_WINDOW, PauseReason.LUNCH)
    for service in "AABACCABCACBAACCAABCCAAB":
        admin.issue(service, channel="staff")
    for window in OPEN_WINDOWS[:-1]:
        admin.call(window)
    for window in ("1", "14", "20"):
        admin.window_action(window, "finish")
        admin.call(window)
    for window in NO_SHOW_WINDOWS:          # recalled once (the hall's minimum), then missed
        admin.window_action(window, "recall")
        admin.window_action(window, "no-show")
    admin.transfer(TRANSFER_WINDOW, to_service="B")
    return [OPEN_WINDOWS[-1]]


def pause(admin: HallClient, window: str, reason: PauseReason) -> None:
    """Pause ``window`` giving ``reason`` (午休, 暂离 …)."""
    admin.window_action(window, "pause", {"reason": reason.value})


def lend_to_booth(hall: ScenarioHall, ticket_id: str) -> dict:
    """Another hall's video window asks for ``ticket_id`` (a lease request relayed by the
    sync agent, as central would); the hall calls it to its video booth. The answer."""
    message = {"kind": "request", "lease": f"{REMOTE_WINDOW}/1", "home": hall.node.config.hall_id,
               "remote": REMOTE_WINDOW, "ticket": ticket_id, "id": f"{REMOTE_WINDOW}/1:request"}
    with httpx.Client(base_url=hall.url, timeout=10, headers={
            "Authorization": f"Bearer {hall.tokens['sync']}"}) as sync:
        answer = sync.post("/api/v1/leases/messages", json={"messages": [message]})
    answer.raise_for_status()
    return answer.json()["answers"][0]


#: The supervisor's notice of the "notice" scenario.
NOTICE_ZH = "因系统升级，今日 16:00 起暂停商事登记取号，敬请谅解"
NOTICE_EN = "Business registration: no new numbers after 16:00 today (system upgrade)"


def post_notice(hall: ScenarioHall, text_zh: str, text_en: str, minutes: int = 60) -> None:
    """A supervisor puts up a notice on the walls and kiosks (as the supervisor's page does)."""
    with httpx.Client(base_url=hall.url, timeout=10, headers={
            "Authorization": f"Bearer {hall.tokens['admin']}"}) as admin:
        admin.post("/api/v1/notice", json={"text_zh": text_zh, "text_en": text_en,
                                           "minutes": minutes}).raise_for_status()


def wait_until(condition: object, timeout: float = 10.0) -> bool:
    """Run the Qt loop until ``condition()`` is true (or ``timeout``)."""
    app = QApplication.instance()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app is not None:
            app.processEvents()
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.01)
    return False


def render_scenario(state: str, lang: str = "zh", size: QSize | None = None) -> DisplayWindow:
    """The wall display showing ``state`` at ``size``, still (no clock, blink or scrolling)."""
    if state not in SCENARIOS:
        raise ValueError(f"unknown display scenario {state!r}; known: {', '.join(SCENARIOS)}")
    ensure_app()
    window = DisplayWindow(DisplayModel(), lang=lang, animate=False)
    window.resize(size or LANDSCAPE)
    with ScenarioHall() as hall:
        assert hall.admin is not None
        live = populate(hall.admin, "calls" if state in ("booth", "notice") else state)
        lent = hall.admin.issue(BOOTH_ITEM, channel="staff") if state == "booth" else None
        client = HallClient(hall.url, hall.tokens["display"])
        display = WallDisplay(client, window=window)
        try:
            display.start()
            if not wait_until(lambda: window.model.loaded and window.model.connected):
                raise RuntimeError("the display did not load the scenario hall")
            for window_number in live:
                called = hall.admin.call(window_number)
                if called is not None:
                    wait_until(lambda n=called["number"]: any(
                        c.number == n for c in window.model.current.values()))
            if lent is not None and lend_to_booth(hall, lent["id"])["kind"] == "granted":
                wait_until(lambda: any(c.booth for c in window.model.current.values()))
            if state == "notice":
                post_notice(hall, NOTICE_ZH, NOTICE_EN)
                wait_until(lambda: window.model.notice is not None)
            wait_until(display.idle, 3)
            wait_until(lambda: False, 0.05)
        finally:
            display.stop()
            client.close()
    if state == "offline":
        window.model.set_connected(False)
    window.refresh()
    return window
