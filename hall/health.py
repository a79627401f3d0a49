"""Whether a hall node works as it should: what ``GET /api/v1/health`` (and ``hallq status``)
says. ``ok``, or ``degraded`` with each reason in Chinese and English, from what the node
knows at the moment it is asked:

- the store refused the last write (``HallNode.write_failure``; the node tries a write every
  second until one succeeds), or the disk of the database is almost full;
- a device reported a fault (``POST /api/v1/devices/status`` or a heartbeat: paper out, a
  reader unplugged …) and has not reported since that it is fine; the last state of each
  device is kept in the store, so a fault reported before a restart is still one after it;
- during the hall's opening hours, a paired app (kiosk, console, wall display) has not been
  heard for ``[rules] device_silent_limit_s`` (an app never heard since the node started counts
  from the start); outside the hours a silent app (a display switched off) is no fault;
- the clock an app sent with its last heartbeat is off the node's by more than ``[rules]
  clock_drift_limit_s``;
- the sync agent's last report puts central further behind than ``[rules]
  sync_lag_limit_min``, or the agent has not reported for that long;
- the clock the agent reports is further off the node's than ``[rules] clock_drift_limit_s``.
"""

from __future__ import annotations

import shutil
import time
from datetime import datetime
from typing import Any

from hall.device_book import FINE_STATES
from hall.issuing_rules import within_hours
from hall.node import HallNode
from hall.schemas import DeviceLineBody, HealthReasonBody

#: Roles of the paired apps that send heartbeats (and are "silent" when they stop).
HEARTBEAT_ROLES = frozenset({"kiosk", "caller", "display"})
#: How each role is named in a reason.
ROLE_NAMES = {"kiosk": ("自助终端", "kiosk"), "caller": ("叫号终端", "console"),
              "display": ("显示屏", "display")}
#: Below this much free space on the database's disk, health warns before writes fail.
MIN_FREE_BYTES = 64 * 2**20


def _reason(code: str, message_zh: str, message_en: str) -> HealthReasonBody:
    return {"code": code, "message_zh": message_zh, "message_en": message_en}


class HallHealth:
    """The reasons a node is degraded, and the devices it has heard of (``hallq status``)."""

    def __init__(self, node: HallNode, started_at: float | None = None) -> None:
        """``started_at``: when the node started (POSIX seconds; now when not given)."""
        self._node = node
        self.started_at = time.time() if started_at is None else started_at

    def reasons(self, sync: dict[str, Any] | None, now: float) -> list[HealthReasonBody]:
        """Every reason the node is degraded at ``now`` (POSIX seconds of the node's clock);
        ``sync`` is the agent's last report as ``/api/v1/health`` shows it (or None)."""
        return [*self._store_reasons(), *self._device_reasons(), *self._app_reasons(now),
                *_sync_reasons(sync, now, self._node.config.rules.sync_lag_limit_s,
                               self._node.config.rules.clock_drift_limit_s)]

    def _store_reasons(self) -> list[HealthReasonBody]:
        found = []
        failure = self._node.write_failure
        if failure is not None:
            found.append(_reason("store_unwritable", f"数据库无法写入（{failure}），请检查磁盘",
                                 f"the store refuses writes ({failure}); check the disk"))
        try:
            free = shutil.disk_usage(self._node.data_dir).free
        except OSError:
            free = None
        if free is not None and free < MIN_FREE_BYTES:
            mb = free // 2**20
            found.append(_reason("disk_low", f"磁盘将满：数据目录仅剩 {mb} MB",
                                 f"the disk is almost full: {mb} MB left for the data"))
        return found

    def _device_reasons(self) -> list[HealthReasonBody]:
        found = []
        for seen in self._node.device_book.attached():
            if seen.state in FINE_STATES:
                continue
            said = f"{seen.state}, {seen.detail}" if seen.detail else seen.state
            found.append(_reason("device_fault",
                                 f"设备故障：{seen.where} 的 {seen.device}（{said}）",
                                 f"device fault: {seen.device} at {seen.where} ({said})"))
        return found

    def _app_reasons(self, now: float) -> list[HealthReasonBody]:
        """Paired apps silent during opening hours, or with a clock off the node's."""
        rules = self._node.config.rules
        local = datetime.fromtimestamp(now, self._node.config.timezone)
        open_now = within_hours(rules, local)
        heard = self._node.device_book.apps()
        found = []
        for name, role in self._paired_apps():
            zh_role, en_role = ROLE_NAMES[role]
            app = heard.get(name)
            since = max(app.heard_at, self.started_at) if app else self.started_at
            if open_now and now - since > rules.device_silent_limit_s:
                zh_for, en_for = _span(now - since)
                zh_limit, en_limit = _span(rules.device_silent_limit_s)
                zh, en = ((f"已 {zh_for}没有消息", f"has not been heard for {en_for}") if app
                          else (f"自本节点启动 {zh_for}以来没有消息",
                                f"has not been heard since the node started {en_for} ago"))
                found.append(_reason("device_silent",
                                     f"设备 {name}（{zh_role}）{zh}（上限 {zh_limit}）",
                                     f"{name} ({en_role}) {en} (limit {en_limit})"))
            offset = app.clock_offset if app else None
            if offset is not None and abs(offset) > rules.clock_drift_limit_s:
                off, limit = round(offset, 1), rules.clock_drift_limit_s
                found.append(_reason(
                    "device_clock_drift",
                    f"设备 {name}（{zh_role}）的时钟与本节点相差 {off:+} 秒（上限 {limit:g} 秒）",
                    f"the clock of {name} ({en_role}) is {off:+} s off the node's "
                    f"(limit {limit:g} s)"))
        return found

    def _paired_apps(self) -> list[tuple[str, str]]:
        """(name, role) of each paired app that sends heartbeats, once per name."""
        apps = {d["name"]: d["role"] for d in self._node.store.devices()
                if not d["revoked"] and d["role"] in HEARTBEAT_ROLES}
        return sorted(apps.items())

    def devices(self) -> list[DeviceLineBody]:
        """Each paired app and each device attached to one, with its last state and when it
        was last heard of (None: not since the node started)."""
        heard = self._node.device_book.apps()
        lines: list[DeviceLineBody] = []
        for name, role in self._paired_apps():
            app = heard.get(name)
            lines.append({"where": name, "role": role, "device": "",
                          "state": "heard" if app else "not_heard", "detail": "",
                          "heard_at": app.heard_at if app else None,
                          "clock_offset": app.clock_offset if app else None})
        for seen in self._node.device_book.attached():
            lines.append({"where": seen.where, "role": "", "device": seen.device,
                          "state": seen.state, "detail": seen.detail,
                          "heard_at": seen.heard_at, "clock_offset": None})
        return lines


def _sync_reasons(sync: dict[str, Any] | None, now: float, lag_limit_s: float,
                  drift_limit_s: float) -> list[HealthReasonBody]:
    """The sync agent too far behind, silent, or its clock off the node's."""
    if sync is None:          # no agent has reported: a hall without central
        return []
    found = []
    reported = datetime.fromisoformat(sync["reported_at"]).timestamp()
    limit_min = _minutes(lag_limit_s)
    if now - reported > lag_limit_s:
        silent = _minutes(now - reported)
        found.append(_reason("sync_silent",
                             f"同步代理已 {silent} 分钟没有报告（上限 {limit_min} 分钟）",
                             f"the sync agent has not reported for {silent} min "
                             f"(limit {limit_min} min)"))
    elif sync["seconds_behind"] > lag_limit_s:
        behind = _minutes(sync["seconds_behind"])
        found.append(_reason("sync_lag", f"中心落后本大厅 {behind} 分钟（上限 {limit_min} 分钟）",
                             f"central is {behind} min behind the hall (limit {limit_min} min)"))
    clock = sync.get("clock")
    if clock is not None and abs(clock - reported) > drift_limit_s:
        off = round(clock - reported, 1)
        found.append(_reason("clock_drift",
                             f"同步代理的时钟与本节点相差 {off:+} 秒（上限 {drift_limit_s:g} 秒）",
                             f"the sync agent's clock is {off:+} s off the node's "
                             f"(limit {drift_limit_s:g} s)"))
    return found


def _span(seconds: float) -> tuple[str, str]:
    """A duration in Chinese and English: seconds under two minutes, then minutes, then
    hours (``95 秒`` / ``95 s``, ``12.5 分钟`` / ``12.5 min``)."""
    if seconds < 120:
        return f"{seconds:.0f} 秒", f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{_minutes(seconds)} 分钟", f"{_minutes(seconds)} min"
    hours = f"{seconds / 3600:.1f}".removesuffix(".0")
    return f"{hours} 小时", f"{hours} h"


def _minutes(seconds: float) -> str:
    """Seconds as minutes, to a tenth (``12.5``, ``10``)."""
    return f"{seconds / 60:.1f}".removesuffix(".0")
