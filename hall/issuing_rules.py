"""When numbers may be given for a theme: the hall's hours and days, the cutoff before closing
(停号), the daily quota (放号量) and the appointment a number is taken for. Pure checks that
raise :class:`~hall.errors.QueueError` with nothing changed; the engine runs them before it
issues."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from hall.config import Rules, Theme
from hall.errors import ErrorCode, QueueError, not_found
from hall.state import Appointment


def within_hours(rules: Rules, local: datetime) -> bool:
    """Whether the hall is open at ``local`` (the time in the hall's time zone): one of its
    days, between opening and closing, or open all day."""
    if rules.open_all_day:
        return True
    opens = local.replace(hour=rules.open_time.hour, minute=rules.open_time.minute,
                          second=0, microsecond=0)
    closes = local.replace(hour=rules.close_time.hour, minute=rules.close_time.minute,
                           second=0, microsecond=0)
    return local.isoweekday() in rules.open_days and opens <= local < closes


def check_open(rules: Rules, theme: Theme, local: datetime) -> None:
    """Refuse outside the hall's hours or days (``closed``) and after the theme's cutoff
    (``cutoff``); ``local`` is the time in the hall's time zone."""
    if rules.open_all_day:
        return
    closes = local.replace(hour=rules.close_time.hour, minute=rules.close_time.minute,
                           second=0, microsecond=0)
    if not within_hours(rules, local):
        raise QueueError(
            ErrorCode.CLOSED,
            f"大厅不在办公时间（{rules.open_time:%H:%M}–{rules.close_time:%H:%M}）",
            f"The hall is closed (hours {rules.open_time:%H:%M}–{rules.close_time:%H:%M})")
    if local >= closes - timedelta(minutes=theme.cutoff_min):
        raise QueueError(
            ErrorCode.CUTOFF,
            f"{theme.name_zh}今日已停止取号（下班前{theme.cutoff_min}分钟停号）",
            f"{theme.name_en}: no more tickets today "
            f"(issuing stops {theme.cutoff_min} min before closing)")


def check_quota(theme: Theme, issued_today: int) -> None:
    """Refuse (``quota_reached``) once the theme's daily quota is given out."""
    if theme.daily_quota and issued_today >= theme.daily_quota:
        raise QueueError(ErrorCode.QUOTA_REACHED, f"{theme.name_zh}今日号源已发完",
                         f"{theme.name_en}: today's tickets are all taken")


def check_appointment(appointments: Mapping[str, Appointment], appointment_id: str | None,
                      theme: Theme, id_hash: str | None) -> Appointment | None:
    """The appointment a number is taken for (None without one), refused when it is unknown,
    already checked in, for another theme, or booked with another ID card."""
    if not appointment_id:
        return None
    appointment = appointments.get(appointment_id)
    if appointment is None:
        raise not_found(ErrorCode.UNKNOWN_APPOINTMENT, "预约", "Appointment")
    if appointment.ticket_id is not None:
        raise QueueError(ErrorCode.APPOINTMENT_USED, "该预约已取号",
                         "This appointment was checked in")
    if appointment.theme != theme.prefix:
        raise QueueError(ErrorCode.APPOINTMENT_MISMATCH, "预约事项与所选业务不符",
                         "The appointment is for another service", status=422)
    if appointment.id_hash and id_hash and appointment.id_hash != id_hash:
        raise QueueError(ErrorCode.APPOINTMENT_MISMATCH, "证件与预约人不符",
                         "The ID card does not match the appointment", status=422)
    return appointment
