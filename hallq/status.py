"""What ``hallq status`` tells a person: the hall, ok or degraded and why, the sync agent's lag,
the writes, and one line for each paired app and each device attached to one — who, what, its
state and when the node last heard of it — every time in the hall's time zone
(``GET /api/v1/health``, ``hall/health.py``). ``--json`` prints the body itself, for machines."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: How an app's state is said.
APP_STATES = {"heard": "在线 / heard", "not_heard": "未收到 / not heard since the node started"}


def report(health: dict[str, Any], url: str) -> list[str]:
    """The whole report for people, line by line."""
    zone = _zone(health)
    ok = health.get("status") == "ok"
    lines = [f"大厅 / hall   {health.get('hall_id', '?')} at {url}",
             f"时间 / time   {_local(_posix(health.get('time')), zone)} ({zone})",
             "状态 / status " + ("正常 / ok" if ok else "降级 / DEGRADED")]
    lines += [f"  - {r['message_zh']} / {r['message_en']}" for r in health.get("reasons", [])]
    lines.append("同步 / sync   " + _sync(health.get("sync"), zone))
    writes = health.get("writes") or {}
    lines.append(f"写入 / writes {writes.get('operations', 0)} operations in "
                 f"{writes.get('batches', 0)} batches; last event {health.get('last_seq', 0)}")
    return lines + device_lines(health)


def _sync(sync: dict[str, Any] | None, zone: ZoneInfo) -> str:
    if sync is None:
        return "无同步代理报告 / no sync agent has reported (a hall without central)"
    reached = {True: "central reachable", False: "CENTRAL UNREACHABLE", None: "central ?"}
    said = (f"{sync['events_behind']} events / {round(sync['seconds_behind'])} s behind, "
            f"{reached[sync.get('central_reachable')]}, acked {sync['acked_seq']}; "
            f"reported {_local(_posix(sync.get('reported_at')), zone)}")
    return said + (f"; last error: {sync['last_error']}" if sync.get("last_error") else "")


def _zone(health: dict[str, Any]) -> ZoneInfo:
    try:
        return ZoneInfo(str(health.get("timezone") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _posix(iso: object) -> float | None:
    try:
        return datetime.fromisoformat(str(iso)).timestamp()
    except ValueError:
        return None


def device_lines(health: dict[str, Any]) -> list[str]:
    """The lines for the devices of a ``GET /api/v1/health`` body (none when it has none)."""
    devices = health.get("devices") or []
    if not devices:
        return []
    zone = _zone(health)
    lines = [f"设备 / devices ({zone}):"]
    for line in devices:
        if line.get("device"):
            who = f"{line['where']} · {line['device']}"
            said = line["state"] + (f" ({line['detail']})" if line.get("detail") else "")
        else:
            who = f"{line['where']} ({line.get('role', '')})"
            said = APP_STATES.get(line["state"], line["state"])
        heard = line.get("heard_at")
        when = f"  最后消息 / last heard {_local(heard, zone)}" if heard is not None else ""
        offset = line.get("clock_offset")
        clock = f", 时钟 / clock {round(offset, 1) or 0.0:+.1f} s" if offset is not None else ""
        lines.append(f"  {who:<28} {said}{when}{clock}")
    return lines


def _local(posix: float | None, zone: ZoneInfo) -> str:
    """A moment as the hall's wall clock says it (``2024-03-12 10:02:15``)."""
    if posix is None:
        return "?"
    return datetime.fromtimestamp(posix, zone).strftime("%Y-%m-%d %H:%M:%S")
