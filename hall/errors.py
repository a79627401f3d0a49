"""Errors a citizen or staff member can cause, each with a stable code and a message in
Chinese first and English second. The API returns them as 4xx bodies; apps show the message.

Codes: unknown_service, unknown_window, unknown_ticket, unknown_appointment, closed, cutoff,
quota_reached, id_limit_reached, invalid_id_number, window_closed, window_paused, window_busy,
window_idle, no_skill, bad_state, recall_limit, already_rated, bad_rating, appointment_used,
forbidden.
"""

from __future__ import annotations


class QueueError(Exception):
    """A rule of the hall refused an operation; nothing was changed."""

    status = 409

    def __init__(self, code: str, message_zh: str, message_en: str, status: int | None = None):
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        if status is not None:
            self.status = status

    def to_dict(self) -> dict[str, str]:
        """The JSON body of the error."""
        return {"code": self.code, "message_zh": self.message_zh, "message_en": self.message_en}


def not_found(code: str, what_zh: str, what_en: str) -> QueueError:
    """A 404 for something that does not exist."""
    return QueueError(code, f"{what_zh}不存在", f"{what_en} not found", status=404)
