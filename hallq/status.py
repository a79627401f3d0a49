"""What ``hallq status`` tells a person beside the health JSON: one line for each paired app
and each device attached to one — who, what, its state and when the node last heard of it, in
the hall's time zone (``health["devices"]``, ``hall/health.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: How an app's state is said.
APP_STATES = {"heard": "在线 / heard", "not_heard": "未收到 / not heard since the node started"}


def device_lines(health: dict[str, Any]) -> list[str]:
    """The lines for the devices of a ``GET /api/v1/health`` body (none when it has none)."""
    devices = health.get("devices") or []
    if not devices:
        return []
    try:
        zone = ZoneInfo(str(health.get("timezone") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
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


def _local(posix: float, zone: ZoneInfo) -> str:
    """A moment as the hall's wall clock says it (``2024-03-12 10:02:15``)."""
    return datetime.fromtimestamp(posix, zone).strftime("%Y-%m-%d %H:%M:%S")
