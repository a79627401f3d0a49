"""A pty simulator of one or more window LED screens on one line.

It decodes the real frames (``hallbus``) or lines (``rawline``), keeps what each screen shows
(``sim.screens[addr].text``), acks like a real screen, renders a screen to PNG (red on black)
and can misbehave on request (:meth:`LedSimulator.inject`: no ack, bad checksum, noise).

``sim://led?addr=3&protocol=hallbus&fault=no_ack&timeout=0.5&retries=2`` gives a ready driver
with its simulator as ``.simulator``; closing the driver stops the simulator.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from devices import busframe
from devices.base import DeviceURLError, parse_device_url
from devices.busframe import BROADCAST, SIM_FAULTS, BusLine, BusSimulator, Frame
from devices.led.errors import LedDisconnected, LedTimeout
from devices.led.protocols import (
    MAX_BRIGHTNESS,
    PROTOCOLS,
    Effect,
    HallBusLedProtocol,
    RawLineLedProtocol,
)
from devices.led.screen import SerialLedScreen

log = logging.getLogger("hallq.devices.led")

FONT_PATH = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FONT_INDEX_SC = 2  # the Simplified Chinese face inside the collection
SIM_PROTOCOLS = (HallBusLedProtocol.name, RawLineLedProtocol.name)
STATUS_OK, STATUS_UNKNOWN, STATUS_BAD_DATA = 0x00, 0x01, 0x02


@dataclass
class ScreenState:
    """What one simulated screen shows now."""

    text: str = ""
    effect: Effect = Effect.STATIC
    brightness: int = MAX_BRIGHTNESS
    updates: int = 0


class LedSimulator(BusSimulator):
    """Screens at ``addrs`` on one pty line, speaking ``protocol`` (hallbus or rawline)."""

    def __init__(self, addrs: Iterable[int] = (1,), protocol: str = "hallbus",
                 png_dir: str | Path | None = None) -> None:
        if protocol not in SIM_PROTOCOLS:
            raise ValueError(f"the simulator speaks hallbus or rawline, not {protocol!r}")
        super().__init__(addrs)
        self.protocol = protocol
        self.screens = {addr: ScreenState() for addr in self.addrs}
        self.png_dir = Path(png_dir) if png_dir is not None else None
        self._line = bytearray()
        self._changed = threading.Condition()
        #: called as ``on_change(addr, screen)`` after each change (e.g. to print it).
        self.on_change: Callable[[int, ScreenState], None] | None = None

    def wait_for_text(self, addr: int, text: str, timeout: float = 2.0) -> bool:
        """Wait until screen ``addr`` shows ``text`` (for protocols without ack)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.screens[addr].text != text:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
        return True

    def on_bytes(self, data: bytes) -> None:
        """Decode frames (hallbus) or lines (rawline) from the driver."""
        if self.protocol == RawLineLedProtocol.name:
            self._on_line_bytes(data)
        else:
            super().on_bytes(data)

    def handle(self, addr: int, frame: Frame) -> bytes:
        """Change screen ``addr`` as the command says; reply with the status byte."""
        proto = HallBusLedProtocol
        ctrl, data = frame.ctrl, frame.data
        if ctrl == proto.STATUS:
            pass
        elif ctrl == proto.SHOW_TEXT:
            effects = {code: effect for effect, code in proto.EFFECT_CODES.items()}
            if not data or data[0] not in effects:
                return bytes((STATUS_BAD_DATA,))
            try:
                text = data[1:].decode("gb18030")
            except UnicodeDecodeError:
                return bytes((STATUS_BAD_DATA,))
            self._update(addr, text=text, effect=effects[data[0]])
        elif ctrl == proto.CLEAR:
            self._update(addr, text="", effect=Effect.STATIC)
        elif ctrl == proto.BRIGHTNESS:
            if len(data) != 1 or data[0] > MAX_BRIGHTNESS:
                return bytes((STATUS_BAD_DATA,))
            self._update(addr, brightness=data[0])
        else:
            return bytes((STATUS_UNKNOWN,))
        return bytes((STATUS_OK,))

    def _update(self, addr: int, **changes: object) -> None:
        with self._changed:
            screen = self.screens[addr]
            for name, value in changes.items():
                setattr(screen, name, value)
            screen.updates += 1
            self._changed.notify_all()
        if self.png_dir is not None:
            self.render_png(addr, self.png_dir / f"screen-{addr}.png")
        if self.on_change is not None:
            self.on_change(addr, screen)

    def _on_line_bytes(self, data: bytes) -> None:
        self._line += data
        while (end := self._line.find(b"\r")) >= 0:
            raw = bytes(self._line[:end])
            del self._line[:end + 1]
            text = raw.decode("gb18030", errors="replace")
            for addr in self.screens:
                self._update(addr, text=text, effect=Effect.STATIC)

    def render(self, addr: int) -> Image.Image:
        """An image of screen ``addr``: red text on black, dimmer at lower brightness."""
        screen = self.screens[addr]
        font = load_font(32)
        left, top, right, bottom = (int(v) for v in font.getbbox(screen.text or " "))
        width, height = max(right - left, 64) + 16, 48
        image = Image.new("RGB", (width, height), "black")
        red = 255 * (screen.brightness + 1) // (MAX_BRIGHTNESS + 1)
        ImageDraw.Draw(image).text((8 - left, (height - (bottom - top)) // 2 - top),
                                   screen.text, font=font, fill=(red, 0, 0))
        return image

    def render_png(self, addr: int, path: str | Path) -> Path:
        """Write screen ``addr`` as a PNG so a person can look at it; return the path."""
        path = Path(path)
        self.render(addr).save(path, format="PNG")
        return path


@functools.lru_cache(maxsize=4)
def load_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Noto Sans CJK SC, or Pillow's built-in font when it is not installed."""
    try:
        return ImageFont.truetype(FONT_PATH, size=size, index=FONT_INDEX_SC)
    except OSError:
        log.warning("font %s missing; Chinese will not render", FONT_PATH)
        return ImageFont.load_default()


class SimulatedLedScreen(SerialLedScreen):
    """A serial screen driver wired to an in-process simulator; close() stops both."""

    simulator: LedSimulator

    def close(self) -> None:
        """Close the port and stop the simulator."""
        super().close()
        self.simulator.stop()


def open_sim_url(url: str) -> SimulatedLedScreen:
    """A driver and a started simulator for ``sim://led?addr=3&protocol=hallbus&fault=...``."""
    parsed = parse_device_url(url)
    addr = busframe.url_address(parsed)
    name = parsed.param("protocol", "hallbus") or ""
    if name not in SIM_PROTOCOLS:
        raise DeviceURLError(f"the LED simulator speaks {SIM_PROTOCOLS}, not {name!r}")
    fault = parsed.param("fault")
    if fault is not None and fault not in SIM_FAULTS:
        raise DeviceURLError(f"unknown fault {fault!r}; known: {SIM_FAULTS}")
    line = BusLine.from_url(replace(parsed, path="sim"), disconnected=LedDisconnected,
                            timeout_error=LedTimeout)
    simulator = LedSimulator([addr] if addr != BROADCAST else [1], protocol=name)
    simulator.inject(fault)
    line.port = simulator.start().port
    screen = SimulatedLedScreen(url, line, PROTOCOLS[name](), addr)
    screen.simulator = simulator
    return screen
