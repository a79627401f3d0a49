"""The window controller (窗口控制器): a process beside a window that drives its calling keypad,
LED screen and rating pad from the hall's API, with or without the calling console open.

``hallq window-controller --window 3 --token TOKEN --keypad "keypad:///dev/ttyUSB2?addr=4"
[--led URL] [--rating URL] [--url URL] [--preset 1=B --preset 2=window:14]``

Signing in: staff sign in as they do today, at the console (PIN or badge) or at the service
desk; the controller acts on an open window and needs no secret of its own beyond the window's
paired token (``hallq pair --role caller --window 3``). A keypad of 2×16 columns and twelve
keys is a poor place to type a staff ID with letters and a PIN, and a window is opened once a
day. While the window is closed the keypad says so and its keys do nothing.

Keys: 叫号 call next, 重呼 recall, 开始 start serving, 办结 finish, 过号 no-show, 暂停/恢复
pause or resume, 转移 then a digit: transfer to that preset (``--preset 1=B`` a theme,
``--preset 2=window:14`` a window; without presets digit N is the hall's N-th theme), 取消
leaves the transfer or clears a message. Every key is one call of the hall's API, so the hall's
rules (and its bilingual refusals, shown on the display for a few seconds) apply as at the
console.

One thread does every device I/O in turn (keypad poll, display, LED, rating pad), so devices
sharing one RS-485 adapter never talk at once; the hall's event stream only queues events for
it. The display, the LED and the rating pad follow the hall's events, not the keys, so they
agree with the console when both are open. An unplugged keypad is reported to the hall
(``POST /devices/status``, state ``offline``) and tried again every few seconds; a garbled
frame is logged (its error code only) and skipped.
"""

from __future__ import annotations

import argparse
import logging
import queue
import sys
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from devices.base import DeviceDisconnected, DeviceError, DeviceTimeout
from devices.busframe import BusFrameError
from devices.keypad import protocol as kp
from devices.keypad.keys import Key, digit_of
from hall.errors import ErrorCode
from hall.window_states import DEFAULT_PAUSE_REASON

if TYPE_CHECKING:
    from hall.client import HallClient
    from hall.schemas import WindowBody

log = logging.getLogger("caller.window_controller")

#: Seconds a message (a refusal, "nobody waiting", the transfer prompt) stays on the display.
NOTE_S = 4.0
#: Seconds the transfer key waits for its digit.
TRANSFER_S = 10.0
#: The hall endpoints of the keys that take no body.
ENDPOINTS = {Key.RECALL: "recall", Key.START: "serve", Key.FINISH: "finish",
             Key.NO_SHOW: "no-show"}
Message = tuple[str, str]
#: The hall's refusals a key meets most, said in the keypad's 16 columns (the hall's own
#: messages are longer); any other refusal shows the hall's message cut to fit.
KEYPAD_REFUSALS: dict[str, Message] = {
    ErrorCode.NO_SHOW_TOO_EARLY: ("请先重呼或稍候", "Recall or wait"),
    ErrorCode.NOTHING_TO_UNDO: ("无可撤销的过号", "Nothing to undo"),
    ErrorCode.UNDO_EXPIRED: ("撤销时间已过", "Too late to undo"),
    ErrorCode.WINDOW_BUSY: ("请先办结当前号", "Finish current"),
}


@dataclass(frozen=True)
class Preset:
    """Where a transfer digit sends the current ticket: a theme, or a named window."""

    to_service: str | None = None
    to_window: str | None = None

    @property
    def short(self) -> str:
        """``B`` or ``W14``, as the display lists it."""
        return self.to_service or f"W{self.to_window}"


def parse_presets(values: list[str]) -> dict[int, Preset]:
    """``["1=B", "2=window:14"]`` -> digit -> preset; ValueError naming the bad one."""
    presets: dict[int, Preset] = {}
    for value in values:
        digit, _, target = value.partition("=")
        if not (digit.strip().isdigit() and len(digit.strip()) == 1 and target.strip()):
            raise ValueError(f"preset {value!r}: expected DIGIT=THEME or DIGIT=window:N")
        target = target.strip()
        if target.startswith("window:"):
            presets[int(digit)] = Preset(to_window=target.removeprefix("window:"))
        else:
            presets[int(digit)] = Preset(to_service=target)
    return presets


def render(window: str, info: WindowBody | None, waiting: int,
           note: Message | None = None) -> tuple[str, str, int]:
    """The keypad's two lines (Chinese, English) and LEDs for the window's state; a note
    replaces the lines (not the LEDs) while it lasts."""
    leds = 0
    if info is None:
        lines: Message = ("连接大厅中…", "Connecting...")
    elif info["status"] == "closed":
        lines = (f"{window}号窗口 未开放", "Closed: sign in")
    elif info["status"] == "paused":
        lines, leds = ("暂停服务", "Paused"), kp.LED_PAUSED
    else:
        leds = kp.LED_OPEN
        number, status = info.get("current"), info.get("current_status")
        if number and status == "serving":
            lines = (f"{number} 办理中", f"{number} serving")
        elif number:
            lines = (f"{number} 已叫号", f"{number} called")
        else:
            lines = (f"空闲 等候{waiting}人", f"Idle, {waiting} waiting")
        if number:
            leds |= kp.LED_BUSY
    if note is not None:
        lines = note
    return kp.fit(lines[0]), kp.fit(lines[1]), leds


class WindowController:
    """Drives one window's keypad, LED screen and rating pad; :meth:`start` runs it in a
    thread, :meth:`stop` ends it. Devices other than the keypad may be None."""

    def __init__(self, client: HallClient, window: str, keypad: Any, led: Any = None,
                 rating: Any = None, presets: dict[int, Preset] | None = None,
                 name: str = "", poll_s: float = 0.05, retry_s: float = 2.0,
                 rating_timeout_s: float = 30.0) -> None:
        self.client = client
        self.window = str(window)
        self.keypad, self.led, self.rating = keypad, led, rating
        self.presets = presets or {}
        self.name = name or f"window-controller-{window}"
        self.poll_s, self.retry_s, self.rating_timeout_s = poll_s, retry_s, rating_timeout_s
        self.info: WindowBody | None = None
        self.waiting = 0
        self.events: queue.Queue[dict] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stream: Any = None
        self._dirty = True
        self._refresh_at = 0.0
        self._note: Message | None = None
        self._note_until = 0.0
        self._transfer_until = 0.0
        self._shown: tuple[str, str, int] | None = None
        self._down: dict[str, str] = {}  # device kind -> the error code reported
        self._retry_at = 0.0
        self._rating: tuple[str, float] | None = None  # ticket id, deadline

    # ------------------------------------------------------------------ running
    def start(self) -> WindowController:
        """Follow the hall's events and run the loop in a daemon thread."""
        from hall.client import EventStream

        # Only what happens from now on: old calls and finishes must not replay on the devices.
        after = int(self.client.health().get("last_seq", 0))
        self._stream = EventStream(self.client.base_url, self.client.token, self.events.put,
                                   after=after, on_state=self._stream_state)
        if not self.presets:
            self._load_presets()
        self._thread = threading.Thread(target=self.run, name=f"window-{self.window}",
                                        daemon=True)
        self._thread.start()
        self._stream.start()
        return self

    def stop(self) -> None:
        """Stop the loop and the event stream."""
        self._stop.set()
        if self._stream is not None:
            self._stream.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def run(self) -> None:
        """The loop: poll the keypad, follow events, repaint; until :meth:`stop`."""
        while not self._stop.is_set():
            for key in self._keypad_io(self.keypad.poll_keys) or []:
                self.press(key)
            now = time.monotonic()
            if self._dirty and now >= self._refresh_at:
                self._refresh()
            self._paint()
            self._tick_rating()
            try:
                self._on_event(self.events.get(timeout=self.poll_s))
                while True:
                    self._on_event(self.events.get_nowait())
            except queue.Empty:
                pass

    def _stream_state(self, connected: bool) -> None:
        if connected:
            self.events.put({"kind": "stream.connected", "data": {}})

    def _load_presets(self) -> None:
        """Without ``--preset``: digit N is the hall's N-th theme."""
        from hall.client import HallApiError

        try:
            services = self.client.services()
        except HallApiError as err:
            log.warning("window %s: no transfer presets, the hall did not answer (%s)",
                        self.window, err.code)
            return
        self.presets = {n: Preset(to_service=s["prefix"])
                        for n, s in enumerate(services[:9], start=1)}

    # ------------------------------------------------------------------ the hall's state
    def _on_event(self, event: dict) -> None:
        kind, data = str(event.get("kind", "")), event.get("data") or {}
        if kind.startswith(("ticket.", "window.", "stream.")):
            self._dirty = True
            self._refresh_at = 0.0
        mine = data.get("window") == self.window
        if kind in ("ticket.called", "ticket.recalled") and mine:
            self._led(lambda led: led.show_call(data["number"], self.window))
        elif kind == "window.paused" and mine:
            self._led(lambda led: led.show_paused())
        elif kind in ("window.resumed", "window.closed") and mine:
            self._led(lambda led: led.clear())
        elif kind == "ticket.finished" and mine:
            self._ask_rating(data["ticket"], data["number"])

    def _refresh(self) -> None:
        """Read this window and its line from the hall (retried later when it fails)."""
        from hall.client import HallApiError

        try:
            windows = self.client.windows()
            self.waiting = len(self.client.window_queue(self.window))
        except HallApiError as err:
            log.info("window %s: refresh failed (%s); retrying", self.window, err.code)
            self._refresh_at = time.monotonic() + self.retry_s
            if err.status == 0:
                self._say(("大厅连接中断", "Hall unreachable"))
            return
        self.info = next((w for w in windows if w["number"] == self.window), None)
        self._dirty = False

    def _say(self, note: Message | None, seconds: float = NOTE_S) -> None:
        self._note, self._note_until = note, time.monotonic() + seconds

    def screen(self) -> tuple[str, str, int]:
        """What the keypad should show now."""
        now = time.monotonic()
        if self._note is not None and now >= self._note_until:
            self._note = None
        if self._transfer_until and now >= self._transfer_until:
            self._transfer_until = 0.0
        return render(self.window, self.info, self.waiting, self._note)

    def _paint(self) -> None:
        wanted = self.screen()
        if wanted != self._shown and self._keypad_io(lambda: self.keypad.show(*wanted)) \
                is not None:
            self._shown = wanted

    # ------------------------------------------------------------------ keys
    def press(self, key: Key) -> None:
        """Do what ``key`` says, through the hall's API; refusals go on the display."""
        from hall.client import HallApiError

        log.info("window %s: key %s", self.window, key.name)
        transferring, self._transfer_until = self._transfer_until > 0, 0.0
        digit = digit_of(key)
        try:
            if transferring and digit is not None:
                self._transfer(digit)
            elif key is Key.TRANSFER:
                self._offer_transfer()
            elif key is Key.CLEAR or digit is not None:
                self._say(None)
            else:
                self._act(key)
        except HallApiError as err:
            self._say(KEYPAD_REFUSALS.get(err.code, (err.message_zh, err.message_en)))
        self._dirty, self._refresh_at = True, 0.0

    def _act(self, key: Key) -> None:
        self._say(None)
        if key is Key.CALL:
            if self.client.call(self.window) is None:
                self._say(("无人等候", "Nobody waiting"))
        elif key is Key.PAUSE:
            paused = self.info is not None and self.info["status"] == "paused"
            reason = {"reason": DEFAULT_PAUSE_REASON.value}    # one key, no choice: 暂离
            self.client.window_action(self.window, "resume" if paused else "pause",
                                      None if paused else reason)
        else:
            self.client.window_action(self.window, ENDPOINTS[key])

    def _offer_transfer(self) -> None:
        if not self.presets:
            self._say(("未设置转移目标", "No transfer preset"))
            return
        listed = " ".join(f"{n}={p.short}" for n, p in sorted(self.presets.items()))
        self._say(("转移: 请按数字键", listed), TRANSFER_S)
        self._transfer_until = time.monotonic() + TRANSFER_S

    def _transfer(self, digit: int) -> None:
        preset = self.presets.get(digit)
        if preset is None:
            self._say((f"转移目标{digit}未设置", f"No preset {digit}"))
            return
        ticket = self.client.transfer(self.window, to_service=preset.to_service,
                                      to_window=preset.to_window)
        self._say((f"{ticket['number']} 已转{preset.short}", f"Sent to {preset.short}"))

    # ------------------------------------------------------------------ devices
    def _keypad_io(self, action: Any) -> Any:
        """Run a keypad command: None when it failed (reported once, retried every
        ``retry_s`` while the keypad is offline) or was skipped while waiting to retry."""
        if "keypad" in self._down and time.monotonic() < self._retry_at:
            return None
        try:
            result = action()
        except BusFrameError as err:
            log.warning("window %s: garbled frame from the keypad skipped (%s)",
                        self.window, err.code)
            return None
        except (DeviceDisconnected, DeviceTimeout) as err:
            self._retry_at = time.monotonic() + self.retry_s
            self._failed("keypad", err, "offline")
            return None
        except DeviceError as err:
            log.warning("window %s: keypad command failed (%s)", self.window, err.code)
            return None
        if self._down.pop("keypad", None) is not None:
            log.info("window %s: the keypad answers again", self.window)
            self._report("keypad", "ready", "")
            self._shown = None  # it may have lost power: show the state again
        return True if result is None else result

    def _led(self, command: Any) -> None:
        if self.led is None:
            return
        try:
            command(self.led)
        except DeviceError as err:
            self._failed("led", err, "error")
            return
        self._ok("led")

    def _ask_rating(self, ticket_id: str, number: str) -> None:
        if self.rating is None:
            return
        try:
            self.rating.prompt(number)
        except DeviceError as err:
            self._failed("rating", err, "error")
            return
        self._ok("rating")
        self._rating = (ticket_id, time.monotonic() + self.rating_timeout_s)

    def _tick_rating(self) -> None:
        """Look once for the citizen's key; send it to the hall, or give up at the deadline."""
        from hall.client import HallApiError

        if self._rating is None:
            return
        ticket_id, deadline = self._rating
        try:
            level = self.rating.read_rating(0)
            if level is None and time.monotonic() >= deadline:
                self.rating.cancel()
        except DeviceError as err:
            self._failed("rating", err, "error")
            self._rating = None
            return
        if level is None and time.monotonic() < deadline:
            return
        self._rating = None
        if level is not None:
            try:
                self.client.rate(ticket_id, int(level))
            except HallApiError as err:
                log.warning("window %s: the rating was refused (%s)", self.window, err.code)

    def _failed(self, kind: str, err: DeviceError, state: str) -> None:
        """A device failed: log and tell the hall once per error code."""
        if self._down.get(kind) == err.code:
            return
        self._down[kind] = err.code
        log.warning("window %s: %s %s (%s)", self.window, kind, state, err.code)
        self._report(kind, state, err.code)

    def _ok(self, kind: str) -> None:
        if self._down.pop(kind, None) is not None:
            self._report(kind, "ready", "")

    def _report(self, kind: str, state: str, detail: str) -> None:
        from hall.client import HallApiError

        try:
            self.client.device_status(kind, state, where=self.name, detail=detail)
        except HallApiError as err:
            log.info("window %s: could not report %s %s (%s)", self.window, kind, state,
                     err.code)


# ---------------------------------------------------------------------- command line
def cmd_window_controller(args: argparse.Namespace) -> int:
    """Run the window controller until SIGINT/SIGTERM."""
    from devices.registry import open_all
    from hall.client import HallApiError, HallClient
    from hall.logs import setup_logging
    from ui.app_config import apply_config
    from ui.launch import resolve

    setup_logging(args.verbose)
    if not apply_config(args, "hallq window-controller"):
        return 2
    if not args.keypad:
        print("hallq window-controller: 请给出呼叫器 --keypad URL（或 --config）/ give the "
              "keypad's --keypad URL (or --config)", file=sys.stderr)
        return 2
    try:
        presets = parse_presets(args.preset or [])
    except ValueError as err:
        print(f"hallq window-controller: 转移目标格式有误 / {err}", file=sys.stderr)
        return 2
    found = resolve(args, "hallq window-controller")
    if found is None:
        return 2
    url, token = found
    client = HallClient(url, token)
    try:
        window = args.window or client.hall()["device"].get("window")
        if not window:
            print("hallq window-controller: 该令牌未绑定窗口，请给出 --window / this token is "
                  "not paired to a window; give --window", file=sys.stderr)
            return 2
        devices = open_all(args.keypad, args.led, args.rating)
    except (HallApiError, DeviceError) as err:
        text = f"{err.message_zh} / {err.message_en}" if isinstance(err, HallApiError) \
            else err.describe()
        print(f"hallq window-controller: {text}", file=sys.stderr)
        client.close()
        return 2
    keypad, led, rating = devices
    controller = WindowController(client, str(window), keypad, led, rating, presets=presets,
                                  name=args.name or f"window-controller-{window}",
                                  rating_timeout_s=args.rating_timeout)
    return _serve(controller, devices, url)


def _serve(controller: WindowController, devices: list[Any], url: str) -> int:
    """Run ``controller`` until a signal, then close everything."""
    from devices.registry import close_all
    from devices.techkit import stop_on_signals, wait_for
    from hall.client import HallApiError

    with stop_on_signals() as stop:
        try:
            try:
                controller.start()
            except HallApiError as err:
                print(f"hallq window-controller: {err.message_zh} / {err.message_en}",
                      file=sys.stderr)
                return 1
            print(f"hallq window-controller: {controller.window}号窗口 / window "
                  f"{controller.window} on {url}; 按 Ctrl+C 停止 / press Ctrl+C to stop",
                  flush=True)
            wait_for(stop)
        finally:
            controller.stop()
            close_all(devices)
            controller.client.close()
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``window-controller`` to ``hallq``."""
    import os

    parser = sub.add_parser(
        "window-controller", help="drive a window's calling keypad, LED screen and rating pad",
        description="Drive one window's calling keypad (呼叫器), LED screen and rating pad from "
                    "the hall's API, with or without the calling console open. Staff sign in "
                    "at the console; the keypad acts on an open window.")
    parser.add_argument("--window", help="the window (default: the one the token is paired to)")
    parser.add_argument("--url", help="the hall node's URL (default: find it on the LAN)")
    parser.add_argument("--token", default=os.environ.get("HALLQ_TOKEN"),
                        help="the window's token from `hallq pair --role caller --window N` "
                             "(default: $HALLQ_TOKEN)")
    parser.add_argument("--config", metavar="FILE",
                        help="this box's config from `hallq provision` "
                             "(/etc/hallq/window-controller.toml); options given win")
    parser.add_argument("--keypad",
                        help="calling keypad URL, e.g. keypad:///dev/ttyUSB2?addr=4 or "
                             "sim://keypad?addr=4")
    parser.add_argument("--led", help="window LED screen URL, e.g. led:///dev/ttyUSB2?addr=3")
    parser.add_argument("--rating", help="rating pad URL, e.g. rating:///dev/ttyUSB2?addr=2")
    parser.add_argument("--preset", action="append", metavar="DIGIT=TARGET",
                        help="transfer preset: 1=B (a theme) or 2=window:14; repeat "
                             "(default: digit N is the hall's N-th theme)")
    parser.add_argument("--rating-timeout", type=float, default=30.0,
                        help="seconds the rating pad waits for the citizen")
    parser.add_argument("--name", help="this controller's name in device reports")
    parser.set_defaults(func=cmd_window_controller)
