"""The wall display's view-model (综合屏): plain Python, no Qt.

It is fed by what the hall node says: :meth:`DisplayModel.load_windows` and
:meth:`DisplayModel.load_services` with the API's reads, :meth:`DisplayModel.apply` with each
event of the stream. It keeps only what the screen shows: the windows' current calls, the last
calls, people waiting and the expected wait per theme, paused windows. Ticket numbers and
window numbers only: events carry no names or ID numbers, and neither does this model.

Cloud calling (云叫号): a ticket lent to another hall's window (``ticket.leased``) is called
like any other, to this hall's video booth ("B012 → 视频服务区1号"); it leaves the board when
the remote service is over (``ticket.remote_finished``) or when the ticket comes back to its
line (``ticket.lease_returned``: the number waits again, the earlier call stays in the list).

A no-show its window takes back (``ticket.no_show_undone``) is shown at that window again,
without a new announcement: the citizen is at the window already.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from display import voice
from hall.events import WINDOW_STATUS_KINDS, EventKind
from hall.schemas import HallBody, ServiceBody, WindowBody
from hall.wait_text import wait_word
from ui.viewmodel import ViewModel

#: Events after which the waiting counts change (the model asks for a fresh /services).
RELOAD_KINDS = frozenset({
    EventKind.TICKET_ISSUED, EventKind.TICKET_CALLED, EventKind.TICKET_NO_SHOW,
    EventKind.TICKET_RECHECKED_IN, EventKind.TICKET_TRANSFERRED, EventKind.TICKET_CANCELLED,
    EventKind.TICKET_EXPIRED, EventKind.TICKET_PRIORITIZED, EventKind.TICKET_FINISHED,
    *WINDOW_STATUS_KINDS, EventKind.TICKET_LEASED, EventKind.TICKET_LEASE_RETURNED,
    EventKind.TICKET_REMOTE_SERVING, EventKind.TICKET_REMOTE_FINISHED})
#: Events after which a ticket is no longer at a window (or at the video booth).
LEAVE_KINDS = frozenset({
    EventKind.TICKET_FINISHED, EventKind.TICKET_NO_SHOW, EventKind.TICKET_TRANSFERRED,
    EventKind.TICKET_EXPIRED, EventKind.TICKET_CANCELLED, EventKind.TICKET_LEASE_RETURNED,
    EventKind.TICKET_REMOTE_FINISHED})
#: Events that open, pause, resume or close a window (others, like a window's remote call,
#: leave its status alone).
STATUS_KINDS = WINDOW_STATUS_KINDS
#: A window in one of these states is listed as paused (closed windows are simply not staffed).
PAUSED_STATES = frozenset({"paused"})


@dataclass
class Call:
    """A number called to a window (``at`` is the display's monotonic clock, ``ts`` the hall's)."""

    ticket: str
    number: str
    window: str
    at: float
    ts: float = 0.0
    recalls: int = 0
    live: bool = True
    """False for calls learnt while catching up: they are shown but not highlighted."""
    booth: str = ""
    """The video booth the ticket is called to (云叫号; ``window`` is then empty)."""
    booth_name_zh: str = ""
    booth_name_en: str = ""

    @property
    def place(self) -> str:
        """Where the call stands on the board: its window, or ``booth:<id>``."""
        return f"booth:{self.booth}" if self.booth else self.window


@dataclass
class ThemeLine:
    """People waiting for one theme and the wait a new ticket would get."""

    prefix: str
    name_zh: str
    name_en: str
    waiting: int
    expected_wait_s: int | None
    wait_kind: str | None = None


@dataclass
class Outcome:
    """What an event means for the screen."""

    changed: bool = False
    reload_services: bool = False
    announce: tuple[str, str] | None = None
    """(number, window) to speak."""
    announce_booth: tuple[str, str] | None = None
    """(number, booth's number) to call to the video booth."""


@dataclass
class DisplayModel(ViewModel):
    """What the wall display shows; ``revision`` grows with every change (views repaint)."""

    hall_name_zh: str = ""
    hall_name_en: str = ""
    timezone: str = ""
    max_recent: int = 10
    highlight_s: float = 8.0
    clock: Callable[[], float] = time.monotonic
    current: dict[str, Call] = field(default_factory=dict)
    recent: list[Call] = field(default_factory=list)
    themes: list[ThemeLine] = field(default_factory=list)
    paused: set[str] = field(default_factory=set)
    window_names: dict[str, tuple[str, str]] = field(default_factory=dict)
    connected: bool = False
    loaded: bool = False
    day: date | None = None
    """The hall's day of the calls shown; a new day starts with an empty list of calls."""

    def __post_init__(self) -> None:
        super().__init__()  # the generated __init__ does not call the base's

    # ------------------------------------------------------------------ reads of the API
    def load_hall(self, hall: HallBody) -> None:
        """GET /hall: the hall's names."""
        self.hall_name_zh, self.hall_name_en = hall.get("name_zh", ""), hall.get("name_en", "")
        self.timezone = hall.get("timezone", "")
        self._changed()

    def load_windows(self, windows: list[WindowBody],
                     keep: set[str] | frozenset[str] = frozenset()) -> None:
        """GET /windows: the current ticket and status of every window. Windows in ``keep``
        changed by events since the read began: the model already knows better for them."""
        self.window_names = {w["number"]: (w.get("name_zh", ""), w.get("name_en", ""))
                             for w in windows}
        self.paused = ({w["number"] for w in windows if w.get("status") in PAUSED_STATES
                        and w["number"] not in keep} | (self.paused & set(keep)))
        # Booth calls are not in GET /windows: only events bring and end them.
        current = {place: call for place, call in self.current.items()
                   if place in keep or call.booth}
        for w in windows:
            if w["number"] in keep:
                continue
            called = w.get("current")
            if called and w.get("current_status") in ("called", "serving"):
                known = self.current.get(w["number"])
                if known is not None and known.number == called:
                    current[w["number"]] = known
                else:
                    current[w["number"]] = Call(w.get("current_ticket") or "", called,
                                                w["number"], at=self.clock(), live=False)
        self.current = current
        self.loaded = True
        self._changed()

    def load_services(self, services: list[ServiceBody]) -> None:
        """GET /services: people waiting and expected wait per theme."""
        self.themes = [ThemeLine(s["prefix"], s.get("name_zh", ""), s.get("name_en", ""),
                                 int(s.get("waiting", 0)), s.get("expected_wait_s"),
                                 s.get("wait_kind"))
                       for s in services]
        self._changed()

    def set_connected(self, connected: bool) -> None:
        """The event stream went up or down."""
        if connected != self.connected:
            self.connected = connected
            self._changed()

    # ------------------------------------------------------------------ events
    def apply(self, event: dict, live: bool = True) -> Outcome:
        """Take one event of the stream into account. ``live`` is False while catching up
        on history (no highlight, nothing to announce)."""
        kind, data = event.get("kind", ""), event.get("data", {})
        outcome = Outcome(reload_services=kind in RELOAD_KINDS)
        self._new_day(self.day_of(float(event.get("ts", 0.0))))
        if kind in (EventKind.TICKET_CALLED, EventKind.TICKET_RECALLED):
            self._called(data, float(event.get("ts", 0.0)), live, kind == EventKind.TICKET_RECALLED)
            outcome.changed = True
            if live:
                outcome.announce = (data["number"], data["window"])
        elif kind == EventKind.TICKET_NO_SHOW_UNDONE:
            # the window took its no-show back: the number is called there again, quietly
            # (the citizen is at the window already)
            self._called(data, float(event.get("ts", 0.0)), False, False)
            outcome.changed = True
        elif kind == EventKind.TICKET_LEASED:
            self._to_booth(data, float(event.get("ts", 0.0)), live)
            outcome.changed = True
            if live:
                outcome.announce_booth = (data["number"],
                                          voice.booth_number(str(data.get("booth") or "")))
        elif kind in LEAVE_KINDS:
            for call in [c for c in self.current.values() if c.ticket == data.get("ticket")]:
                del self.current[call.place]
                outcome.changed = True
        elif kind in STATUS_KINDS:
            outcome.changed = self._window_status(data.get("window", ""), data.get("status", ""))
        if outcome.changed:
            self._changed()
        return outcome

    def _called(self, data: dict, ts: float, live: bool, recalled: bool) -> None:
        recalls = int(data.get("recalls", 0)) if recalled else 0
        call = Call(data.get("ticket", ""), data["number"], data["window"], at=self.clock(),
                    ts=ts, recalls=recalls, live=live)
        self._show(call)

    def _to_booth(self, data: dict, ts: float, live: bool) -> None:
        booth = str(data.get("booth") or "V")
        self._show(Call(data.get("ticket", ""), data["number"], "", at=self.clock(), ts=ts,
                        live=live, booth=booth, booth_name_zh=data.get("booth_name_zh", ""),
                        booth_name_en=data.get("booth_name_en", "")))

    def _show(self, call: Call) -> None:
        self.current[call.place] = call
        self.recent = [c for c in self.recent if c.ticket != call.ticket]
        self.recent.insert(0, call)
        del self.recent[self.max_recent:]

    def day_of(self, ts: float) -> date:
        """The hall's calendar day of a timestamp (in the hall's timezone when known)."""
        try:
            zone = ZoneInfo(self.timezone) if self.timezone else None
        except (ZoneInfoNotFoundError, ValueError):
            zone = None
        return datetime.fromtimestamp(ts, zone).date()

    def _new_day(self, day: date) -> None:
        if self.day is not None and day > self.day:
            self.recent.clear()
            self.current.clear()
            self._changed()
        if self.day is None or day > self.day:
            self.day = day

    def _window_status(self, window: str, status: str) -> bool:
        was = window in self.paused
        if status in PAUSED_STATES:
            self.paused.add(window)
        else:
            self.paused.discard(window)
        return was != (window in self.paused)

    # ------------------------------------------------------------------ what the view shows
    def current_calls(self, limit: int) -> list[Call]:
        """The windows' current calls, the most recent first."""
        return sorted(self.current.values(), key=lambda c: (c.ts, c.at), reverse=True)[:limit]

    def highlighted(self, call: Call) -> bool:
        """A call made in the last few seconds is highlighted."""
        return call.live and self.clock() - call.at < self.highlight_s

    def any_highlighted(self) -> bool:
        """True while some call is highlighted (the view keeps blinking)."""
        return any(self.highlighted(c) for c in self.current.values())

    def window_name(self, window: str, lang: str) -> str:
        """ "3号窗口" / "Window 3"."""
        zh, en = self.window_names.get(window, ("", ""))
        if lang == "en":
            return en or f"Window {window}"
        return zh or f"{window}号窗口"

    def place_name(self, call: Call, lang: str) -> str:
        """Where a call sends the citizen: "3号窗口" / "Window 3", or the video booth
        ("视频服务区1号" / "Video booth 1")."""
        if not call.booth:
            return self.window_name(call.window, lang)
        if lang == "en":
            return call.booth_name_en or call.booth_name_zh or f"Video booth {call.booth}"
        return call.booth_name_zh or f"视频服务区{call.booth}"

    def hall_name(self, lang: str) -> str:
        """The hall's name in a language."""
        return (self.hall_name_en or self.hall_name_zh) if lang == "en" else self.hall_name_zh


def windows_touched(event: dict) -> set[str]:
    """The windows whose call or status an event changes."""
    data = event.get("data", {})
    return {w for w in (data.get("window"), data.get("from_window")) if w}


def wait_text(line: ThemeLine, lang: str) -> str:
    """A theme's wait as every screen says it (``hall.wait_text``): "约 12 分钟", "马上办理"…"""
    return wait_word(line.wait_kind, line.expected_wait_s, lang)
