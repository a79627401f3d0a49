"""Opening devices from their URLs (``devices/registry.py``): several at once, and what is
closed when one of them cannot be opened."""

from __future__ import annotations

import pytest

from devices import registry
from devices.base import DeviceURLError


class Opened:
    """A device that notes its closing (and may fail to close)."""

    def __init__(self, url: str, closed: list[str], fails: bool = False) -> None:
        self.url, self.closed, self.fails = url, closed, fails

    def close(self) -> None:
        self.closed.append(self.url)
        if self.fails:
            raise OSError("port gone")


def test_devices_open_in_order_and_absent_ones_are_none(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    closed: list[str] = []
    monkeypatch.setattr(registry, "open_device", lambda url: Opened(url, closed))
    led, none, rating = registry.open_all("led://a", None, "rating://b")
    assert (led.url, none, rating.url) == ("led://a", None, "rating://b") and closed == []


@pytest.mark.allow_log("closing .* failed")
def test_a_device_that_cannot_be_opened_closes_those_opened_before(
        monkeypatch: pytest.MonkeyPatch) -> None:
    closed: list[str] = []

    def open_device(url: str) -> Opened:
        if url.startswith("bogus"):
            raise DeviceURLError("unknown device scheme 'bogus'")
        return Opened(url, closed, fails=url == "led://a")
    monkeypatch.setattr(registry, "open_device", open_device)
    with pytest.raises(DeviceURLError):
        registry.open_all("led://a", "rating://b", "bogus://c")
    assert closed == ["led://a", "rating://b"], "one failing to close does not stop the rest"


def test_an_unknown_scheme_or_simulator_is_a_clear_error() -> None:
    with pytest.raises(DeviceURLError, match="unknown device scheme 'bogus'"):
        registry.open_all("bogus://x")
    with pytest.raises(DeviceURLError, match="unknown simulator 'toaster'"):
        registry.open_all("sim://toaster")
