"""What the kiosk prints: a :class:`~devices.printer.ticket.TicketContent` from the ticket the
hall issued (or another hall, for a citizen referred there). The only personal data on paper
is the masked ID number."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from devices.printer.ticket import TicketContent


def privacy_line(masked_id: str | None) -> str:
    """The line that says whose ticket it is, masked (or that it is not real-name)."""
    if not masked_id:
        return "未实名取号 / Ticket without ID"
    return f"证件 {masked_id}"


def ticket_content(ticket: dict, hall: dict, masked_id: str | None) -> TicketContent:
    """The printed ticket for a ``POST /tickets`` answer and the hall's ``GET /hall``;
    ``masked_id`` of the citizen whose card was read (None: not a real-name ticket)."""
    zone = ZoneInfo(hall["timezone"]) if hall.get("timezone") else None
    issued = datetime.fromtimestamp(ticket["issued_at"], zone) if ticket.get("issued_at") \
        else datetime.now(zone)
    notices = ["过号请到服务台重新签到 / Missed your call? Ask at the desk"]
    if ticket.get("appointment_id"):
        notices.insert(0, "预约签到 优先办理 / Appointment: priority")
    item = ticket.get("item_name_zh") or ""
    theme = ticket.get("service_name_zh") or ticket.get("service", "")
    return TicketContent(
        hall_name=hall.get("name_zh") or hall.get("name_en") or "政务服务中心",
        theme_name=f"{theme} · {item}" if item else theme,
        theme_name_en=ticket.get("item_name_en") or ticket.get("service_name_en") or "",
        number=ticket["number"],
        ahead=max(0, int(ticket.get("ahead") or 0)),
        expected_wait_s=max(0, int(ticket.get("expected_wait_s") or 0)),
        issued_at=issued,
        privacy_line=privacy_line(masked_id),
        qr_url=ticket.get("url") or ticket["id"],
        notices=tuple(notices),
    )


def referral_content(ticket: dict, hall: dict, name_zh: str, name_en: str) -> TicketContent:
    """The printed ticket of another hall (跨厅取号): that hall's name on top, and where to go.
    Real-name (the masked number) when that hall issued it so (the kiosk had read the card)."""
    here = ticket_content(ticket, dict(hall, name_zh=name_zh, name_en=name_en),
                          ticket.get("id_masked"))
    go = f"请前往 {name_zh} 办理 / Please go to {name_en}"
    return replace(here, notices=(go, *here.notices))
