"""Device faults the console's status bar shows: those of the devices at its own window (its
LED screen, rating pad, badge reader, the window controller's keypad) and those of the hall's
kiosks (a printer out of paper at 1号自助机), until each device says it is fine again.

The console learns them from the hall: at start from ``GET /api/v1/health`` (``devices``: the
last state the node keeps of each device, and the role of each paired app), then from the
``device.status`` events of the stream. A device report names the app it is attached to
(``where``: the app's name); a name belongs to this window when it is the console's own, its
token's, or this window's controller (``window-controller-N``), and to a kiosk when the hall
pairs that name as a kiosk, it starts with "kiosk", or the device is one only kiosks have.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hall.device_book import FINE_STATES
from hall.schemas import DeviceLineBody

#: Devices only a kiosk has: their faults are a kiosk's whatever the kiosk is called.
KIOSK_DEVICES = frozenset({"printer", "idcard", "camera"})
#: How each device is named to staff (Chinese, English).
DEVICE_NAMES = {"printer": ("打印机", "printer"), "idcard": ("身份证阅读器", "ID-card reader"),
                "camera": ("摄像头", "camera"), "led": ("窗口屏", "LED screen"),
                "rating": ("评价器", "rating pad"), "keypad": ("呼叫器", "keypad"),
                "smartcard": ("读卡器", "card reader")}
#: How each faulty state is said (Chinese, English); another state is a fault as it is.
STATE_NAMES = {"paper_out": ("缺纸", "out of paper"), "cover_open": ("纸仓盖未关", "cover open"),
               "disconnected": ("未连接", "disconnected"), "offline": ("离线", "offline"),
               "error": ("故障", "fault")}


@dataclass(frozen=True)
class Fault:
    """One device in a faulty state, at this window (``here``) or at a kiosk (``where``)."""

    where: str
    device: str
    state: str
    here: bool

    def text(self) -> tuple[str, str]:
        """"1号自助机 打印机缺纸" / "Kiosk 1: printer out of paper"."""
        dev_zh, dev_en = DEVICE_NAMES.get(self.device, (self.device, self.device))
        state_zh, state_en = STATE_NAMES.get(self.state, (f"故障（{self.state}）", self.state))
        if self.here:
            return f"本窗口{dev_zh}{state_zh}", f"This window: {dev_en} {state_en}"
        number = re.search(r"(\d+)$", self.where)
        if number:
            zh, en = f"{int(number.group(1))}号自助机", f"Kiosk {int(number.group(1))}"
        elif self.where.lower() == "kiosk":
            zh, en = "自助机", "Kiosk"
        else:
            zh, en = f"自助机 {self.where}", f"Kiosk {self.where}"
        return f"{zh} {dev_zh}{state_zh}", f"{en}: {dev_en} {state_en}"


class FaultBoard:
    """The faults of this window's devices and of the hall's kiosks, in the order reported."""

    def __init__(self, window: str, names: set[str]) -> None:
        """``names``: what this window's apps call themselves in device reports."""
        self.window = window
        self.mine = set(names) | {f"window-controller-{window}", f"console-{window}"}
        self.kiosks: set[str] = set()
        self._faults: dict[tuple[str, str], Fault] = {}

    def knows_as_mine(self, name: str) -> None:
        """One more name of this window's apps (the console's token, once the hall said)."""
        if name:
            self.mine.add(name)

    def load(self, lines: list[DeviceLineBody]) -> None:
        """Start from the hall's health: which apps are kiosks, and each device's last state."""
        self.kiosks |= {line["where"] for line in lines if line.get("role") == "kiosk"}
        for line in lines:
            if line.get("device"):
                self.note(line["where"], line["device"], line["state"])

    def note(self, where: str, device: str, state: str) -> bool:
        """A device at ``where`` is in ``state``; True when what the board shows changed."""
        here = where in self.mine
        if not here and not self._is_kiosk(where, device):
            return False
        key = (where, device)
        if state in FINE_STATES:
            return self._faults.pop(key, None) is not None
        fault = Fault(where, device, state, here)
        if self._faults.get(key) == fault:
            return False
        self._faults[key] = fault
        return True

    def note_event(self, data: dict) -> bool:
        """A ``device.status`` event's data; True when what the board shows changed."""
        return self.note(str(data.get("where", "")), str(data.get("device", "")),
                         str(data.get("state", "")))

    def _is_kiosk(self, where: str, device: str) -> bool:
        return where in self.kiosks or where.lower().startswith("kiosk") or \
            device in KIOSK_DEVICES

    def faults(self) -> list[Fault]:
        """The faults now: this window's first, then the kiosks'."""
        return sorted(self._faults.values(), key=lambda f: not f.here)
