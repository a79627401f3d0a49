"""The console's device faults and recoveries (the LED screen, the rating pad, the badge
reader at its window): said on screen, kept for the heartbeat, shown in the status bar and told
to the hall once per fault (``POST /api/v1/devices/status``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from caller.faults import FaultBoard
from hall.client import HallClient
from ui.viewmodel import DeviceStates, ViewModel, message_of

if TYPE_CHECKING:
    from caller.viewmodel import CallerSettings


class ConsoleDeviceReports(ViewModel):
    """Device faults and recoveries of one console (a base of :class:`CallerModel`)."""

    client: HallClient | None
    settings: CallerSettings
    device_states: DeviceStates
    faults: FaultBoard
    _reported: dict[str, str]
    _run: Callable[..., None]
    _say: Callable[..., None]
    _load_failed: Callable[[Exception], None]

    def device_ok(self, kind: str) -> None:
        """A device answered again after a fault: tell staff it is fine."""
        if self._reported.pop(kind, None) is not None:
            self._report(kind, "ready", "")

    def device_failed(self, kind: str, err: Exception) -> None:
        """A device at the window failed: say so and tell staff and technicians once."""
        code = getattr(err, "code", f"{kind}.error")
        zh, en = message_of(err)
        self._say((f"设备故障：{zh}", f"Device fault: {en}"), error=True)
        if self._reported.get(kind) != code:
            self._reported[kind] = code
            state = "disconnected" if code.endswith(("disconnected", "timeout")) else "error"
            self._report(kind, state, code)

    def _report(self, kind: str, state: str, detail: str) -> None:
        self.device_states.set(kind, state, detail)
        self.faults.note(self.settings.name, kind, state)
        client = self.client
        if client is None:
            return
        where = self.settings.name
        self._run(lambda: client.device_status(kind, state, where=where, detail=detail),
                  lambda _: None, self._load_failed)

