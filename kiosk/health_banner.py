"""What works at this kiosk right now, said on its home screen before a citizen starts.

From the last state of each device (``ui.viewmodel.DeviceStates``) and the link to the hall,
:func:`kiosk_health` gives the banner's lines (Chinese, English) — what does not work and what
still does — and, for each way in (swipe a card, scan a code, choose without a card), the
reason it is switched off, if it is. Plain Python, no widgets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ui.viewmodel import Message

#: Printer states in which no ticket comes out, and what the banner calls each.
PRINTER_FAULTS: dict[str, Message] = {
    "paper_out": ("打印机缺纸", "The printer is out of paper"),
    "cover_open": ("打印机盖未合上", "The printer cover is open"),
    "disconnected": ("打印机离线", "The printer is offline"),
    "error": ("打印机故障", "The printer has a fault"),
}
#: A reader or camera in this state cannot be used (a bad card read is not a fault of it).
OFFLINE = "disconnected"
CARD_OFF: Message = ("读卡器暂停使用", "ID-card reader out of service")
SCAN_OFF: Message = ("扫码暂停使用", "QR scanning out of service")
HALL_OFF: Message = ("暂时无法连接大厅", "The hall cannot be reached")
DESK: Message = ("本机暂时无法取号，请到服务台取号",
                 "No numbers from this kiosk for now: please ask at the service desk")


class States(Protocol):
    """The last known state of each device (``ui.viewmodel.DeviceStates``)."""

    def state(self, kind: str) -> str | None:
        """The state of a device, None when there is no such device."""


@dataclass(frozen=True)
class Health:
    """The banner's lines and the reasons the ways in are off (None: it works)."""

    lines: list[Message] = field(default_factory=list)
    #: True when no number can be taken here at all ("请到服务台取号").
    desk: bool = False
    card_off: Message | None = None
    scan_off: Message | None = None
    walk_in_off: Message | None = None


def kiosk_health(states: States, *, walk_in: bool, connected: bool | None) -> Health:
    """What works and what does not, from the devices' states and the hall link
    (``connected`` None: not known yet, taken as up)."""
    card_off = CARD_OFF if states.state("idcard") == OFFLINE else None
    scan_off = SCAN_OFF if states.state("camera") == OFFLINE else None
    walk_in_off = None
    if connected is False:
        card_off = scan_off = walk_in_off = HALL_OFF
    ways = [states.state("idcard") is not None and card_off is None,
            states.state("camera") is not None and scan_off is None,
            walk_in and walk_in_off is None]
    if not any(ways):
        return Health([DESK], True, card_off, scan_off, walk_in_off or HALL_OFF)
    lines: list[Message] = []
    printer = PRINTER_FAULTS.get(states.state("printer") or "")
    if printer is not None:
        lines.append((f"{printer[0]}：仍可取号，请拍照或记下号码",
                      f"{printer[1]}: you can still take a number — photograph it or note it"))
    for broken, off in enumerate((card_off, scan_off)):
        if off is not None:
            still = _others(ways, broken, walk_in)
            lines.append((f"{off[0]}：{still[0]}", f"{off[1]}: {still[1]}"))
    return Health(lines, False, card_off, scan_off, walk_in_off)


def _others(ways: list[bool], broken: int, walk_in: bool) -> Message:
    """What a citizen can do instead of the broken way in."""
    if broken == 0 and ways[1]:
        return ("请扫描预约码或直接选择业务取号", "scan your code or choose a service") \
            if walk_in else ("请扫描预约码", "scan your appointment code")
    if broken == 1 and ways[0]:
        return ("请刷身份证或直接选择业务取号", "swipe your ID card or choose a service") \
            if walk_in else ("请刷身份证取号", "swipe your ID card")
    return ("请直接选择业务取号", "choose a service to take a number")
