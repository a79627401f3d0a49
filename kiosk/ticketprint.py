"""What the kiosk prints: a :class:`~devices.printer.ticket.TicketContent` from the ticket the
hall issued (or another hall, for a citizen referred there), with where to wait and the windows
that serve it (this hall's tickets only). The only personal data on paper is the masked ID
number. How each line fits the paper is the printer's business (``devices.printer.layout``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from devices.printer.ticket import TicketContent
from hall.schemas import HallBody
from hall.wait_text import wait_sentence
from kiosk.referral_flow import ShownTicket


def privacy_line(masked_id: str | None) -> str:
    """The line that says whose ticket it is, masked (or that it is not real-name)."""
    if not masked_id:
        return "未实名取号 / Ticket without ID"
    return f"证件 {masked_id}"


def ticket_content(ticket: ShownTicket, hall: HallBody | None, masked_id: str | None
                   ) -> TicketContent:
    """The printed ticket for a ``POST /tickets`` answer and the hall's ``GET /hall`` (None
    before it answered); ``masked_id`` of the citizen whose card was read (None: not a
    real-name ticket)."""
    name = hall and (hall.get("name_zh") or hall.get("name_en"))
    return _content(ticket, name or "政务服务中心", _zone(hall), masked_id)


def referral_content(ticket: ShownTicket, hall: HallBody | None, name_zh: str, name_en: str
                     ) -> TicketContent:
    """The printed ticket of another hall (跨厅取号): that hall's name on top, and where to go.
    Real-name (the masked number) when that hall issued it so (the kiosk had read the card)."""
    here = _content(ticket, name_zh or name_en or "政务服务中心", _zone(hall),
                    ticket.get("id_masked"))
    go = f"请前往 {name_zh} 办理 / Please go to {name_en}"
    return replace(here, notices=(go, *here.notices))


def _zone(hall: HallBody | None) -> ZoneInfo | None:
    return ZoneInfo(hall["timezone"]) if hall and hall.get("timezone") else None


def _content(ticket: ShownTicket, hall_name: str, zone: ZoneInfo | None,
             masked_id: str | None) -> TicketContent:
    issued_at = ticket["issued_at"] if "issued_at" in ticket else None  # this hall's only
    issued = datetime.fromtimestamp(issued_at, zone) if issued_at else datetime.now(zone)
    # the English is 32 columns: whole on its own line even on 58 mm paper
    notices = ["过号请到服务台重新签到 / Missed the call? Ask at the desk"]
    if ticket.get("appointment_id"):
        notices.insert(0, "预约签到 优先办理 / Appointment: priority")
    item = ticket.get("item_name_zh") or ""
    kind = ticket["wait_kind"] if "wait_kind" in ticket else None
    words = wait_sentence(kind, ticket.get("expected_wait_s"))
    # another hall's ticket for an item this hall does not list has no theme: ""
    theme = ticket.get("service_name_zh") or ticket.get("service") or ""
    return TicketContent(
        hall_name=hall_name,
        theme_name=f"{theme} · {item}" if item else theme,
        theme_name_en=ticket.get("item_name_en") or ticket.get("service_name_en") or "",
        number=ticket["number"],
        ahead=max(0, int(ticket.get("ahead") or 0)),
        expected_wait_s=max(0, int(ticket.get("expected_wait_s") or 0)),
        issued_at=issued,
        privacy_line=privacy_line(masked_id),
        qr_url=ticket.get("url") or ticket["id"],
        notices=tuple(notices),
        waiting_area_zh=ticket["waiting_area_zh"] if "waiting_area_zh" in ticket else "",
        waiting_area_en=ticket["waiting_area_en"] if "waiting_area_en" in ticket else "",
        windows=tuple(ticket["windows"]) if "windows" in ticket else (),
        wait_line=" / ".join(words) if words[0] else "",
    )
