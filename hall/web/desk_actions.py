"""The service desk's changes as node operations: the same engine operations the API runs
for a desk device (``hall/api/tickets.py``), each event stamped with the staff member who did
it (``by_staff``) and the desk (``desk``), so the wall, the consoles and the audit trail follow
at once. Also the desk's reads: a ticket of today by its number, the no-shows, a citizen's
tickets by the keyed hash of their ID card."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hall import views
from hall.api.tickets import TicketRequest, issue_operation, ticket_operation
from hall.engine import Engine
from hall.errors import ErrorCode, QueueError, not_found
from hall.events import Event, EventKind
from hall.node import Operation
from hall.schemas import TicketBody
from hall.staff_auth import Lockout
from hall.state import Ticket, TicketStatus
from hall.webkit.sessions import StaffSession

#: A green-channel reason is a short note (绿色通道原因), kept in the event.
MAX_REASON = 60
#: The states a ticket may be reprinted in: the citizen still needs the slip.
REPRINTABLE = (TicketStatus.WAITING, TicketStatus.CALLED)


def stamped(operation: Operation, session: StaffSession, **extra: Any) -> Operation:
    """``operation`` with every event it causes naming the staff member and the desk."""
    def run(engine: Engine, now: datetime) -> tuple[Any, list[Event]]:
        result, events = operation(engine, now)
        for event in events:
            event.data["by_staff"] = session.staff_id
            if session.desk:
                event.data["desk"] = session.desk
            event.data.update(extra)
        return result, events
    return run


def recheck_in(ticket_id: str, session: StaffSession) -> Operation:
    """A no-show checks in again (the hall's ``recheckin_positions`` places back)."""
    return stamped(ticket_operation(ticket_id, "recheck_in"), session)


def cancel(ticket_id: str, session: StaffSession) -> Operation:
    """The citizen gives up a waiting number at the desk."""
    return stamped(ticket_operation(ticket_id, "cancel"), session)


def set_green(ticket_id: str, green: bool, reason: str, session: StaffSession) -> Operation:
    """Put a waiting ticket on the green channel (a reason is required) or take it off."""
    reason = " ".join(reason.split())
    if green and not reason:
        raise QueueError(ErrorCode.BAD_REQUEST, "请填写绿色通道的原因",
                         "Give the reason for the green channel", status=422)
    if len(reason) > MAX_REASON:
        raise QueueError(ErrorCode.BAD_REQUEST, f"原因最多 {MAX_REASON} 个字",
                         f"The reason is at most {MAX_REASON} characters", status=422)
    extra = {"reason": reason} if reason else {}
    return stamped(ticket_operation(ticket_id, "set_green", green), session, **extra)


def issue_for(service: str, session: StaffSession) -> Operation:
    """A number for a citizen without a card (the staff channel, 人工取号), printed at the
    desk's printer when the session has a desk."""
    request = TicketRequest(service=service, channel="staff", id_number=None,
                            appointment_id=None)
    issue = issue_operation(request, f"web:{session.staff_id}")

    def operation(engine: Engine, now: datetime) -> tuple[TicketBody, list[Event]]:
        issued, events = issue(engine, now)
        if session.desk is not None:
            events.append(_printed(engine, engine.ticket(issued["id"]), now, session.desk,
                                   reprint=False))
        return issued, events
    return stamped(operation, session)


def reprint(ticket_id: str, session: StaffSession) -> Operation:
    """Ask the desk's printer for a copy of the ticket (``ticket.printed``; the desk's
    ``hallq desk-agent`` prints it, marked 补打)."""
    desk = session.desk
    if desk is None:
        raise QueueError(ErrorCode.BAD_REQUEST, "本台未连接打印机，请登录时选择服务台",
                         "No printer at this desk: choose the desk when signing in",
                         status=422)

    def operation(engine: Engine, now: datetime) -> tuple[TicketBody, list[Event]]:
        ticket = engine.ticket(ticket_id)
        if ticket.status not in REPRINTABLE:
            raise QueueError(ErrorCode.BAD_STATE, "只有等待中或已叫号的号码可以补打",
                             "Only a waiting or called ticket can be printed again")
        event = _printed(engine, ticket, now, desk, reprint=True)
        return views.ticket_view(engine, ticket, now), [event]
    return stamped(operation, session)


def _printed(engine: Engine, ticket: Ticket, now: datetime, printer: str, reprint: bool
             ) -> Event:
    return Event(EventKind.TICKET_PRINTED, now.timestamp(),
                 {"ticket": ticket.id, "number": ticket.number, "theme": ticket.theme,
                  "printer": printer, "reprint": reprint}, hall_id=engine.config.hall_id)


def report_lockout(lockout: Lockout) -> Operation:
    """The node operation storing a ``staff.locked`` event."""
    def operation(engine: Engine, now: datetime) -> tuple[None, list[Event]]:
        return None, engine.staff_locked(lockout.staff_id, now, lockout.seconds,
                                         lockout.failures, lockout.device)
    return operation


# ---------------------------------------------------------------------- reads
def find_today(engine: Engine, wanted: str) -> Ticket:
    """Today's ticket by its number (``a12``, ``A012``) or id; 404 ``unknown_ticket``."""
    wanted = wanted.strip().upper()
    if wanted in engine.state.tickets:
        return engine.state.tickets[wanted]
    prefix, digits = wanted[:1], wanted[1:]
    number = f"{prefix}{int(digits):03d}" if digits.isdigit() else wanted
    for ticket in engine.state.tickets.values():
        if ticket.number == number:
            return ticket
    raise not_found(ErrorCode.UNKNOWN_TICKET, "票号", "Ticket")


def ticket_page(engine: Engine, ticket_id: str, now: datetime) -> tuple[TicketBody, Ticket]:
    """A ticket of today as the desk shows it, and the ticket itself."""
    ticket = engine.ticket(ticket_id)
    return views.ticket_view(engine, ticket, now), ticket


def no_shows(engine: Engine, limit: int = 20) -> list[Ticket]:
    """Today's no-shows, the latest called first."""
    missed = [t for t in engine.state.tickets.values() if t.status is TicketStatus.NO_SHOW]
    return sorted(missed, key=lambda t: t.called_at or 0.0, reverse=True)[:limit]


def tickets_of(engine: Engine, id_hash: str) -> list[Ticket]:
    """Today's tickets of the citizen whose card has this keyed hash, the latest first."""
    return sorted(engine.state.by_id_hash.get(id_hash, ()), key=lambda t: t.issued_at,
                  reverse=True)
