"""The console's small texts, each in Chinese and English: times in the hall's time zone
(never the machine's), how long ago the data came, the mean service time, an item's
department, and why an action is not possible now."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from caller.remote_panel import REMOTE_NAMES
from hall.lease import CALL_ACTIVE
from hall.schemas import HallBody, ServiceBody, WindowBody
from hall.window_states import activity_label, window_activity
from ui.viewmodel import Message

#: Data this many seconds old says how old it is.
STALE_AFTER_S = 5


def hall_zone(hall: HallBody | None) -> ZoneInfo | None:
    """The hall's time zone (``[hall] timezone``) once the hall said it; None before."""
    name = hall.get("timezone") if hall else None
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def clock_text(at: float, zone: ZoneInfo | None) -> str:
    """"14:58:39": the POSIX time ``at`` in the hall's zone (the machine's until it is known)."""
    return datetime.fromtimestamp(at, zone).strftime("%H:%M:%S")


def updated_text(refreshed_at: float, now: float, zone: ZoneInfo | None) -> Message:
    """"数据更新于 14:58:39（12 秒前）" / "Updated 14:58:39 (12 s ago)"; the age only once the
    data is more than a few seconds old."""
    stamp = clock_text(refreshed_at, zone)
    lag = max(0, round(now - refreshed_at))
    if lag <= STALE_AFTER_S:
        return f"数据更新于 {stamp}", f"Updated {stamp}"
    return f"数据更新于 {stamp}（{lag} 秒前）", f"Updated {stamp} ({lag} s ago)"


def mean_text(mean_s: float | None) -> Message:
    """"平均办理 12 秒" under a minute, "平均办理 10.7 分钟" above; "—" before the first."""
    if not mean_s:
        return "平均办理 —", "average —"
    if mean_s < 60:
        seconds = max(1, round(mean_s))
        return f"平均办理 {seconds} 秒", f"average {seconds} s"
    minutes = f"{mean_s / 60:.1f}".removesuffix(".0")
    return f"平均办理 {minutes} 分钟", f"average {minutes} min"


def department_of(services: list[ServiceBody], item: str | None) -> Message | None:
    """The department serving ``item`` (Chinese, English; the Chinese name where the hall
    gives no English one); None for an unknown item or one without a department."""
    for theme in services:
        for entry in theme.get("items", []):
            if entry["code"] == item and entry.get("department"):
                zh = entry["department"]
                return zh, entry.get("department_en") or zh
    return None


def why_not(name: str, status: str, remote_state: str, video_booth: bool) -> Message:
    """Why the action ``name`` is not possible at a window in ``status`` whose remote call is
    in ``remote_state`` (said to staff who pressed its key)."""
    if status == "paused":
        return "窗口已暂停，请先恢复服务 (F8)", "The window is paused; resume first (F8)"
    if name in REMOTE_NAMES:
        return _why_not_remote(name, remote_state, video_booth)
    if remote_state in CALL_ACTIVE:
        return ("本窗口正在远程叫号，请先完成或取消 (F12)",
                "This window is on a remote call; finish or cancel it first (F12)")
    if name == "call":
        return "请先办结或过号当前号码", "Finish or mark the current ticket first"
    if name in ("pause", "resume"):
        return "请先办结当前号码", "Finish the current ticket first"
    return "当前没有叫号", "No ticket has been called"


def _why_not_remote(name: str, state: str, video_booth: bool) -> Message:
    if not video_booth:
        return ("本窗口没有视频设备，不能远程叫号",
                "This window has no video equipment for remote calling")
    if name == "remote_call" and state in CALL_ACTIVE:
        return "本窗口正在远程叫号", "This window is on a remote call already"
    if name == "remote_call":
        return "请先办结或过号当前号码", "Finish or mark the current ticket first"
    if name == "remote_start":
        return "该市民尚未被叫到视频服务区", "No citizen has been called to the video booth"
    if name == "remote_finish":
        return "远程办理尚未开始", "The remote service has not started"
    return "没有可取消的远程叫号", "There is no remote call to cancel"


def window_state(info: WindowBody | None) -> tuple[str, Message]:
    """What the window is doing (closed, idle, calling, serving, paused; "unknown" before the
    first load) and how it is said: "空闲" / "Idle", "暂停中 · 午休" / "Paused · Lunch break"."""
    if info is None:
        return "unknown", ("连接中", "Loading")
    state = info.get("state") or window_activity(info["status"], info.get("current_status"))
    return state, activity_label(state, info.get("pause_reason"))
