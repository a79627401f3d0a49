"""Pausing a window with a reason (暂停原因): F7 (or the pause button) offers 午休, 暂离, 会议 and
其他 on keys 1-4 and as buttons; Esc leaves the window open. The reasons are the hall's
(``hall.window_states.PauseReason``)."""

from __future__ import annotations

from hall.window_states import PAUSE_LABELS, PauseReason
from ui.viewmodel import Message

#: The key of each reason, in the order offered.
PAUSE_KEYS: dict[str, PauseReason] = {str(n): r for n, r in enumerate(PAUSE_LABELS, 1)}
#: What staff are asked after F7.
PAUSE_PROMPT: Message = ("请选择暂停原因：1 午休  2 暂离  3 会议  4 其他（Esc 取消）",
                         "Why pause? 1 Lunch  2 Away  3 Meeting  4 Other (Esc: cancel)")


def paused_message(reason: str | None) -> Message:
    """"已暂停服务（午休）" / "Paused (Lunch break)"; without a reason "已暂停服务" / "Paused"."""
    if reason not in PAUSE_LABELS:
        return "已暂停服务", "Paused"
    zh, en = PAUSE_LABELS[PauseReason(reason)]
    return f"已暂停服务（{zh}）", f"Paused ({en})"

