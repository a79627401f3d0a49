"""Open any device from its URL.

Each scheme maps to a factory ``"module:function"`` taking the URL string; modules are imported
only when used, so a machine without a camera library can still drive its printer.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any
from urllib.parse import urlsplit

from devices.base import DeviceURLError, parse_device_url

log = logging.getLogger("hallq.devices")

#: scheme -> "module:factory"; ``sim`` URLs are ``sim://<kind>?...``.
FACTORIES: dict[str, str] = {
    "ga467": "devices.idcard.serial_reader:open_url",
    "escpos+tcp": "devices.printer.drivers:open_url",
    "escpos+serial": "devices.printer.drivers:open_url",
    "escpos+usb": "devices.printer.drivers:open_url",
    "escpos+file": "devices.printer.drivers:open_url",
    "pcsc": "devices.smartcard.pcsc:open_url",
    "camera": "devices.camera.capture:open_url",
    "led": "devices.led.screen:open_url",
    "rating": "devices.rating.pad:open_url",
    "keypad": "devices.keypad.pad:open_url",
}

#: sim://<kind> -> "module:factory" of the simulator-backed device.
SIMULATORS: dict[str, str] = {
    "idcard": "devices.idcard.simulator:open_sim_url",
    "printer": "devices.printer.simulator:open_sim_url",
    "smartcard": "devices.smartcard.vcard:open_sim_url",
    "camera": "devices.camera.simulator:open_sim_url",
    "led": "devices.led.simulator:open_sim_url",
    "rating": "devices.rating.simulator:open_sim_url",
    "keypad": "devices.keypad.simulator:open_sim_url",
}


def _load(target: str) -> Any:
    module_name, _, func = target.partition(":")
    return getattr(importlib.import_module(module_name), func)


def open_device(url: str) -> Any:
    """Return the device a URL names (not yet opened: drivers open lazily)."""
    scheme = urlsplit(url).scheme.lower()
    if scheme == "sim":
        parsed = parse_device_url(url)
        target = SIMULATORS.get(parsed.host)
        if target is None:
            raise DeviceURLError(f"unknown simulator {parsed.host!r}; known: {sorted(SIMULATORS)}")
        return _load(target)(url)
    # Other URLs go to their driver whole: a USB id like 04b8:0e15 is no TCP port.
    target = FACTORIES.get(scheme)
    if target is None:
        raise DeviceURLError(f"unknown device scheme {scheme!r}; known: {sorted(FACTORIES)}")
    return _load(target)(url)


def close_all(devices: list[Any]) -> None:
    """Close every device given (None: absent); one that fails to close does not stop the
    others (a simulator stops with its driver)."""
    for device in devices:
        if device is None:
            continue
        try:
            device.close()
        except Exception as err:  # closing must go on with the others
            log.warning("closing %s failed: %s", type(device).__name__, err)


def open_all(*urls: str | None) -> list[Any]:
    """The devices the URLs name, in order (None where no URL); on a failure closes those
    already opened and raises."""
    opened: list[Any] = []
    try:
        for url in urls:
            opened.append(open_device(url) if url else None)
    except Exception:
        close_all(opened)
        raise
    return opened
