"""A window's state as people are shown it, and why a window is paused: one name and one
bilingual label each, for the windows view (``hall/views.py``), the consoles, the wall and the
window controller.

What a window is doing (:class:`WindowActivity`) follows from its status and its current
ticket: an open window with no ticket is ``idle`` (空闲), never "serving". A pause may carry a
reason (:class:`PauseReason`: 午休, 暂离, 会议, 其他), given with ``POST
/api/v1/windows/{n}/pause`` and carried in the ``window.paused`` event.
"""

from __future__ import annotations

import enum

from hall.errors import ErrorCode, QueueError


class PauseReason(enum.StrEnum):
    """Why staff paused their window; the value is the reason on the wire."""

    LUNCH = "lunch"
    AWAY = "away"
    MEETING = "meeting"
    OTHER = "other"


#: Each reason's (Chinese, English) label, in the order the console offers them (keys 1-4).
PAUSE_LABELS: dict[PauseReason, tuple[str, str]] = {
    PauseReason.LUNCH: ("午休", "Lunch break"),
    PauseReason.AWAY: ("暂离", "Away briefly"),
    PauseReason.MEETING: ("会议", "In a meeting"),
    PauseReason.OTHER: ("其他", "Other"),
}
#: The reason of a pause from a device that cannot ask (the calling keypad's one key).
DEFAULT_PAUSE_REASON = PauseReason.AWAY


def pause_reason(value: str | None) -> PauseReason | None:
    """The reason named by ``value`` (None: none given); a 422 ``bad_request`` with the
    reasons there are for any other value."""
    if value is None:
        return None
    try:
        return PauseReason(value)
    except ValueError:
        raise QueueError(ErrorCode.BAD_REQUEST,
                         "暂停原因只能是 lunch（午休）、away（暂离）、meeting（会议）"
                         "或 other（其他）",
                         "A pause reason is one of lunch, away, meeting or other",
                         status=422) from None


class WindowActivity(enum.StrEnum):
    """What a window is doing, as every screen names it."""

    CLOSED = "closed"
    IDLE = "idle"
    CALLING = "calling"
    SERVING = "serving"
    PAUSED = "paused"


#: Each activity's (Chinese, English) label.
ACTIVITY_LABELS: dict[WindowActivity, tuple[str, str]] = {
    WindowActivity.CLOSED: ("未开启", "Closed"),
    WindowActivity.IDLE: ("空闲", "Idle"),
    WindowActivity.CALLING: ("已叫号", "Calling"),
    WindowActivity.SERVING: ("服务中", "Serving"),
    WindowActivity.PAUSED: ("暂停中", "Paused"),
}


def window_activity(status: str, current_status: str | None) -> WindowActivity:
    """The activity of a window in ``status`` (closed, open, paused) whose current ticket is
    ``current_status`` (called, serving, or None without one)."""
    if status == "closed":
        return WindowActivity.CLOSED
    if status == "paused":
        return WindowActivity.PAUSED
    if current_status == "called":
        return WindowActivity.CALLING
    if current_status is None:
        return WindowActivity.IDLE
    return WindowActivity.SERVING


def activity_label(activity: str, reason: str | None = None) -> tuple[str, str]:
    """"暂停中 · 午休" / "Paused · Lunch break", "空闲" / "Idle" … for an activity and, while
    paused, its reason (an unknown name is shown as it is)."""
    try:
        zh, en = ACTIVITY_LABELS[WindowActivity(activity)]
    except ValueError:
        zh = en = activity
    if activity == WindowActivity.PAUSED and reason in PAUSE_LABELS:
        why_zh, why_en = PAUSE_LABELS[PauseReason(reason)]
        return f"{zh} · {why_zh}", f"{en} · {why_en}"
    return zh, en
