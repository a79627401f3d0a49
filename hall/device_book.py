"""What the hall node knows of the hall's devices, for health (``hall/health.py``) and
``hallq status``:

- each paired app (a kiosk, a window's console, a wall display: the name of its token) — when
  the node last heard from it (a heartbeat, ``POST /api/v1/devices/heartbeat``, or a device
  report) and how far its clock was off the node's then;
- each attached device (the printer at kiosk-1 …) — its last state, from the ``device.status``
  events (which the store also keeps, so a fault outlives a restart: the book starts from
  them), and when it was last heard of.

Times are POSIX seconds of the node's clock. The apps' heartbeats live in memory only: after a
restart an app is heard again within one heartbeat.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any

from hall.events import Event, EventKind

#: Device states that are not a fault (``paper_low``: it still prints); health and the consoles'
#: status bars show every other state until the device reports one of these again.
FINE_STATES = frozenset({"ready", "ok", "online", "paper_low"})


@dataclass(frozen=True)
class AppHeard:
    """A paired app the node heard from: its token's name and role, when, and its clock's
    offset from the node's (seconds; None until it said its clock)."""

    name: str
    role: str
    heard_at: float
    clock_offset: float | None = None


@dataclass(frozen=True)
class AttachedDevice:
    """A device attached to an app (``where``: the app's name): its last state and detail,
    when that state was reported, and when it was last heard of."""

    where: str
    device: str
    state: str
    detail: str
    changed_at: float
    heard_at: float


@dataclass(frozen=True)
class DeviceReport:
    """One attached device's state as an app reports it."""

    device: str
    state: str
    detail: str = ""


class DeviceBook:
    """The last word of every app and attached device; safe to use from several threads."""

    def __init__(self, states: list[dict[str, Any]] | None = None) -> None:
        """Start from the states the store kept (``Store.device_states()``)."""
        self._lock = threading.Lock()
        self._apps: dict[str, AppHeard] = {}
        self._attached: dict[tuple[str, str], AttachedDevice] = {
            (s["where"], s["device"]): AttachedDevice(s["where"], s["device"], s["state"],
                                                      s["detail"], s["at"], s["at"])
            for s in states or []}

    def on_events(self, events: list[Event]) -> None:
        """Take the state of each committed ``device.status`` event (a node listener)."""
        for event in events:
            if event.kind != EventKind.DEVICE_STATUS:
                continue
            data = event.data
            key = (str(data.get("where", "")), str(data.get("device", "")))
            with self._lock:
                before = self._attached.get(key)
                heard = max(event.ts, before.heard_at) if before else event.ts
                self._attached[key] = AttachedDevice(*key, str(data.get("state", "")),
                                                     str(data.get("detail", "")), event.ts,
                                                     heard)

    def heard_app(self, name: str, role: str, now: float, clock: float | None = None) -> None:
        """The app paired as ``name`` spoke at ``now``; ``clock`` is its own time as it sent
        (None: it did not say, and the offset known before stays)."""
        with self._lock:
            before = self._apps.get(name)
            offset = clock - now if clock is not None else (before.clock_offset
                                                             if before else None)
            self._apps[name] = AppHeard(name, role, now, offset)

    def heard_devices(self, where: str, reports: list[DeviceReport],
                      now: float) -> list[DeviceReport]:
        """The devices at ``where`` said their state at ``now``; those whose state or detail
        is new to the node (to be written as ``device.status`` events)."""
        changed = []
        with self._lock:
            for report in reports:
                known = self._attached.get((where, report.device))
                if known is None or (known.state, known.detail) != (report.state,
                                                                     report.detail):
                    changed.append(report)
                else:
                    self._attached[(where, report.device)] = replace(known, heard_at=now)
        return changed

    def apps(self) -> dict[str, AppHeard]:
        """Every app heard since the node started, by name."""
        with self._lock:
            return dict(self._apps)

    def attached(self) -> list[AttachedDevice]:
        """Every attached device known, by where it is and what it is."""
        with self._lock:
            return [self._attached[key] for key in sorted(self._attached)]
