"""The hall's live state: tickets of the day, windows, counters and learned service times.

Plain data, no rules: the engine (``hall/engine.py``) changes it and the store persists it.
Times are POSIX seconds (floats); the service day is the hall's local date.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Protocol

from hall.day_plan import DayPlan


class TicketStatus(enum.StrEnum):
    """Where a ticket is in its life: waiting → called → serving → finished, or it left."""

    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    FINISHED = "finished"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    LEASED = "leased"           # lent to another hall's window (远程叫号): to the video booth


#: States in which a ticket still holds a place in a queue, at a window or at a video booth.
ACTIVE_STATUSES = frozenset({TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING,
                             TicketStatus.LEASED})
#: States in which a window is handling the ticket.
AT_WINDOW_STATUSES = frozenset({TicketStatus.CALLED, TicketStatus.SERVING})


class WindowStatus(enum.StrEnum):
    """A window is closed, open (calling) or paused (暂停)."""

    CLOSED = "closed"
    OPEN = "open"
    PAUSED = "paused"


@dataclass(eq=False)
class Ticket:
    """One ticket of the day. ``id_hash`` is the keyed hash of the ID number, never the number.

    Tickets compare by identity: two objects are the same ticket only if they are one object.
    """

    id: str
    day: str
    number: str
    theme: str
    item: str | None
    channel: str
    issued_at: float
    sort_key: float                 # arrival order; a re-check-in moves it a few places back
    status: TicketStatus = TicketStatus.WAITING
    green: bool = False             # 绿色通道, set by staff
    elderly: bool = False
    appointment_id: str | None = None
    slot_start: float | None = None
    slot_end: float | None = None
    id_hash: str | None = None
    id_masked: str | None = None
    to_window: str | None = None    # transferred to a named window
    window: str | None = None       # the window that called it last
    called_at: float | None = None
    serving_at: float | None = None
    finished_at: float | None = None
    recalls: int = 0
    transfers: int = 0
    recheckins: int = 0
    rating: int | None = None
    expected_wait_s: int = 0
    referral_id: str | None = None  # central's referral it was issued for (another hall, phone)

    def public(self) -> dict:
        """The ticket without personal data, as events, displays and the API show it."""
        data = asdict(self)
        data.pop("id_hash")
        return data


def slot_data(ticket: Ticket) -> dict[str, float]:
    """An appointment ticket's slot, for its events: it is called first only within it."""
    if ticket.slot_start is None or ticket.slot_end is None:
        return {}
    return {"slot_start": ticket.slot_start, "slot_end": ticket.slot_end}


def line_place(ticket: Ticket) -> dict[str, object]:
    """Where a ticket back in a line stands, for whoever follows the events (central): its
    place (sort key) and whether it may be called first (green channel, appointment and its
    slot, elderly)."""
    return {"sort_key": ticket.sort_key, "elderly": ticket.elderly, "green": ticket.green,
            "appointment": ticket.appointment_id, **slot_data(ticket)}


@dataclass
class WindowState:
    """The live state of one window."""

    number: str
    status: WindowStatus = WindowStatus.CLOSED
    current: str | None = None      # ticket id being called or served
    staff_id: str | None = None
    served_today: int = 0
    service_s_today: float = 0.0
    pause_reason: str | None = None  # while paused: a hall.window_states.PauseReason, if given

    def public(self) -> dict:
        """The window as the API shows it."""
        return asdict(self)


@dataclass
class Appointment:
    """A booked slot (网上预约) the hall was told about by the central platform or staff."""

    id: str
    theme: str
    item: str | None
    slot_start: float
    slot_end: float
    id_hash: str | None = None
    ticket_id: str | None = None    # the ticket it became at check-in


@dataclass
class RemoteCall:
    """A window of this hall calling a ticket of another hall (远程叫号), as the window knows it.

    ``state`` is a :class:`hall.lease.RemoteCallState`: ``choosing`` (central is asked for a
    ticket), ``none`` (there was none), or the lease's :class:`hall.lease.RemoteState` once a
    ticket was chosen; ``lease`` holds the protocol state machine's fields.
    """

    window: str
    request: str
    state: str
    since: float
    asked_at: float = 0.0
    home: str = ""
    home_name_zh: str = ""
    home_name_en: str = ""
    ticket: str = ""
    number: str = ""
    theme: str = ""
    item: str | None = None
    lease: dict | None = None

    def public(self) -> dict:
        """The remote call as the calling console shows it."""
        data = asdict(self)
        lease = data.pop("lease") or {}
        data["lease"] = lease.get("id", "")
        return data


@dataclass(frozen=True)
class Person:
    """Who a ticket is for, as halls pass it on (a referral to another hall): the keyed hash
    of the ID number (the city's key, so every hall matches it), the masked number and the
    age — never the number itself."""

    id_hash: str
    id_masked: str
    age: int

    @classmethod
    def from_dict(cls, data: dict) -> Person:
        """From ``{"id_hash", "id_masked", "age"}``."""
        return cls(id_hash=str(data["id_hash"]), id_masked=str(data["id_masked"]),
                   age=int(data["age"]))


@dataclass
class Referral:
    """A citizen sent from this hall's kiosk to another hall for a 通办 item (跨厅取号).
    ``person`` (``Person`` as a dict) when the citizen showed an ID card."""

    id: str
    item: str
    hall: str
    created_at: float
    state: str = "pending"          # pending → issued | refused | withdrawing → withdrawn
    ticket: dict | None = None
    error: dict | None = None
    person: dict | None = None

    def public(self) -> dict:
        """The referral as the kiosk shows it (the masked ID number, not its hash)."""
        view = asdict(self)
        person = view.pop("person")
        view["id_masked"] = person["id_masked"] if person else None
        return view


class LineIndex(Protocol):
    """What the state tells its waiting lines (``hall.lines.WaitingLines``) as tickets change."""

    def file(self, ticket: Ticket) -> None:
        """File a waiting ticket (again)."""

    def drop(self, ticket_id: str) -> None:
        """A ticket left the lines."""

    def clear(self) -> None:
        """Forget every ticket."""


@dataclass
class HallState:
    """Everything the engine decides on. ``dirty_*`` name what the store must write next."""

    day: str
    tickets: dict[str, Ticket] = field(default_factory=dict)
    windows: dict[str, WindowState] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)          # theme -> last number today
    service_means: dict[str, float] = field(default_factory=dict)   # theme or item -> seconds
    service_counts: dict[str, int] = field(default_factory=dict)
    #: theme or item -> the spread of its service times (squared coefficient of variation)
    service_spreads: dict[str, float] = field(default_factory=dict)
    appointments: dict[str, Appointment] = field(default_factory=dict)
    dirty_tickets: set[str] = field(default_factory=set)
    dirty_windows: set[str] = field(default_factory=set)
    dirty_counters: set[str] = field(default_factory=set)
    dirty_means: set[str] = field(default_factory=set)
    dirty_appointments: set[str] = field(default_factory=set)
    #: Remote calling: tickets of this hall lent to other halls' windows, by lease id (the
    #: ``hall.lease.HomeLease`` records), this hall's windows calling elsewhere, referrals.
    home_leases: dict = field(default_factory=dict)
    remote_calls: dict[str, RemoteCall] = field(default_factory=dict)
    referrals: dict[str, Referral] = field(default_factory=dict)
    dirty_leases: set[str] = field(default_factory=set)
    dirty_remote_calls: set[str] = field(default_factory=set)
    dirty_referrals: set[str] = field(default_factory=set)
    #: Today's changes a supervisor made over the TOML (hall.day_plan.DayPlan).
    day_plan: DayPlan = field(default_factory=DayPlan)
    dirty_day_plan: bool = False
    #: Tickets of the day before that changed but were not yet written (a new day began).
    retired: dict[str, Ticket] = field(default_factory=dict, repr=False)
    # Indexes over ``tickets`` so no operation scans the whole day (a busy hall has 10,000),
    # and no call or position scans the whole line (a city centre's has thousands).
    #: Waiting tickets by theme (those transferred to a named window included).
    waiting_index: dict[str, dict[str, Ticket]] = field(default_factory=dict, repr=False)
    by_id_hash: dict[str, list[Ticket]] = field(default_factory=dict, repr=False)
    #: Tickets issued for central's referrals, by referral id (each is issued once).
    by_referral: dict[str, Ticket] = field(default_factory=dict, repr=False)
    #: The waiting lines in calling order (``hall.lines.WaitingLines``), set by the engine.
    lines: LineIndex | None = field(default=None, repr=False)
    #: Where each waiting ticket is filed: the facts its place in line depends on.
    _placed: dict[str, tuple] = field(default_factory=dict, repr=False)

    def add(self, ticket: Ticket) -> None:
        """Add a new ticket of the day."""
        self.tickets[ticket.id] = ticket
        if ticket.id_hash:
            self.by_id_hash.setdefault(ticket.id_hash, []).append(ticket)
        if ticket.referral_id:
            self.by_referral[ticket.referral_id] = ticket
        self.reindex(ticket)

    def reindex(self, ticket: Ticket) -> None:
        """Bring the indexes up to date after a ticket changed (its status, theme, named
        window, priority flags or place in line)."""
        waiting = ticket.status is TicketStatus.WAITING and ticket.id in self.tickets
        place = (ticket.theme, ticket.to_window, ticket.green, ticket.elderly,
                 ticket.slot_start, ticket.slot_end, ticket.sort_key)
        self.waiting_index.setdefault(ticket.theme, {})
        placed = self._placed.get(ticket.id)
        if waiting and placed == place:
            return
        if placed is not None:
            del self._placed[ticket.id]
            self.waiting_index[placed[0]].pop(ticket.id, None)
            if self.lines is not None:
                self.lines.drop(ticket.id)
        if not waiting:
            return
        self.waiting_index[ticket.theme][ticket.id] = ticket
        self._placed[ticket.id] = place
        if self.lines is not None:
            self.lines.file(ticket)

    def rebuild_indexes(self) -> None:
        """Build the indexes from ``tickets`` (after loading or a new day)."""
        for index in (self.waiting_index, self.by_id_hash, self.by_referral, self._placed):
            index.clear()
        if self.lines is not None:
            self.lines.clear()
        for ticket in list(self.tickets.values()):
            self.add(ticket)

    def clear_dirty(self) -> None:
        """Forget what was written."""
        for dirty in (self.dirty_tickets, self.dirty_windows, self.dirty_counters,
                      self.dirty_means, self.dirty_appointments, self.dirty_leases,
                      self.dirty_remote_calls, self.dirty_referrals, self.retired):
            dirty.clear()
        self.dirty_day_plan = False

    def waiting(self, themes: tuple[str, ...] | None = None) -> list[Ticket]:
        """Tickets waiting to be called (of some themes only, if given)."""
        lines = self.waiting_index
        chosen = lines.values() if themes is None else (lines.get(t, {}) for t in themes)
        return [ticket for line in chosen for ticket in line.values()]


@dataclass(frozen=True)
class Issued:
    """What a citizen is told when a ticket is issued."""

    ticket: Ticket
    ahead: int
    expected_wait_s: int
