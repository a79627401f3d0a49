"""What the drivers and simulators of the window bus share (LED screen, rating pad, keypad):
a driver sets its state from how each exchange ended, and a simulated pad or keypad presses
its keys a little later, as a citizen or a member of staff would."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from devices.base import Device, DeviceError, DeviceState, DeviceURL, DeviceURLError
from devices.busframe import SIM_FAULTS, BusFrameError, BusLine, Frame, FrameReply

T = TypeVar("T")


class BusDriver(Device):
    """A driver of one device on a bus line: one exchange at a time, its state kept.

    Subclasses name their own errors for a device that is gone and one that does not answer
    (or answers garbage), and set ``line``, ``addr`` and ``_lock``."""

    disconnected_error: type[DeviceError]
    timeout_error: type[DeviceError]
    line: BusLine
    addr: int
    _lock: threading.Lock

    def _guard(self, action: Callable[[], T]) -> T:
        """Run ``action`` and set the state from how it ended."""
        try:
            result = action()
        except self.disconnected_error:
            self._set_state(DeviceState.DISCONNECTED)
            raise
        except (self.timeout_error, BusFrameError):
            self._set_state(DeviceState.ERROR)
            raise
        self._set_state(DeviceState.READY)
        return result

    def _exchange(self, request: bytes) -> Frame:
        """Send one frame and return the device's reply frame (not yet checked)."""
        ctrl = request[6]  # FF 68 L L 68 ADDR CTRL
        with self._lock:
            return self._guard(
                lambda: self.line.exchange(request, lambda: FrameReply(self.addr, ctrl)))


class LaterPresses:
    """A simulator's presses made ``delay`` seconds later on a timer (cancelled by stop)."""

    delay: float
    _timers: list[threading.Timer]
    press: Callable[..., Any]

    def _press_later(self, value: Any, addr: int) -> None:
        timer = threading.Timer(self.delay, self.press, (value, addr))
        timer.daemon = True
        self._timers = [t for t in self._timers if t.is_alive()] + [timer]
        timer.start()

    def stop(self) -> None:
        """Cancel pending automatic presses and stop serving."""
        for timer in self._timers:
            timer.cancel()
        super().stop()  # type: ignore[misc]  # the simulator class this mixes into


def sim_options(parsed: DeviceURL, url: str) -> tuple[float, str | None]:
    """The ``delay`` (seconds before an automatic press, default 0.2) and ``fault`` of a bus
    simulator's ``sim://`` URL; :class:`DeviceURLError` naming the bad one."""
    raw_delay = parsed.param("delay", "0.2") or ""
    try:
        delay = float(raw_delay)
    except ValueError:
        raise DeviceURLError(f"delay={raw_delay!r} is not a number in {url}") from None
    fault = parsed.param("fault")
    if fault is not None and fault not in SIM_FAULTS:
        raise DeviceURLError(f"unknown fault {fault!r}; known: {SIM_FAULTS}")
    return delay, fault
