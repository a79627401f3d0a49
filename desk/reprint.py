"""What the desk prints: the ticket as the hall answers it now (people ahead, wait, the
windows); a copy is marked as a reprint with the time, so it is never taken for a new number.
The only personal data on paper is the masked ID number."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from devices.printer.ticket import TicketContent
from hall.schemas import HallBody, TicketBody
from hall.wait_text import wait_sentence


def reprint_content(ticket: TicketBody, hall: HallBody, now: datetime, reprint: bool = True
                    ) -> TicketContent:
    """The printed ``ticket`` at ``now`` (an aware datetime), marked 补打 when a ``reprint``."""
    zone = ZoneInfo(hall["timezone"])
    item = ticket["item_name_zh"]
    theme = ticket["service_name_zh"]
    words = wait_sentence(ticket["wait_kind"], ticket["expected_wait_s"])
    missed = "过号请到服务台重新签到 / Missed the call? Ask at the desk"
    notices = (f"补打 {now.astimezone(zone):%H:%M} / Reprinted", missed) if reprint else (missed,)
    return TicketContent(
        hall_name=hall["name_zh"] or hall["name_en"],
        theme_name=f"{theme} · {item}" if item else theme,
        theme_name_en=ticket["item_name_en"] or ticket["service_name_en"],
        number=ticket["number"],
        ahead=max(0, ticket["ahead"] or 0),
        expected_wait_s=max(0, ticket["expected_wait_s"] or 0),
        issued_at=datetime.fromtimestamp(ticket["issued_at"], zone),
        privacy_line=(f"证件 {ticket['id_masked']}" if ticket["id_masked"]
                      else "未实名取号 / Ticket without ID"),
        qr_url=ticket["url"] or ticket["id"],
        notices=notices,
        waiting_area_zh=ticket["waiting_area_zh"],
        waiting_area_en=ticket["waiting_area_en"],
        windows=tuple(ticket["windows"]),
        wait_line=" / ".join(words) if words[0] else "",
    )
