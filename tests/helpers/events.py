"""What the hall node tells the wall display, built by hand for the display tests: events as
the stream sends them and the windows as ``GET /windows`` reads them.

Unlike the hall node's, these carry only the fields a test names (plus the ones every event
has), the hall is always ``"H"`` and ticket ids are ``t-<number>``.
"""

from __future__ import annotations

from hall.events import EventKind


def event(kind: str, seq: int = 1, ts: float = 0.0, **data: object) -> dict:
    """An event of ``kind`` with ``data``; its time is ``ts``, or ``seq`` seconds if not given."""
    return {"seq": seq, "hall_id": "H", "kind": kind, "ts": ts or float(seq), "data": data}


def called(number: str, window: str, seq: int, ticket: str = "") -> dict:
    """``ticket.called``: ``number`` called to ``window``."""
    return event(EventKind.TICKET_CALLED, seq, ticket=ticket or f"t-{number}", number=number,
                 theme=number[0], window=window, waited_s=10.0, expected_wait_s=60)


def windows_read(**current: str) -> list[dict]:
    """``GET /windows`` of a hall of three windows (2 paused); ``w1="A001"`` puts A001 at
    window 1 as called."""
    rows = []
    for number in ("1", "2", "3"):
        ticket = current.get(f"w{number}")
        rows.append({"number": number, "name_zh": f"{number}号窗口", "name_en": f"Window {number}",
                     "status": "paused" if number == "2" else "open",
                     "current": ticket, "current_ticket": f"t-{ticket}" if ticket else None,
                     "current_status": "called" if ticket else None})
    return rows
