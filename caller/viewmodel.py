"""The calling console's view-model: one window's state as the hall reports it, and what each
button or key does.

Plain Python, no widgets. The console holds no queue state of its own: after every action
and every relevant hall event it reloads ``GET /windows``, ``GET /windows/{w}/queue`` and the
current ticket, and renders what came back. Blocking calls run through the ``run``
:data:`~ui.tasks.Runner`; the LED screen and the rating pad each have their own lane
(``lanes["led"]``, ``lanes["rating"]``) so that a citizen taking time to rate never delays
the next call on the LED.

Keys (documented on screen): F1 call next, F2 recall, F3 start serving, F4 finish, F5 no-show,
F6 transfer, F7 pause (then 1-4 say why: :mod:`caller.pause`), F8 resume; at a window with
video (``video_booth``) also F9 remote call, F10 video connected, F11 finish the remote
service, F12 cancel it (see :mod:`caller.remote_panel`).
While a remote call is under way the window calls nobody of its own hall. F5 is pressed twice
to mark a no-show, and only once the hall allows it; an undo is offered for the hall's grace
period (:mod:`caller.no_show`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypedDict, cast

from caller.device_reports import ConsoleDeviceReports
from caller.devices import CallerDevices
from caller.faults import FaultBoard
from caller.no_show import CONFIRM_PROMPT, NoShowCare
from caller.pause import PAUSE_KEYS, PAUSE_PROMPT, paused_message
from caller.remote_panel import (
    REMOTE_ACTIONS,
    REMOTE_NAMES,
    RemotePanel,
    remote_actions,
    remote_panel,
)
from caller.texts import why_not
from hall.client import HallApiError, HallClient
from hall.errors import ErrorCode
from hall.events import EventKind
from hall.lease import CALL_ACTIVE, CALL_OVER, RemoteCallState
from hall.ratings import LABELS
from hall.schemas import (
    HallBody,
    HealthBody,
    QueueEntryBody,
    RemoteCallBody,
    ServiceBody,
    TicketBody,
    WindowBody,
)
from hall.window_states import PauseReason
from ui.cloudclient import cloud_calls
from ui.tasks import Runner, run_now
from ui.viewmodel import DeviceStates, Message, message_of

log = logging.getLogger("hallq.caller")

#: Action names in key order, with their key and (Chinese, English) labels.
ACTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("call", "F1", "叫号", "Call next"),
    ("recall", "F2", "重呼", "Recall"),
    ("serve", "F3", "开始办理", "Start"),
    ("finish", "F4", "办结", "Finish"),
    ("no_show", "F5", "过号", "No-show"),
    ("transfer", "F6", "转移", "Transfer"),
    ("pause", "F7", "暂停", "Pause"),
    ("resume", "F8", "恢复", "Resume"),
)
KEYS = {key: name for name, key, _, _ in ACTIONS + REMOTE_ACTIONS}
#: Hall endpoints of the simple actions (transfer has a body).
ENDPOINTS = {"recall": "recall", "serve": "serve", "finish": "finish", "no_show": "no-show",
             "pause": "pause", "resume": "resume", "sign_out": "close"}
KEYPAD_KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "S", "0", "⌫")


@dataclass(frozen=True)
class CallerSettings:
    """How one console behaves."""

    #: The console's name, reported as ``where`` with device faults.
    name: str = "console"
    #: Seconds the rating pad waits for the citizen's key after a finish.
    rating_timeout_s: float = 30.0


class WindowSnapshot(TypedDict):
    """One refresh of the console (:meth:`CallerModel.refresh`): every window, this one, its
    current ticket, its line, its remote call (None without video) and the themes' waits."""

    windows: list[WindowBody]
    window: WindowBody
    current: TicketBody | None
    queue: list[QueueEntryBody]
    remote: RemoteCallBody | None
    services: list[ServiceBody]


@dataclass(frozen=True)
class RatingState:
    """The last rating asked for: the ticket, and the level (None while waiting / if none)."""

    number: str
    waiting: bool
    level: int | None = None


class CallerModel(ConsoleDeviceReports):
    """One window's console. All methods run on one thread (the Qt thread)."""

    def __init__(self, client: HallClient | None, window: str,
                 devices: CallerDevices | None = None, settings: CallerSettings | None = None,
                 run: Runner = run_now, lanes: dict[str, Runner] | None = None,
                 lang: str = "zh", clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.client = client
        self.window = str(window)
        self.devices = devices or CallerDevices()
        self.settings = settings or CallerSettings()
        self._run = run
        self._lanes = lanes or {}
        self.lang = lang
        self.connected: bool | None = None
        self.hall: HallBody | None = None
        """``GET /hall``, once it answered."""
        self.window_info: WindowBody | None = None
        self.windows: list[WindowBody] = []
        self.services: list[ServiceBody] = []
        self.queue: list[QueueEntryBody] = []
        self.current: TicketBody | None = None
        self.remote: RemoteCallBody | None = None
        """``GET /windows/{n}/remote`` at a window with video, else None."""
        self.remote_cancelled = False
        self._remote_outcome = False
        self.message: Message | None = None
        self.message_is_error = False
        self.rating: RatingState | None = None
        self.staff_entry = ""
        self.pin_entry = ""
        self.active_field = "staff"
        self.busy = False
        self.refreshed_at: float | None = None
        self._refreshing = False
        self._stale = False
        self._rating_cancel = threading.Event()
        self._reported: dict[str, str] = {}
        self.no_show = NoShowCare(clock)
        """F5's confirmation, the wait before a no-show, the undo offer."""
        self.device_states = DeviceStates(self.devices.kinds())  # what the heartbeat says
        self.faults = FaultBoard(self.window, {self.settings.name})  # for the status bar
        self.pause_asked = False    # after F7: the reasons are offered (keys 1-4, Esc: not now)

    def _lane(self, name: str) -> Runner:
        return self._lanes.get(name, self._run)

    # ------------------------------------------------------------------ what is shown
    @property
    def status(self) -> str:
        """The window's status: closed, open or paused ("unknown" before the first load)."""
        return self.window_info["status"] if self.window_info else "unknown"

    @property
    def signed_in(self) -> bool:
        """Whether the window is open (or paused) with someone at it."""
        return self.status in ("open", "paused")

    @property
    def video_booth(self) -> bool:
        """Whether this window can serve by video, and so call other halls (远程叫号): its
        catalog entry says ``video_booth`` and its remote state was read."""
        info = self.window_info
        return bool(info and info.get("video_booth")) and self.remote is not None

    @property
    def remote_state(self) -> str:
        """The window's remote call: ``idle``, ``calling``, ``serving``… (caller.remote_panel)."""
        return self.remote.get("state", RemoteCallState.IDLE) if self.remote else \
            RemoteCallState.IDLE

    def available(self) -> set[str]:
        """The actions that make sense now (the others are shown disabled)."""
        if not self.signed_in or self.busy:
            return set()
        if self.status == "paused":
            return {"resume"}
        if self.remote_state in CALL_ACTIVE:
            return remote_actions(self.remote_state)
        current = self.window_info.get("current_status") if self.window_info else None
        if current is None:
            return {"call", "pause"} | ({"remote_call"} if self.video_booth else set())
        if current == "called":
            return {"recall", "serve", "finish", "no_show", "transfer"}
        return {"finish", "transfer"}

    def key_actions(self) -> tuple[tuple[str, str, str, str], ...]:
        """The actions with their keys, as documented on screen (remote ones with video)."""
        return ACTIONS + REMOTE_ACTIONS if self.video_booth else ACTIONS

    def remote_panel(self) -> RemotePanel | None:
        """What the current-ticket card shows of a remote call: while it is under way, and
        its outcome until staff do something else; None otherwise."""
        if self.remote is None or (self.window_info and self.window_info.get("current")):
            return None
        state = self.remote_state
        if state in CALL_ACTIVE or (state in CALL_OVER and self._remote_outcome):
            return remote_panel(self.remote, self.remote_cancelled)
        return None

    def window_name(self) -> str:
        """"3号窗口" / "Window 3"."""
        if self.lang == "en":
            return f"Window {self.window}"
        return f"{self.window}号窗口"

    def set_lang(self, lang: str) -> None:
        """Switch the language ("zh" or "en")."""
        self.lang = "en" if lang == "en" else "zh"
        self._changed()

    def toggle_lang(self) -> None:
        """Chinese ↔ English."""
        self.set_lang("zh" if self.lang == "en" else "en")

    def set_connected(self, connected: bool) -> None:
        """The hall's event stream went up or down; reload when it is back."""
        self.connected = connected
        if connected:
            self.refresh()
        self._changed()

    def _say(self, message: Message | None, error: bool = False) -> None:
        self.message = message
        self.message_is_error = error
        self._changed()

    # ------------------------------------------------------------------ loading
    def start(self) -> None:
        """Load the hall, the services (for transfers) and this window's state."""
        client = self.client
        if client is None:
            return
        self._run(client.hall, self._hall_loaded, self._load_failed)
        self._run(client.services, self._services_loaded, self._load_failed)
        self._run(client.health, self._health_loaded, self._load_failed)
        self.refresh()

    def _hall_loaded(self, hall: HallBody) -> None:
        self.hall = hall
        self.faults.knows_as_mine(hall.get("device", {}).get("name", ""))
        self._changed()

    def _health_loaded(self, health: HealthBody) -> None:
        self.faults.load(health.get("devices", []))
        self._changed()

    def _services_loaded(self, services: list[ServiceBody]) -> None:
        self.services = services
        self._changed()

    def _load_failed(self, err: Exception) -> None:
        log.warning("could not load from the hall: %s", err)

    def refresh(self) -> None:
        """Reload the window, its queue and its current ticket (one request at a time)."""
        client = self.client
        if client is None:
            return
        if self._refreshing:
            self._stale = True
            return
        self._refreshing = True
        self._run(lambda: self._fetch(client), self.refreshed, self._refresh_failed)

    def _fetch(self, client: HallClient) -> WindowSnapshot:
        windows = client.windows()
        mine = next((w for w in windows if w["number"] == self.window), None)
        if mine is None:
            raise HallApiError(404, ErrorCode.UNKNOWN_WINDOW, "窗口不存在", "Window not found")
        current_id = mine.get("current_ticket")
        current = client.ticket(current_id) if current_id else None
        cloud = cloud_calls(client)
        remote = cloud.remote_state(self.window) if mine.get("video_booth") and cloud else None
        return {"windows": windows, "window": mine, "current": current,
                "queue": client.window_queue(self.window), "remote": remote,
                "services": client.services()}

    def refreshed(self, snapshot: WindowSnapshot) -> None:
        """A fresh view of the window arrived."""
        self.windows = snapshot["windows"]
        self.window_info = snapshot["window"]
        self.current = snapshot["current"]
        self.no_show.track(self.current if self.window_info.get("current") else None)
        self.queue = snapshot["queue"]
        self.services = snapshot["services"]
        self._note_remote(snapshot.get("remote"))
        self.refreshed_at = time.time()
        self._refresh_done()
        self._changed()

    def _refresh_failed(self, err: Exception) -> None:
        self._load_failed(err)
        self._refresh_done()
        self._say(message_of(err), error=True)

    def _refresh_done(self) -> None:
        self._refreshing = False
        if self._stale:
            self._stale = False
            self.refresh()

    def _note_remote(self, remote: RemoteCallBody | None) -> None:
        """The hall's view of the remote call; a call that just ended shows its outcome."""
        before = self.remote_state
        self.remote = remote
        if self.remote_state in CALL_ACTIVE:
            self._remote_outcome = False
        elif self.remote_state in CALL_OVER and before in CALL_ACTIVE:
            self._remote_outcome = True

    def on_event(self, event: dict) -> None:
        """A hall event: the queue or this window (its remote call too) may have changed, or
        a device here or at a kiosk failed or is fine again."""
        kind = event.get("kind", "")
        if kind.startswith(("ticket.", "window.")):
            self.refresh()
        elif kind == EventKind.DEVICE_STATUS and self.faults.note_event(event.get("data", {})):
            self._changed()

    # ------------------------------------------------------------------ signing in
    def select_field(self, field: str) -> None:
        """Type into the staff ID ("staff") or the PIN ("pin") field."""
        self.active_field = "pin" if field == "pin" else "staff"
        self._changed()

    def keypad(self, key: str) -> None:
        """A key of the on-screen keypad (or the keyboard) on the sign-in screen."""
        if key == "⌫":
            if self.active_field == "pin":
                self.pin_entry = self.pin_entry[:-1]
            else:
                self.staff_entry = self.staff_entry[:-1]
        elif key == "clear":
            self.staff_entry = self.pin_entry = ""
            self.active_field = "staff"
        elif len(key) == 1 and key.isalnum():
            if self.active_field == "pin" and len(self.pin_entry) < 12:
                self.pin_entry += key if key.isdigit() else ""
            elif self.active_field == "staff" and len(self.staff_entry) < 16:
                self.staff_entry += key.upper()
        self._changed()

    def sign_in_pin(self) -> None:
        """Sign in with the staff ID and PIN typed."""
        if not self.staff_entry or not self.pin_entry:
            self._say(("请输入工号和密码", "Enter your staff ID and PIN"), error=True)
            return
        staff, pin = self.staff_entry, self.pin_entry
        self.pin_entry = ""
        self._sign_in(lambda client: client.sign_in(self.window, staff_id=staff, pin=pin))

    def badge_seen(self, uid: str) -> None:
        """A staff badge was laid on the reader: sign in with its UID."""
        if not uid:
            self._say(("无法读取工作证", "Cannot read the badge"), error=True)
            return
        if self.signed_in:
            return
        self._sign_in(lambda client: client.sign_in(self.window, badge_uid=uid))

    def _sign_in(self, call: Callable[[HallClient], WindowBody]) -> None:
        client = self.client
        if client is None or self.busy:
            return
        self.busy = True
        self._say(None)
        self._run(lambda: call(client), self._signed_in, self._failed)

    def _signed_in(self, window: WindowBody) -> None:
        self.busy = False
        self.staff_entry = self.pin_entry = ""
        self.active_field = "staff"
        self.window_info = window
        self._say(("已签到，窗口开启", "Signed in; the window is open"))
        self.refresh()

    # ------------------------------------------------------------------ actions
    def press_key(self, key: str) -> bool:
        """A function key (F1…F12), or 1-4 / Esc after F7; True when the console knows it."""
        if self.pause_asked and key in PAUSE_KEYS:
            self.act("pause", PAUSE_KEYS[key])
            return True
        if self.pause_asked and key == "Esc":   # not now: the window stays open
            self.pause_asked = False
            self._say(None)
            return True
        name = KEYS.get(key)
        if name is None:
            return False
        if name == "transfer":
            return True  # the view opens the transfer dialog
        self.act(name)
        return True

    def act(self, name: str, reason: PauseReason | None = None) -> None:
        """Do one action (call, recall, serve, finish, no_show, pause, resume, sign_out,
        and at a window with video remote_call, remote_start, remote_finish, remote_cancel);
        a pause without its ``reason`` asks for one."""
        client = self.client
        if client is None or self.busy:
            return
        if name != "sign_out" and name not in self.available():
            self._say(why_not(name, self.status, self.remote_state, self.video_booth),
                      error=True)
            return
        if name == "pause" and reason is None:
            self.pause_asked = True     # F7 asks why; 1-4 (or a button) pauses
            self._say(PAUSE_PROMPT)
            return
        self.pause_asked = False
        if name == "no_show":
            prompt = self.no_show.press()
            if prompt is not None:
                self._say(*prompt)
                return
        else:
            self.no_show.cancel()
        self.busy = True
        self._remote_outcome = False
        self._say(None)
        window = self.window
        cloud = cloud_calls(client)
        if name in REMOTE_NAMES:
            assert cloud is not None  # remote actions are available only with cloud calls
            self.remote_cancelled = name == "remote_cancel"
            self._run(lambda: cloud.remote_step(window, name),
                      lambda state: self._remote_acted(name, state), self._failed)
            return
        body = {"reason": reason.value} if reason else None
        job: Callable[[], Any] = (lambda: client.call(window)) if name == "call" else (
            lambda: client.window_action(window, ENDPOINTS[name], body))
        self._run(job, lambda result: self._acted(name, result), self._failed)

    def can_undo(self) -> bool:
        """Whether the undo of the last no-show is offered: in time, the window free."""
        info = self.window_info
        return (self.no_show.undo_left() > 0 and not self.busy and self.status == "open"
                and not (info and info.get("current")))

    def undo_no_show(self) -> None:
        """Take back the last no-show (撤销过号): the same ticket is called here again."""
        client, offer = self.client, self.no_show.undo
        if client is None or offer is None or not self.can_undo():
            return
        self.busy = True
        self.no_show.undo = None
        window = self.window
        self._run(lambda: client.undo_no_show(window, offer.ticket),
                  lambda result: self._acted("undo_no_show", result), self._failed)

    def tick(self) -> None:
        """Once a second: countdowns that ran out change what is shown."""
        if self.no_show.expire():
            if self.message == CONFIRM_PROMPT:
                self._say(None)
            self._changed()

    def _remote_acted(self, name: str, state: RemoteCallBody) -> None:
        self.busy = False
        self._note_remote(state)
        number = state.get("number") or ""
        if name == "remote_finish":
            self._say((f"{number} 已远程办结", f"{number} served by video"))
        elif name == "remote_cancel":
            self._say(("已取消远程叫号", "Remote call cancelled"))
        else:
            self._changed()
        self.refresh()

    def transfer(self, to_service: str | None = None, to_window: str | None = None) -> None:
        """Hand the current ticket to a theme or a named window."""
        client = self.client
        if client is None or self.busy or "transfer" not in self.available():
            return
        self.busy = True
        window = self.window
        self._run(lambda: client.transfer(window, to_service=to_service, to_window=to_window),
                  lambda result: self._acted("transfer", result), self._failed)

    def _failed(self, err: Exception) -> None:
        self.busy = False
        self._say(message_of(err), error=True)
        self.refresh()

    def _acted(self, name: str, result: TicketBody | WindowBody | None) -> None:
        self.busy = False
        number = result.get("number") if isinstance(result, dict) else None
        if name == "call" and result is None:
            self._say(("暂无等候的号码", "Nobody is waiting"))
        elif name in ("call", "recall") and number:
            self._say((f"已叫号 {number}", f"Called {number}"))
            self._led("show_call", number, self.window)
        elif name == "pause":
            self._say(paused_message(cast(WindowBody, result).get("pause_reason")))
            self._led("show_paused")
        elif name in ("resume", "sign_out"):
            self._say(("已恢复服务", "Resumed") if name == "resume" else
                      ("已签退，窗口关闭", "Signed out; the window is closed"))
            self._led("clear")
        elif name == "finish" and isinstance(result, dict):
            self._say((f"{number} 已办结", f"{number} finished"))
            self._ask_rating(cast(TicketBody, result))  # finish answers with the ticket
        elif name == "no_show":
            self.no_show.offer_undo(cast(TicketBody, result))
            left = self.no_show.undo_left()
            self._say((f"{number} 已过号" + (f"，{left} 秒内可撤销" if left else ""),
                       f"{number} marked as no-show" + (f"; undo within {left} s" if left
                                                        else "")))
        elif name == "undo_no_show":
            self._say((f"已撤销过号，{number} 回到本窗口", f"No-show undone: {number} is back"))
            self._led("show_call", number or "", self.window)
        elif name == "transfer":
            self._say((f"{number} 已转移", f"{number} transferred"))
        self.refresh()

    # ------------------------------------------------------------------ devices
    def _led(self, command: str, *args: str) -> None:
        led = self.devices.led
        if led is None:
            return
        self._lane("led")(lambda: getattr(led, command)(*args), lambda _: self.device_ok("led"),
                          lambda err: self.device_failed("led", err))

    def _ask_rating(self, ticket: TicketBody) -> None:
        if self.devices.rating is None or self.client is None:
            return
        self._rating_cancel.set()  # the previous citizen has left the window
        cancel = self._rating_cancel = threading.Event()
        client, devices = self.client, self.devices
        number, ticket_id = ticket["number"], ticket["id"]
        timeout = self.settings.rating_timeout_s
        self.rating = RatingState(number, waiting=True)

        def job() -> int | None:
            level = devices.wait_rating(number, timeout, cancel)
            if level is not None:
                client.rate(ticket_id, level)
            return level
        self._lane("rating")(job, lambda level: self._rated(number, level),
                             lambda err: self._rating_failed(number, err))

    def _rated(self, number: str, level: int | None) -> None:
        self.device_ok("rating")
        if self.rating is not None and self.rating.number == number:
            self.rating = RatingState(number, waiting=False, level=level)
        self._changed()

    def _rating_failed(self, number: str, err: Exception) -> None:
        if self.rating is not None and self.rating.number == number:
            self.rating = RatingState(number, waiting=False)
        if isinstance(err, HallApiError):
            self._say(message_of(err), error=True)
        else:
            self.device_failed("rating", err)

    def rating_label(self) -> str:
        """The rated level's label in the current language."""
        if self.rating is None or self.rating.level is None:
            return ""
        zh, en = LABELS[self.rating.level]
        return en if self.lang == "en" else zh

    def close(self) -> None:
        """Stop waiting for a rating (the console is closing)."""
        self._rating_cancel.set()
