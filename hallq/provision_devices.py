"""The devices ``hallq provision`` looks for on a box of each role, and testing them.

Each kind is tested with its technician's self-test (``devices/<kind>/tech.py``): the ID-card
reader reads a card, the printer prints a test page, the camera says what it decodes, the LED
screen shows a test text, the keypad reads keys. A URL given is tested as it is; ``auto`` (the
default) tries each device of the kind that answers on a serial port (``devices.probe`` asks
every port) and the kind's USB, camera or PC/SC devices, until one passes; ``none`` leaves the
kind out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from devices.base import DeviceError
from devices.cli import DeviceUnavailable, load_tech
from devices.probe import Found, candidate_ports, probe_ports, stable_port

#: The device kinds of each role, in the order they are tested (``ui.app_config`` names).
ROLE_DEVICES: dict[str, tuple[str, ...]] = {
    "kiosk": ("idcard", "printer", "camera"),
    "console": ("led", "rating", "badge_reader"),
    "display": (),
    "window-controller": ("keypad", "led", "rating"),
}
#: The ``devices/<kind>/tech.py`` of each kind.
TECH_KIND = {"badge_reader": "smartcard"}
#: What each kind is called, for the technician.
KIND_NAMES = {"idcard": "身份证阅读器 / ID-card reader", "printer": "小票打印机 / ticket printer",
              "camera": "扫码摄像头 / QR camera", "led": "窗口屏 / window LED screen",
              "rating": "评价器 / rating pad", "keypad": "呼叫器 / calling keypad",
              "badge_reader": "工牌读卡器 / staff badge reader"}
AUTO, NONE = "auto", "none"


@dataclass(frozen=True)
class Tested:
    """One kind's outcome: the URL that passed (None: none) and what the test said."""

    kind: str
    url: str | None
    report: str
    ok: bool


def test_device(kind: str, url: str) -> Tested:
    """Run the self-test of ``kind`` on ``url``."""
    try:
        report = load_tech(TECH_KIND.get(kind, kind)).self_test(url)
    except DeviceError as err:
        return Tested(kind, url, err.describe(), False)
    except Exception as err:  # a URL of another kind, a driver that cannot load …
        return Tested(kind, url, f"{type(err).__name__}: {err}", False)
    return Tested(kind, url, report, True)


def find_device(kind: str, choice: str, say: Callable[[str], None]) -> Tested:
    """The device of ``kind`` as ``choice`` (a URL, ``auto`` or ``none``) says, tested; each
    try said with ``say``."""
    if choice == NONE:
        return Tested(kind, None, "不使用 / not used", True)
    if choice != AUTO:
        tested = test_device(kind, choice)
        say(_line(tested))
        return tested
    try:
        candidates = _candidates(kind)
    except (DeviceUnavailable, DeviceError) as err:
        candidates = []
        say(f"  {KIND_NAMES[kind]}: 无法查找 / cannot look for one: {err}")
    for url in candidates:
        tested = test_device(kind, url)
        say(_line(tested))
        if tested.ok:
            return tested
    found = Tested(kind, None, "未找到 / none found", True)
    say(f"  {KIND_NAMES[kind]}: {found.report}")
    return found


#: The kinds found on serial ports by asking (``devices.probe``), not by guessing.
SERIAL_KINDS = frozenset({"idcard", "printer", "led", "rating", "keypad"})


@cache
def _probed() -> tuple[Found, ...]:
    """What answers on this box's serial ports (asked once per run)."""
    return tuple(probe_ports(candidate_ports()))


def _candidates(kind: str) -> list[str]:
    """The URLs to test for ``kind``: the serial devices of that kind that answered the probe
    (named by the USB socket they are plugged into, so that the config still finds them after
    a reboot), and the kind's USB, camera or PC/SC devices its ``discover()`` lists."""
    urls = [found.url.replace(found.port, stable_port(found.port)) for found in _probed()
            if found.kind == kind] if kind in SERIAL_KINDS else []
    tech = load_tech(TECH_KIND.get(kind, kind))
    if kind == "printer":
        urls += [url for url, _ in tech.discover_usb()]
    elif kind not in SERIAL_KINDS:
        urls += [url for url, _ in tech.discover()]
    return urls


def _line(tested: Tested) -> str:
    verdict = "通过 / passed" if tested.ok else "未通过 / FAILED"
    body = "\n".join(f"      {line}" for line in tested.report.splitlines())
    return f"  {KIND_NAMES[tested.kind]} {tested.url}: {verdict}\n{body}"
