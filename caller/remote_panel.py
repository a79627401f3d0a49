"""A video window calling another hall (远程叫号), as the calling console shows it.

Plain Python, no widgets. The hall node keeps the remote call (``GET /windows/{n}/remote``, its
state a :class:`hall.lease.RemoteCallState`); :func:`remote_panel` turns it into what the
current-ticket card says, :func:`remote_actions` into the remote actions that make sense.

Keys (documented on screen, only at a window with video, ``video_booth`` in the catalog):
F9 remote call, F10 video connected, F11 finish the remote service, F12 cancel.
"""

from __future__ import annotations

from dataclasses import dataclass

from hall.lease import CALL_ACTIVE, CALL_CANCELLABLE, RemoteCallState
from hall.schemas import RemoteCallBody

Message = tuple[str, str]

#: The remote actions in key order, with their key and (Chinese, English) labels.
REMOTE_ACTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("remote_call", "F9", "远程叫号", "Remote call"),
    ("remote_start", "F10", "视频已接通", "Video connected"),
    ("remote_finish", "F11", "完成", "Finish"),
    ("remote_cancel", "F12", "取消", "Cancel"),
)
REMOTE_NAMES = frozenset(name for name, _, _, _ in REMOTE_ACTIONS)
_AGAIN: Message = ("按 F1 叫本厅下一位，或按 F9 再次远程叫号",
                   "Press F1 to call here, or F9 to call another hall again")


@dataclass(frozen=True)
class RemotePanel:
    """What the current-ticket card shows during (or just after) a remote call."""

    state: str
    heading: Message
    """The small line above the number: "远程叫号 · 南山区政务服务中心"."""
    number: str
    """The ticket number of the other hall ("" while none is chosen yet)."""
    status: Message
    """The main sentence: "请等待市民到达视频服务区"."""
    hint: Message | None = None
    """What to press next."""
    tone: str = "wait"
    """``wait`` (under way), ``call`` (the citizen is called), ``serve`` or ``over``."""


def remote_actions(state: str) -> set[str]:
    """The remote actions that make sense in a remote-call state (no local ticket at the
    window, the window open)."""
    if state not in CALL_ACTIVE:
        return {"remote_call"}
    actions = {"remote_cancel"} if state in CALL_CANCELLABLE else set()
    if state == RemoteCallState.CALLING:
        actions.add("remote_start")
    if state == RemoteCallState.SERVING:
        actions.add("remote_finish")
    return actions


def home_name(remote: RemoteCallBody) -> Message:
    """The ticket's home hall in both languages (its id when its name is not known)."""
    zh = remote.get("home_name_zh") or remote.get("home") or ""
    return zh, remote.get("home_name_en") or zh


def remote_panel(remote: RemoteCallBody, cancelled: bool = False) -> RemotePanel | None:
    """The card for a remote call; None when the window is idle. ``cancelled``: staff gave
    this call up (an ended call then says "已取消" rather than "未叫到")."""
    state = remote.get("state", RemoteCallState.IDLE)
    number = remote.get("number") or ""
    zh, en = home_name(remote)
    heading = (f"远程叫号 · {zh}", f"Remote call · {en}") if zh else ("远程叫号", "Remote call")
    if state in (RemoteCallState.CHOOSING, RemoteCallState.REQUESTING):
        return RemotePanel(state, heading, number, ("正在向其他大厅叫号…", "Calling another hall…"),
                           ("可按 F12 取消", "Press F12 to cancel"))
    if state == RemoteCallState.CALLING:
        return RemotePanel(state, heading, number,
                           ("请等待市民到达视频服务区",
                            "Waiting for the citizen at the video booth"),
                           ("视频接通后按 F10 视频已接通",
                            "Press F10 Video connected when the video is on"), tone="call")
    if state == RemoteCallState.STARTING:
        return RemotePanel(state, heading, number, ("正在与原大厅确认…", "Confirming with the "
                                                    "citizen's hall…"))
    if state == RemoteCallState.SERVING:
        return RemotePanel(state, heading, number, ("远程办理中", "Serving by video"),
                           ("办理完毕请按 F11 完成", "Press F11 Finish when done"), tone="serve")
    if state == RemoteCallState.FINISHING:
        return RemotePanel(state, heading, number, ("正在办结…", "Finishing…"), tone="serve")
    if state == RemoteCallState.RELEASING:
        status = ("正在取消…", "Cancelling…") if cancelled else \
            ("未叫到，号码正在退回原大厅", "Nothing to call; the ticket goes back to its hall")
        return RemotePanel(state, heading, number, status)
    if state == RemoteCallState.ENDED:
        status = ("已取消", "Cancelled") if cancelled else ("未叫到", "Nothing to call")
        return RemotePanel(state, heading, number, status, _AGAIN, tone="over")
    if state == RemoteCallState.DONE:
        return RemotePanel(state, heading, number, (f"{number} 已远程办结", f"{number} served "
                                                    "by video"), _AGAIN, tone="over")
    if state == RemoteCallState.NONE:
        return RemotePanel(state, ("远程叫号", "Remote call"), "",
                           ("其他大厅暂无可远程办理的等候", "No one waiting elsewhere"), _AGAIN,
                           tone="over")
    return None
