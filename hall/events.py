"""Events: every state change of the hall, in the order it happened.

The engine returns the events an operation caused; the store gives each a per-hall sequence
number in the same transaction as the state it changes. Event data holds no personal data.

Each kind is a member of :class:`EventKind` (a ``StrEnum``: on the wire it is the plain
string, e.g. ``"ticket.called"``), and each kind's ``data`` has the fields of its payload type
in :data:`PAYLOADS`. Kinds of the hall engine: ticket.issued, ticket.called, ticket.recalled,
ticket.serving, ticket.finished, ticket.no_show, ticket.no_show_undone, ticket.rechecked_in,
ticket.transferred,
ticket.cancelled, ticket.expired, ticket.prioritized, ticket.rated, window.opened,
window.paused, window.resumed, window.closed, appointment.saved, device.status, staff.locked.
Pairing by code (``hall/api/pairing.py``): device.paired, pairing.abused. The service desk's
web page (``hall/web/desk.py``): ticket.printed.

Cloud calling (``hall/cloud.py``): ticket.leased, ticket.lease_returned,
ticket.remote_serving, ticket.remote_finished (a ticket of this hall lent to another hall's
window), window.remote_busy, window.remote, window.remote_free (a window of this hall calling
elsewhere), referral.requested, referral.issued, referral.refused, referral.withdrawing,
referral.withdrawn (a citizen sent to another hall; withdrawn when its answer came too late).

A supervisor's changes of the day (``hall/supervision.py``): theme.adjusted, notice.posted,
notice.cleared, window.assigned.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict


class EventKind(enum.StrEnum):
    """What changed; the value is the kind's string on the wire."""

    TICKET_ISSUED = "ticket.issued"
    TICKET_CALLED = "ticket.called"
    TICKET_RECALLED = "ticket.recalled"
    TICKET_SERVING = "ticket.serving"
    TICKET_FINISHED = "ticket.finished"
    TICKET_NO_SHOW = "ticket.no_show"
    TICKET_NO_SHOW_UNDONE = "ticket.no_show_undone"
    TICKET_RECHECKED_IN = "ticket.rechecked_in"
    TICKET_TRANSFERRED = "ticket.transferred"
    TICKET_CANCELLED = "ticket.cancelled"
    TICKET_EXPIRED = "ticket.expired"
    TICKET_PRIORITIZED = "ticket.prioritized"
    TICKET_RATED = "ticket.rated"
    TICKET_PRINTED = "ticket.printed"
    WINDOW_OPENED = "window.opened"
    WINDOW_PAUSED = "window.paused"
    WINDOW_RESUMED = "window.resumed"
    WINDOW_CLOSED = "window.closed"
    APPOINTMENT_SAVED = "appointment.saved"
    DEVICE_STATUS = "device.status"
    STAFF_LOCKED = "staff.locked"
    DEVICE_PAIRED = "device.paired"
    PAIRING_ABUSED = "pairing.abused"
    TICKET_LEASED = "ticket.leased"
    TICKET_LEASE_RETURNED = "ticket.lease_returned"
    TICKET_REMOTE_SERVING = "ticket.remote_serving"
    TICKET_REMOTE_FINISHED = "ticket.remote_finished"
    WINDOW_REMOTE_BUSY = "window.remote_busy"
    WINDOW_REMOTE = "window.remote"
    WINDOW_REMOTE_FREE = "window.remote_free"
    REFERRAL_REQUESTED = "referral.requested"
    REFERRAL_ISSUED = "referral.issued"
    REFERRAL_REFUSED = "referral.refused"
    REFERRAL_WITHDRAWING = "referral.withdrawing"
    REFERRAL_WITHDRAWN = "referral.withdrawn"
    THEME_ADJUSTED = "theme.adjusted"
    NOTICE_POSTED = "notice.posted"
    NOTICE_CLEARED = "notice.cleared"
    WINDOW_ASSIGNED = "window.assigned"


#: A window's status changes (opened, paused, resumed, closed).
WINDOW_STATUS_KINDS = frozenset({EventKind.WINDOW_OPENED, EventKind.WINDOW_PAUSED,
                                 EventKind.WINDOW_RESUMED, EventKind.WINDOW_CLOSED})


# ---------------------------------------------------------------------- payloads
class TicketRef(TypedDict):
    """Every ticket event names the ticket (its id and its number as called out)."""

    ticket: str
    number: str


class Slot(TypedDict):
    """An appointment ticket's slot (POSIX seconds); absent for other tickets."""

    slot_start: NotRequired[float]
    slot_end: NotRequired[float]


class LinePlace(Slot):
    """Where a ticket back in a line stands (``hall.state.line_place``)."""

    sort_key: float
    elderly: bool
    green: bool
    appointment: str | None


class StaffAction(TypedDict):
    """What a member of staff did on a web page names them: ``by_staff`` (their staff id),
    and ``desk`` (the service desk's device, when the page was opened at one)."""

    by_staff: NotRequired[str]
    desk: NotRequired[str]


class TicketIssued(TicketRef, Slot, StaffAction):
    """``ticket.issued``: a new ticket in its theme's line."""

    theme: str
    item: str | None
    channel: str
    elderly: bool
    appointment: str | None
    ahead: int
    expected_wait_s: int


class TicketCalled(TicketRef):
    """``ticket.called``: a window called the ticket after ``waited_s`` seconds."""

    theme: str
    window: str
    waited_s: float
    expected_wait_s: int


class TicketRecalled(TicketRef):
    """``ticket.recalled``: called again (重呼), the ``recalls``-th time."""

    window: str
    recalls: int


class TicketAtWindow(TicketRef):
    """``ticket.serving`` and ``ticket.no_show``: the citizen came, or did not, to ``window``."""

    window: str


class TicketNoShowUndone(TicketRef):
    """``ticket.no_show_undone``: the window took its no-show back within the grace period;
    the ticket is called at ``window`` again (called at ``called_at``, ``recalls`` times
    recalled), undone by ``staff`` (the staff signed in there, None if nobody)."""

    theme: str
    window: str
    staff: str | None
    called_at: float
    recalls: int


class TicketFinished(TicketRef):
    """``ticket.finished``: served in ``service_s`` seconds."""

    theme: str
    item: str | None
    window: str
    service_s: float


class TicketTransferred(TicketRef, LinePlace):
    """``ticket.transferred``: from ``from_window`` to a theme or a named window."""

    from_window: str
    theme: str
    item: str | None
    to_window: str | None


class TicketRecheckedIn(TicketRef, LinePlace, StaffAction):
    """``ticket.rechecked_in``: a no-show back in its line, ``ahead`` people before it."""

    theme: str
    item: str | None
    ahead: int


class TicketLeft(TicketRef, StaffAction):
    """``ticket.cancelled`` and ``ticket.expired``: the ticket left its theme's line."""

    theme: str


class TicketPrioritized(TicketRef, StaffAction):
    """``ticket.prioritized``: put on (or off) the green channel, and why (``reason``, staff's
    words, when given at the desk)."""

    theme: str
    green: bool
    reason: NotRequired[str]


class TicketPrinted(TicketRef, StaffAction):
    """``ticket.printed``: the service desk asked its printer (``printer``, the desk's device:
    its ``hallq desk-agent`` prints it) for a ticket it issued, or for a copy (``reprint``,
    marked 补打 on paper)."""

    theme: str
    printer: str
    reprint: bool


class TicketRated(TicketRef):
    """``ticket.rated``: the citizen's 好差评 level (1-5) and its Chinese label."""

    window: str | None
    theme: str
    level: int
    label_zh: str


class WindowStatusChanged(TypedDict):
    """``window.opened/paused/resumed/closed``: the new status and the staff signed in; a
    window a supervisor opened with nobody signed in names the supervisor's device (``by``);
    a pause given a reason names it (``reason``: a ``hall.window_states.PauseReason``)."""

    window: str
    status: str
    staff: str | None
    by: NotRequired[str]
    reason: NotRequired[str]


class AppointmentSaved(TypedDict):
    """``appointment.saved``: an appointment booked or changed."""

    appointment: str
    theme: str
    slot_start: float
    slot_end: float


class DeviceStatus(TypedDict):
    """``device.status``: a device state staff or a technician should know of."""

    device: str
    state: str
    where: str
    detail: str


class StaffLocked(TypedDict):
    """``staff.locked``: a staff id refused sign-in for ``seconds`` after ``failures`` wrong
    PINs in a row, the last from ``device`` (for the supervisor: someone may be guessing)."""

    staff: str
    seconds: float
    failures: int
    device: str


class DevicePaired(TypedDict):
    """``device.paired``: a device claimed its token with a pairing code (never the token)."""

    name: str
    role: str
    window: str | None


class PairingAbused(TypedDict):
    """``pairing.abused``: ``wrong_claims`` wrong pairing codes within ``period_s`` seconds, the
    last from ``client`` (an address on the LAN); the ``voided`` open codes were voided (for
    the supervisor: someone may be guessing codes)."""

    wrong_claims: int
    period_s: float
    voided: int
    client: str


class TicketLeased(TicketRef):
    """``ticket.leased``: lent to another hall's window (``remote``), its citizen sent to a
    video booth of this hall until ``expires_at``."""

    theme: str
    item: str | None
    elderly: bool
    sort_key: float
    lease: str
    remote: str
    booth: str
    booth_name_zh: str
    booth_name_en: str
    expires_at: float
    waited_s: float


class TicketLeaseReturned(TicketRef, LinePlace):
    """``ticket.lease_returned``: back at its old place in its line, and why."""

    theme: str
    item: str | None
    lease: str
    reason: str


class TicketRemoteServing(TicketRef):
    """``ticket.remote_serving``: the remote window serves the leased ticket."""

    theme: str
    lease: str
    remote: str
    booth: str


class TicketRemoteFinished(TicketRef):
    """``ticket.remote_finished``: the remote window finished it in ``service_s`` seconds."""

    theme: str
    item: str | None
    lease: str
    remote: str
    service_s: float


class WindowRemoteCall(TypedDict):
    """``window.remote_busy``, ``window.remote``, ``window.remote_free``: a window of this
    hall calling a ticket of ``home`` hall; ``state`` is the call's
    :class:`~hall.lease.RemoteCallState`."""

    window: str
    lease: str
    home: str
    ticket: str
    number: str
    theme: str
    state: str


class ReferralEvent(TypedDict):
    """``referral.withdrawing`` and ``referral.withdrawn``: a citizen sent to ``hall``."""

    referral: str
    item: str
    hall: str


class ReferralRequested(ReferralEvent):
    """``referral.requested``: the kiosk asked ``hall`` to issue a ticket."""

    theme: str


class ReferralIssued(ReferralEvent):
    """``referral.issued``: the other hall issued ticket ``number``."""

    number: str | None


class ReferralRefused(ReferralEvent):
    """``referral.refused``: the other hall refused, with its error code."""

    code: str | None


class ThemeAdjusted(TypedDict):
    """``theme.adjusted``: a supervisor set a theme's quota, cutoff and hours for today
    (:mod:`hall.day_plan`); the values are those now in force."""

    theme: str
    by: str
    daily_quota: int
    cutoff_min: int
    open: str
    close: str
    issued_today: int


class NoticePosted(TypedDict):
    """``notice.posted``: a notice on the wall displays and kiosks until ``until``."""

    text_zh: str
    text_en: str
    until: float
    by: str


class NoticeCleared(TypedDict):
    """``notice.cleared``: the notice was taken down before its time."""

    by: str


class WindowAssigned(TypedDict):
    """``window.assigned``: ``staff`` (``None``: nobody) put at ``window`` for today."""

    window: str
    staff: str | None
    by: str


#: The payload type of each kind's ``data``.
PAYLOADS: dict[EventKind, type] = {
    EventKind.TICKET_ISSUED: TicketIssued,
    EventKind.TICKET_CALLED: TicketCalled,
    EventKind.TICKET_RECALLED: TicketRecalled,
    EventKind.TICKET_SERVING: TicketAtWindow,
    EventKind.TICKET_FINISHED: TicketFinished,
    EventKind.TICKET_NO_SHOW: TicketAtWindow,
    EventKind.TICKET_NO_SHOW_UNDONE: TicketNoShowUndone,
    EventKind.TICKET_RECHECKED_IN: TicketRecheckedIn,
    EventKind.TICKET_TRANSFERRED: TicketTransferred,
    EventKind.TICKET_CANCELLED: TicketLeft,
    EventKind.TICKET_EXPIRED: TicketLeft,
    EventKind.TICKET_PRIORITIZED: TicketPrioritized,
    EventKind.TICKET_RATED: TicketRated,
    EventKind.TICKET_PRINTED: TicketPrinted,
    EventKind.WINDOW_OPENED: WindowStatusChanged,
    EventKind.WINDOW_PAUSED: WindowStatusChanged,
    EventKind.WINDOW_RESUMED: WindowStatusChanged,
    EventKind.WINDOW_CLOSED: WindowStatusChanged,
    EventKind.APPOINTMENT_SAVED: AppointmentSaved,
    EventKind.DEVICE_STATUS: DeviceStatus,
    EventKind.STAFF_LOCKED: StaffLocked,
    EventKind.DEVICE_PAIRED: DevicePaired,
    EventKind.PAIRING_ABUSED: PairingAbused,
    EventKind.TICKET_LEASED: TicketLeased,
    EventKind.TICKET_LEASE_RETURNED: TicketLeaseReturned,
    EventKind.TICKET_REMOTE_SERVING: TicketRemoteServing,
    EventKind.TICKET_REMOTE_FINISHED: TicketRemoteFinished,
    EventKind.WINDOW_REMOTE_BUSY: WindowRemoteCall,
    EventKind.WINDOW_REMOTE: WindowRemoteCall,
    EventKind.WINDOW_REMOTE_FREE: WindowRemoteCall,
    EventKind.REFERRAL_REQUESTED: ReferralRequested,
    EventKind.REFERRAL_ISSUED: ReferralIssued,
    EventKind.REFERRAL_REFUSED: ReferralRefused,
    EventKind.REFERRAL_WITHDRAWING: ReferralEvent,
    EventKind.REFERRAL_WITHDRAWN: ReferralEvent,
    EventKind.THEME_ADJUSTED: ThemeAdjusted,
    EventKind.NOTICE_POSTED: NoticePosted,
    EventKind.NOTICE_CLEARED: NoticeCleared,
    EventKind.WINDOW_ASSIGNED: WindowAssigned,
}


@dataclass(frozen=True)
class Event:
    """One state change. ``seq`` is 0 until the store commits it; ``data`` has the fields of
    ``PAYLOADS[kind]``."""

    kind: EventKind
    ts: float
    data: dict[str, Any]
    seq: int = 0
    hall_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form sent to clients and to the central platform."""
        return {"seq": self.seq, "hall_id": self.hall_id, "kind": str(self.kind), "ts": self.ts,
                "data": self.data}
