"""The kiosk's devices as it last saw them: faults told to staff (``POST /devices/status``),
the printer asked for its status while no ticket is printing (so that paper-out is known before
the first citizen, not after), and what still works (:mod:`kiosk.health_banner`).

:class:`DeviceReports` is the base of :class:`~kiosk.viewmodel.KioskModel`, which sets the
attributes declared here; its methods run on the Qt thread like the model's others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from devices.codes import DeviceErrorCode
from hall.client import HallClient
from kiosk.health_banner import Health, kiosk_health
from ui.tasks import Runner
from ui.viewmodel import DeviceStates, Message, ViewModel, message_of

if TYPE_CHECKING:
    from kiosk.devices import KioskDevices
    from kiosk.viewmodel import KioskSettings

log = logging.getLogger("hallq.kiosk")

#: Printer error code -> the state reported to staff through ``POST /devices/status``.
PRINTER_STATES = {DeviceErrorCode.PRINTER_PAPER_OUT: "paper_out",
                  DeviceErrorCode.PRINTER_COVER_OPEN: "cover_open",
                  DeviceErrorCode.PRINTER_DISCONNECTED: "disconnected",
                  DeviceErrorCode.PRINTER_TIMEOUT: "disconnected"}
#: A printer state (``DeviceState`` value) -> the fault code told with it.
_PRINTER_CODES = {"paper_out": DeviceErrorCode.PRINTER_PAPER_OUT,
                  "cover_open": DeviceErrorCode.PRINTER_COVER_OPEN,
                  "paper_low": DeviceErrorCode.PRINTER_PAPER_LOW,
                  "error": DeviceErrorCode.PRINTER_OFFLINE, "ready": ""}


class DeviceReports(ViewModel):
    """Device faults and recoveries of the kiosk: kept, told to the hall, and shown."""

    client: HallClient | None
    devices: KioskDevices
    settings: KioskSettings
    connected: bool | None
    print_state: str
    print_error: Message | None
    device_states: DeviceStates
    _reported: dict[str, str]
    _run: Runner
    _clock: Callable[[], float]
    _printer_checked_at: float | None
    _printer_checking: bool

    def health(self) -> Health:
        """What works and what does not, for the home screen's banner and its tiles."""
        return kiosk_health(self.device_states, walk_in=self.settings.walk_in,
                            connected=self.connected)

    def check_printer(self) -> None:
        """Ask the printer for its status when ``settings.printer_check_s`` passed since the
        last answer and no ticket is printing (at once on the first call)."""
        printer, now = self.devices.printer, self._clock()
        if printer is None or not hasattr(printer, "check_status") or self._printer_checking \
                or self.print_state == "printing":
            return
        if self._printer_checked_at is not None \
                and now - self._printer_checked_at < self.settings.printer_check_s:
            return
        self._printer_checking = True
        self._run(printer.check_status, self.printer_checked, self.printer_check_failed)

    def printer_checked(self, state: Any) -> None:
        """The printer's status arrived (a ``DeviceState``): a new fault or its end."""
        self._printer_checking = False
        self._printer_checked_at = self._clock()
        value = getattr(state, "value", str(state))
        if value in _PRINTER_CODES:
            self._set_device("printer", value, _PRINTER_CODES[value])

    def printer_check_failed(self, err: Exception) -> None:
        """The printer did not answer its status request (unplugged, switched off…)."""
        self._printer_checking = False
        self._printer_checked_at = self._clock()
        code = getattr(err, "code", DeviceErrorCode.PRINTER_ERROR)
        self._set_device("printer", PRINTER_STATES.get(code, "error"), code)

    def printed(self, state: Any) -> None:
        """The printer confirmed the ticket (``state`` READY or PAPER_LOW)."""
        self.print_state = "printed"
        value = getattr(state, "value", str(state))
        if value == "paper_low":
            self.report_device("printer", "paper_low", DeviceErrorCode.PRINTER_PAPER_LOW)
        elif self.device_states.state("printer") not in (None, "ready"):
            self.report_device("printer", "ready", "")     # it prints again: the fault is over
        self._changed()

    def print_failed(self, err: Exception) -> None:
        """The ticket was not printed: say so on screen and tell staff."""
        self.print_state = "failed"
        code = getattr(err, "code", DeviceErrorCode.PRINTER_ERROR)
        self.print_error = message_of(err)
        self.report_device("printer", PRINTER_STATES.get(code, "error"), code)
        self._changed()

    def device_ok(self, kind: str) -> None:
        """A device answered again after a fault: tell staff it is fine."""
        if self._reported.pop(kind, None) is not None:
            self.report_device(kind, "ready", "")
            self._changed()

    def device_failed(self, kind: str, err: Exception) -> None:
        """A device poll failed (reader unplugged…): tell staff (once per fault code)."""
        code = getattr(err, "code", f"{kind}.error")
        state = "disconnected" if code.endswith(("disconnected", "timeout")) else "error"
        if self._reported.get(kind) != code:
            self._reported[kind] = code
            self.report_device(kind, state, code)
            self._changed()

    def _set_device(self, kind: str, state: str, detail: str) -> None:
        """Report a device's state when it changed, and show it."""
        if self.device_states.state(kind) != state:
            self.report_device(kind, state, detail)
            self._changed()

    def report_device(self, device: str, state: str, detail: str) -> None:
        """``POST /devices/status`` so that staff and technicians see the fault."""
        self.device_states.set(device, state, detail)
        if self.client is None:
            return
        client, where = self.client, self.settings.name
        self._run(lambda: client.device_status(device, state, where=where, detail=detail),
                  lambda _: None, self._log_report_error)

    def _log_report_error(self, err: Exception) -> None:
        log.warning("could not tell the hall of a device: %s", err)
