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

The list of earlier calls tells what became of each: a no-show is marked 过号 and listed with
the missed numbers (those that may still check in again at the desk, until they do); a
transfer is marked with where the citizen now waits (a theme or a named window). The window
board knows every window's status: open and idle, calling, serving, paused (with the reason
the window gave, when it gave one), serving another hall by video, or closed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from display import voice
from hall.events import WINDOW_STATUS_KINDS, EventKind
from hall.lease import RemoteCallState
from hall.schemas import HallBody, NoticeBody, ServiceBody, WindowBody
from hall.wait_text import wait_word
from hall.window_states import PAUSE_LABELS, PauseReason
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
#: Events after which a no-show is no longer missed: back in line, at the window again, gone.
UNMISS_KINDS = frozenset({
    EventKind.TICKET_RECHECKED_IN, EventKind.TICKET_NO_SHOW_UNDONE, EventKind.TICKET_CANCELLED,
    EventKind.TICKET_EXPIRED, EventKind.TICKET_CALLED})
#: A window's call of another hall's ticket (云叫号 at the serving end) in one of these states
#: keeps the window busy; asking central for a ticket, or finding none, does not.
REMOTE_BUSY_STATES = frozenset({RemoteCallState.REQUESTING, RemoteCallState.CALLING,
                                RemoteCallState.STARTING, RemoteCallState.SERVING,
                                RemoteCallState.FINISHING})
REMOTE_KINDS = frozenset({EventKind.WINDOW_REMOTE_BUSY, EventKind.WINDOW_REMOTE,
                          EventKind.WINDOW_REMOTE_FREE})
#: What an earlier call became, as the history shows it.
NO_SHOW, TRANSFERRED, RECHECKED = "no_show", "transferred", "rechecked"
#: Pause reasons a window may give, with what the wall says (a reason not listed is shown as
#: the window wrote it).
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
    serving: bool = False
    """The citizen came (``ticket.serving``): the window serves them."""
    outcome: str = ""
    """What became of the call: "" (called, served), :data:`NO_SHOW`, :data:`TRANSFERRED`, or
    :data:`RECHECKED` (a no-show back in line)."""
    to_theme: str = ""
    """After a transfer: the theme now waited for (its prefix), or ``to_window``."""
    to_window: str = ""

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
class Missed:
    """A no-show of today who may still check in again at the desk (过号)."""

    ticket: str
    number: str
    window: str


@dataclass
class WindowTile:
    """One window on the window board: ``state`` is ``idle`` (open, nobody called),
    ``called``, ``serving``, ``remote`` (serving another hall's citizen by video) or
    ``paused``; ``number`` the ticket at the window, ``reason`` a pause's reason code."""

    window: str
    state: str
    number: str = ""
    reason: str = ""


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
    statuses: dict[str, str] = field(default_factory=dict)
    """Every window's status: open, paused or closed."""
    pause_reasons: dict[str, str] = field(default_factory=dict)
    remote_busy: set[str] = field(default_factory=set)
    """Windows calling or serving another hall's ticket (they are not idle)."""
    missed: list[Missed] = field(default_factory=list)
    """Today's no-shows who may still check in again, the latest first."""
    rechecks: dict[str, int] = field(default_factory=dict)
    """Re-check-ins seen today per ticket (a ticket may check in again ``max_recheckins``)."""
    max_recheckins: int = 1
    phone_ticketing_url: str = ""
    notice: NoticeBody | None = None
    """A supervisor's notice (``notice.posted``), shown until its ``until``."""
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
        self.max_recheckins = int(hall.get("max_recheckins", self.max_recheckins))
        self.phone_ticketing_url = hall.get("phone_ticketing_url", "") or ""
        self.notice = hall.get("notice")
        self._changed()

    def live_notice(self, now_ts: float) -> NoticeBody | None:
        """The supervisor's notice still up at ``now_ts``, if any."""
        if self.notice is not None and self.notice["until"] > now_ts:
            return self.notice
        return None

    @property
    def paused(self) -> set[str]:
        """The windows paused."""
        return {w for w, status in self.statuses.items() if status in PAUSED_STATES}

    def load_windows(self, windows: list[WindowBody],
                     keep: set[str] | frozenset[str] = frozenset()) -> None:
        """GET /windows: the current ticket and status of every window. Windows in ``keep``
        changed by events since the read began: the model already knows better for them."""
        self.window_names = {w["number"]: (w.get("name_zh", ""), w.get("name_en", ""))
                             for w in windows}
        self.statuses = {w["number"]: (self.statuses.get(w["number"], "closed")
                                       if w["number"] in keep else w.get("status", "closed"))
                         for w in windows}
        # Booth calls are not in GET /windows: only events bring and end them.
        current = {place: call for place, call in self.current.items()
                   if place in keep or call.booth}
        for w in windows:
            if w["number"] in keep:
                continue
            called = w.get("current")
            if called and w.get("current_status") in ("called", "serving"):
                known = self.current.get(w["number"])
                if known is None or known.number != called:
                    known = Call(w.get("current_ticket") or "", called, w["number"],
                                 at=self.clock(), live=False)
                known.serving = w.get("current_status") == "serving"
                current[w["number"]] = known
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
            outcome.changed = self._left(kind, data) or outcome.changed
        elif kind in (EventKind.NOTICE_POSTED, EventKind.NOTICE_CLEARED):
            self.notice = None if kind == EventKind.NOTICE_CLEARED else {
                "text_zh": data.get("text_zh", ""), "text_en": data.get("text_en", ""),
                "until": float(data.get("until", 0.0)),
                "posted_at": float(event.get("ts", 0.0)), "by": data.get("by", "")}
            outcome.changed = True
        elif kind in STATUS_KINDS:
            outcome.changed = self._window_status(data.get("window", ""), data.get("status", ""),
                                                  str(data.get("reason") or ""))
        else:
            outcome.changed = self._window_news(kind, data)
        if kind in UNMISS_KINDS:
            outcome.changed = self._unmiss(kind, data) or outcome.changed
        if outcome.changed:
            self._changed()
        return outcome

    def _called(self, data: dict, ts: float, live: bool, recalled: bool) -> None:
        recalls = int(data.get("recalls", 0)) if recalled else 0
        call = Call(data.get("ticket", ""), data["number"], data["window"], at=self.clock(),
                    ts=ts, recalls=recalls, live=live)
        self._show(call)

    def _left(self, kind: str, data: dict) -> bool:
        """A no-show or a transfer: mark the earlier call and bring it to the top."""
        if kind == EventKind.TICKET_NO_SHOW:
            ticket = data.get("ticket", "")
            if self.rechecks.get(ticket, 0) < self.max_recheckins:
                self.missed = [m for m in self.missed if m.ticket != ticket]
                self.missed.insert(0, Missed(ticket, data.get("number", ""),
                                             data.get("window", "")))
            return self._mark(data, data.get("window", ""), NO_SHOW)
        if kind == EventKind.TICKET_TRANSFERRED:
            return self._mark(data, data.get("from_window", ""), TRANSFERRED,
                              to_theme=str(data.get("theme") or ""),
                              to_window=str(data.get("to_window") or ""))
        return False

    def _mark(self, data: dict, window: str, outcome: str, to_theme: str = "",
              to_window: str = "") -> bool:
        ticket = data.get("ticket", "")
        call = next((c for c in self.recent if c.ticket == ticket), None)
        if call is None:
            call = Call(ticket, data.get("number", ""), window, at=self.clock(), live=False)
        self.recent = [c for c in self.recent if c.ticket != ticket]
        call.outcome, call.to_theme, call.to_window = outcome, to_theme, to_window
        self.recent.insert(0, call)
        del self.recent[self.max_recent:]
        return True

    def _unmiss(self, kind: str, data: dict) -> bool:
        ticket = data.get("ticket", "")
        changed = False
        if kind == EventKind.TICKET_RECHECKED_IN:
            self.rechecks[ticket] = self.rechecks.get(ticket, 0) + 1
            for call in self.recent:
                if call.ticket == ticket and call.outcome == NO_SHOW:
                    call.outcome, changed = RECHECKED, True
        before = len(self.missed)
        self.missed = [m for m in self.missed if m.ticket != ticket]
        return changed or len(self.missed) != before

    def _window_news(self, kind: str, data: dict) -> bool:
        """The citizen came to a window, or a window calls another hall's ticket."""
        window = data.get("window", "")
        if kind == EventKind.TICKET_SERVING:
            call = self.current.get(window)
            if call is None or call.ticket != data.get("ticket"):
                return False
            call.serving = True
            return True
        if kind not in REMOTE_KINDS:
            return False
        was = window in self.remote_busy
        if kind != EventKind.WINDOW_REMOTE_FREE and data.get("state") in REMOTE_BUSY_STATES:
            self.remote_busy.add(window)
        else:
            self.remote_busy.discard(window)
        return was != (window in self.remote_busy)

    def _to_booth(self, data: dict, ts: float, live: bool) -> None:
        booth = str(data.get("booth") or "V")
        self._show(Call(data.get("ticket", ""), data["number"], "", at=self.clock(), ts=ts,
                        live=live, booth=booth, booth_name_zh=data.get("booth_name_zh", ""),
                        booth_name_en=data.get("booth_name_en", "")))

    def _show(self, call: Call) -> None:
        self.current[call.place] = call
        self.remote_busy.discard(call.window)
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
            self.missed.clear()
            self.rechecks.clear()
            self._changed()
        if self.day is None or day > self.day:
            self.day = day

    def _window_status(self, window: str, status: str, reason: str) -> bool:
        was = (self.statuses.get(window), self.pause_reasons.get(window, ""))
        self.statuses[window] = status
        self.pause_reasons[window] = reason if status in PAUSED_STATES else ""
        if status != "open":
            self.remote_busy.discard(window)
        return was != (status, self.pause_reasons[window])

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

    def window_board(self) -> list[WindowTile]:
        """The windows open or paused (or with a ticket at them), in number order."""
        tiles = []
        at_windows = {c.window for c in self.current.values() if c.window}
        for window in sorted(set(self.statuses) | at_windows, key=window_order):
            status = self.statuses.get(window, "open")
            call = self.current.get(window)
            if call is not None:
                tiles.append(WindowTile(window, "serving" if call.serving else "called",
                                        call.number))
            elif status in PAUSED_STATES:
                tiles.append(WindowTile(window, "paused",
                                        reason=self.pause_reasons.get(window, "")))
            elif status == "open":
                tiles.append(WindowTile(window, "remote" if window in self.remote_busy
                                        else "idle"))
        return tiles

    def theme_name(self, prefix: str, lang: str) -> str:
        """ "B 工程建设" / "B Construction projects" (the prefix alone for a theme not known)."""
        line = next((t for t in self.themes if t.prefix == prefix), None)
        if line is None:
            return prefix
        return f"{prefix} {(line.name_en or line.name_zh) if lang == 'en' else line.name_zh}"

    def transfer_to(self, call: Call, lang: str) -> str:
        """Where a transferred citizen waits now: a named window, or a theme's line."""
        if call.to_window:
            return self.window_name(call.to_window, lang)
        return self.theme_name(call.to_theme, lang)

    def hall_name(self, lang: str) -> str:
        """The hall's name in a language."""
        return (self.hall_name_en or self.hall_name_zh) if lang == "en" else self.hall_name_zh


def window_order(window: str) -> tuple[int, str]:
    """Windows sorted as people count them: 2 before 10."""
    return (len(window), window)


def pause_reason(reason: str, lang: str) -> str:
    """A pause's reason as the wall says it ("午休" / "Lunch break", the labels of
    :data:`hall.window_states.PAUSE_LABELS`); "" for none, an unknown one as it came."""
    if reason in PAUSE_LABELS:
        zh, en = PAUSE_LABELS[PauseReason(reason)]
        return en if lang == "en" else zh
    return reason


def windows_touched(event: dict) -> set[str]:
    """The windows whose call or status an event changes."""
    data = event.get("data", {})
    return {w for w in (data.get("window"), data.get("from_window")) if w}


def wait_text(line: ThemeLine, lang: str) -> str:
    """A theme's wait as every screen says it (``hall.wait_text``): "约 12 分钟", "马上办理"…"""
    return wait_word(line.wait_kind, line.expected_wait_s, lang)
