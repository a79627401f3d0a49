"""A supervisor's notice (大厅通知) on the kiosk's home screen, as the wall displays show it.

The notice comes with ``GET /api/v1/hall`` (its ``notice``) and, while the kiosk runs, with
the event stream's ``notice.posted`` and ``notice.cleared``: :func:`apply_notice_event` keeps
the model's copy of the hall's answer up to date, :func:`live_notice` says whether one is up
now (:func:`drop_ended_notice`, asked every second, forgets one that ran out), and
:func:`notice_banner` draws it (amber, like the wall's marquee), in the language
shown and the other below; a notice without English text is shown in Chinese alone.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QVBoxLayout

from hall.events import EventKind
from hall.schemas import HallBody, NoticeBody
from ui.look import Look, fit_text, label
from ui.qt import font

#: The banner's colours: the wall's amber (``display/paint.py``) and dark text.
BANNER_BG = "#ffd23f"
BANNER_TEXT = "#3a2a00"


def apply_notice_event(hall: HallBody | None, event: dict) -> bool:
    """Take a ``notice.posted`` or ``notice.cleared`` event into the hall's answer; whether
    the notice changed (without an answer yet, nothing: ``GET /hall`` brings the notice)."""
    kind = event.get("kind")
    if hall is None or kind not in (EventKind.NOTICE_POSTED, EventKind.NOTICE_CLEARED):
        return False
    data = event.get("data") or {}
    hall["notice"] = None if kind == EventKind.NOTICE_CLEARED else {
        "text_zh": str(data.get("text_zh", "")), "text_en": str(data.get("text_en", "")),
        "until": float(data.get("until", 0.0)), "posted_at": float(event.get("ts", 0.0)),
        "by": str(data.get("by", ""))}
    return True


def live_notice(hall: HallBody | None, now_ts: float) -> NoticeBody | None:
    """The notice up at ``now_ts`` (POSIX seconds), if any."""
    notice = hall.get("notice") if hall else None
    if notice is None or notice["until"] <= now_ts:
        return None
    return notice


def drop_ended_notice(hall: HallBody | None, now_ts: float) -> bool:
    """Forget a notice whose time ran out (the home screen then drops its banner); whether
    there was one."""
    notice = hall.get("notice") if hall else None
    if hall is None or notice is None or notice["until"] > now_ts:
        return False
    hall["notice"] = None
    return True


def notice_banner(look: Look, notice: NoticeBody | None, width: int) -> QFrame | None:
    """The notice as an amber banner ``width`` px wide (None: no notice up)."""
    if notice is None:
        return None
    box = QFrame()
    box.setObjectName("notice")
    box.setStyleSheet(f"QFrame#notice {{ background: {BANNER_BG}; "
                      f"border-radius: {look.px(18)}px; }}")
    column = QVBoxLayout(box)
    column.setContentsMargins(look.px(28), look.px(12), look.px(28), look.px(12))
    column.setSpacing(look.px(2))
    room = width - 2 * look.px(28)
    zh, en = notice["text_zh"], notice["text_en"]
    main, other = (en, zh) if look.lang == "en" and en else (zh, en)
    heading = "Notice: " if look.lang == "en" and en else "通知："
    column.addWidget(label(look, fit_text(heading + main, font(look.big(34), True), room), 34,
                           bold=True, color=BANNER_TEXT, name="notice_text", big=True))
    if other:
        column.addWidget(label(look, fit_text(other, font(look.big(24)), room, max_lines=1),
                               24, color=BANNER_TEXT, name="notice_other", big=True))
    return box
