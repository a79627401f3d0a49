"""Whether a hall node works as it should: what ``GET /api/v1/health`` (and ``hallq status``)
says. ``ok``, or ``degraded`` with each reason in Chinese and English, from what the node
knows at the moment it is asked:

- the store refused the last write (``HallNode.write_failure``; the node tries a write every
  second until one succeeds), or the disk of the database is almost full;
- a device reported a fault through ``POST /api/v1/devices/status`` (paper out, a reader
  unplugged …) and has not reported since that it is fine (heard from the ``device.status``
  events after each commit; forgotten when the node restarts);
- the sync agent's last report puts central further behind than ``[rules]
  sync_lag_limit_min``, or the agent has not reported for that long;
- the clock the agent reports is further off the node's than ``[rules] clock_drift_limit_s``.
"""

from __future__ import annotations

import shutil
import threading
from datetime import datetime
from typing import Any

from hall.events import Event, EventKind
from hall.node import HallNode
from hall.schemas import HealthReasonBody

#: Device states that are not a fault (``paper_low``: it still prints).
FINE_STATES = frozenset({"ready", "ok", "online", "paper_low"})
#: Below this much free space on the database's disk, health warns before writes fail.
MIN_FREE_BYTES = 64 * 2**20


def _reason(code: str, message_zh: str, message_en: str) -> HealthReasonBody:
    return {"code": code, "message_zh": message_zh, "message_en": message_en}


class HallHealth:
    """The reasons a node is degraded; listens to the node's committed events for devices."""

    def __init__(self, node: HallNode) -> None:
        self._node = node
        self._lock = threading.Lock()
        self._faults: dict[tuple[str, str], dict[str, Any]] = {}
        node.add_listener(self._heard)

    def _heard(self, events: list[Event]) -> None:
        """Keep the last state of each device (by where it is and what it is)."""
        for event in events:
            if event.kind != EventKind.DEVICE_STATUS:
                continue
            key = (str(event.data.get("where", "")), str(event.data.get("device", "")))
            with self._lock:
                if event.data.get("state") in FINE_STATES:
                    self._faults.pop(key, None)
                else:
                    self._faults[key] = dict(event.data)

    def reasons(self, sync: dict[str, Any] | None, now: float) -> list[HealthReasonBody]:
        """Every reason the node is degraded at ``now`` (POSIX seconds of the node's clock);
        ``sync`` is the agent's last report as ``/api/v1/health`` shows it (or None)."""
        return [*self._store_reasons(), *self._device_reasons(),
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
        with self._lock:
            faults = sorted(self._faults.items())
        found = []
        for (where, device), data in faults:
            state, detail = data.get("state", ""), data.get("detail", "")
            said = f"{state}, {detail}" if detail else state
            found.append(_reason("device_fault", f"设备故障：{where} 的 {device}（{said}）",
                                 f"device fault: {device} at {where} ({said})"))
        return found


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


def _minutes(seconds: float) -> str:
    """Seconds as minutes, to a tenth (``12.5``, ``10``)."""
    return f"{seconds / 60:.1f}".removesuffix(".0")
