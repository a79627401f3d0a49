"""The serial LED screen driver through pyserial on a pty, against the screen simulator."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from PIL import Image

from devices.base import DeviceState, DeviceURLError
from devices.busframe import BusChecksumError, Frame
from devices.led.errors import LedDisconnected, LedRejected, LedTimeout
from devices.led.protocols import Effect, HallBusLedProtocol
from devices.led.screen import SerialLedScreen, open_url
from devices.led.simulator import LedSimulator, SimulatedLedScreen, open_sim_url
from devices.led.tech import discover, self_test
from devices.registry import open_device

CALL = "A001 请到3号窗口"
FAST = "timeout=0.15&retries=1"  # for tests that wait for a timeout on purpose


@pytest.fixture
def sim() -> Iterator[LedSimulator]:
    """Screens 3 and 4 on one pty line."""
    simulator = LedSimulator([3, 4]).start()
    yield simulator
    simulator.stop()


@pytest.fixture
def screen(sim: LedSimulator) -> Iterator[SerialLedScreen]:
    """The driver of screen 3."""
    driver = open_url(f"led://{sim.port}?addr=3&timeout=0.5&retries=1")
    yield driver
    driver.close()


@pytest.fixture
def fast(sim: LedSimulator) -> Iterator[SerialLedScreen]:
    """The driver of screen 3 with a short ack timeout."""
    driver = open_url(f"led://{sim.port}?addr=3&{FAST}")
    yield driver
    driver.close()


def record(device: SerialLedScreen) -> list[tuple[DeviceState, DeviceState]]:
    changes: list[tuple[DeviceState, DeviceState]] = []
    device.on_state_change(lambda old, new: changes.append((old, new)))
    return changes


def test_show_call_paused_clear_brightness(sim: LedSimulator, screen: SerialLedScreen) -> None:
    screen.show_call("A001", "3")
    assert sim.screens[3].text == CALL
    assert sim.received[-1] == Frame(3, 0x31, b"\x00" + CALL.encode("gb18030"))
    assert sim.screens[4].text == ""  # the other screen on the line saw nothing for it
    assert screen.state is DeviceState.READY
    screen.show_paused()
    assert sim.screens[3].text == "暂停服务"
    screen.show_text("欢迎光临", effect=Effect.FLASH)
    assert (sim.screens[3].text, sim.screens[3].effect) == ("欢迎光临", Effect.FLASH)
    screen.set_brightness(5)
    assert sim.screens[3].brightness == 5
    screen.clear()
    assert sim.screens[3].text == ""
    assert [f.ctrl for f in sim.received] == [0x31, 0x31, 0x31, 0x33, 0x32]


def red_pixels(image: Image.Image) -> list[tuple[int, int, int]]:
    """The pixels that are not black."""
    pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    return [(int(r), int(g), int(b)) for r, g, b in pixels[pixels.any(axis=1)]]


def test_png_shows_the_call_red_on_black(sim: LedSimulator, screen: SerialLedScreen,
                                         tmp_path: Path) -> None:
    screen.show_call("A001", "3")
    path = sim.render_png(3, tmp_path / "screen.png")
    with Image.open(path) as png:
        assert png.format == "PNG"
        image = png.convert("RGB")
    assert image.height == 48 and image.width > 200  # 11 glyphs at 32 px
    assert image.getpixel((0, 0)) == (0, 0, 0)
    lit = red_pixels(image)
    assert len(lit) > 500
    assert all(g == 0 and b == 0 for _, g, b in lit)  # only shades of red
    assert max(r for r, _, _ in lit) == 255
    other = sim.render(4)  # screen 4 is blank
    assert red_pixels(other) == []
    screen.set_brightness(0)
    assert max(r for r, _, _ in red_pixels(sim.render(3))) <= 16


def test_png_differs_per_text(sim: LedSimulator, screen: SerialLedScreen) -> None:
    screen.show_call("A001", "3")
    first = sim.render(3).tobytes()
    screen.show_call("A002", "3")
    assert sim.render(3).tobytes() != first


def test_broadcast_reaches_every_screen_without_ack(sim: LedSimulator) -> None:
    with open_url(f"led://{sim.port}?addr=255&{FAST}") as everyone:
        assert isinstance(everyone, SerialLedScreen)
        everyone.show_text("全部窗口暂停")
        assert sim.wait_for_text(3, "全部窗口暂停") and sim.wait_for_text(4, "全部窗口暂停")


def test_rawline_protocol_through_the_simulator() -> None:
    simulator = LedSimulator([1], protocol="rawline").start()
    try:
        with open_url(f"led://{simulator.port}?protocol=rawline") as screen:
            assert isinstance(screen, SerialLedScreen)
            screen.show_call("B007", "12")
            assert simulator.wait_for_text(1, "B007 请到12号窗口")
            screen.clear()
            assert simulator.wait_for_text(1, "")
    finally:
        simulator.stop()


@pytest.mark.allow_log("(no|bad) reply on")
def test_no_ack_is_a_typed_timeout_after_retries_then_recovers(
        sim: LedSimulator, fast: SerialLedScreen) -> None:
    screen = fast
    changes = record(screen)
    screen.show_call("A001", "3")
    sim.inject("no_ack")
    started = time.monotonic()
    with pytest.raises(LedTimeout) as info:
        screen.show_call("A002", "3")
    assert info.value.code == "led.timeout"
    assert "2 tries" in info.value.detail
    assert 0.3 <= time.monotonic() - started < 3.0
    assert len(sim.received) == 3  # the call, then the next one sent twice
    assert screen.state is DeviceState.ERROR
    sim.inject(None)
    screen.show_call("A003", "3")
    assert sim.screens[3].text == "A003 请到3号窗口"
    assert changes == [(DeviceState.UNKNOWN, DeviceState.READY),
                       (DeviceState.READY, DeviceState.ERROR),
                       (DeviceState.ERROR, DeviceState.READY)]


@pytest.mark.allow_log("(no|bad) reply on")
def test_one_lost_ack_is_retried(sim: LedSimulator, fast: SerialLedScreen) -> None:
    screen = fast
    sim.inject("no_ack", count=1)
    screen.show_call("A001", "3")
    assert [f.ctrl for f in sim.received] == [0x31, 0x31]
    assert screen.state is DeviceState.READY


@pytest.mark.allow_log("(no|bad) reply on")
def test_bad_checksum_in_acks_is_typed_then_recovers(
        sim: LedSimulator, fast: SerialLedScreen) -> None:
    screen = fast
    sim.inject("bad_checksum")
    with pytest.raises(BusChecksumError) as info:
        screen.clear()
    assert info.value.code == "bus.checksum"
    assert screen.state is DeviceState.ERROR
    sim.inject(None)
    screen.show_call("A001", "3")
    assert screen.state is DeviceState.READY


def test_noise_before_the_ack_is_tolerated(sim: LedSimulator, screen: SerialLedScreen) -> None:
    sim.inject("noise")
    screen.show_call("A001", "3")
    screen.clear()
    assert screen.state is DeviceState.READY and len(sim.received) == 2


class BadEffectProtocol(HallBusLedProtocol):
    """Sends an effect byte the screen does not know."""

    EFFECT_CODES: ClassVar[dict[Effect, int]] = {Effect.STATIC: 0x09}


def test_screen_error_status_is_rejected(sim: LedSimulator) -> None:
    url = f"led://{sim.port}?addr=3"
    line = open_url(url).line
    with SerialLedScreen(url, line, BadEffectProtocol(), 3) as screen:
        assert isinstance(screen, SerialLedScreen)
        with pytest.raises(LedRejected) as info:
            screen.show_text("测试")
        assert info.value.code == "led.rejected" and "0x02" in info.value.detail
        assert screen.state is DeviceState.READY  # the screen is alive, only the data was bad


def test_port_vanishing_is_disconnected_and_reopens(tmp_path: Path) -> None:
    link = tmp_path / "ttyLED"
    first = LedSimulator([3]).start()
    os.symlink(first.port, link)
    screen = open_url(f"led://{link}?addr=3&timeout=0.5")
    changes = record(screen)
    second: LedSimulator | None = None
    try:
        screen.show_call("A001", "3")
        first.unplug()
        with pytest.raises(LedDisconnected) as info:
            screen.show_call("A002", "3")
        assert info.value.code == "led.disconnected"
        assert screen.state is DeviceState.DISCONNECTED
        assert not screen.line.is_open
        with pytest.raises(LedDisconnected):  # still gone: the reopen fails the same way
            screen.clear()
        second = LedSimulator([3]).start()  # plugged in again (udev gives the same link)
        link.unlink()
        os.symlink(second.port, link)
        screen.show_call("A003", "3")
        assert second.screens[3].text == "A003 请到3号窗口"
        assert changes == [(DeviceState.UNKNOWN, DeviceState.READY),
                           (DeviceState.READY, DeviceState.DISCONNECTED),
                           (DeviceState.DISCONNECTED, DeviceState.READY)]
    finally:
        screen.close()
        first.stop()
        if second is not None:
            second.stop()


def test_missing_port_is_disconnected() -> None:
    screen = open_url("led:///dev/hallq-no-such-port?addr=3")
    with pytest.raises(LedDisconnected) as info:
        screen.show_call("A001", "3")
    assert "hallq-no-such-port" in info.value.detail
    assert screen.state is DeviceState.DISCONNECTED
    screen.close()


def test_sim_url_gives_a_ready_driver_and_close_stops_the_simulator() -> None:
    screen = open_device("sim://led?addr=3")
    assert isinstance(screen, SimulatedLedScreen)
    simulator = screen.simulator
    try:
        screen.show_call("A001", "3")
        assert simulator.screens[3].text == CALL
    finally:
        screen.close()
    assert not os.path.exists(simulator.port)  # the pty is gone


@pytest.mark.allow_log("(no|bad) reply on")
def test_sim_url_with_fault() -> None:
    screen = open_sim_url("sim://led?addr=5&fault=no_ack&timeout=0.05&retries=0")
    try:
        with pytest.raises(LedTimeout):
            screen.clear()
        assert screen.simulator.received == [Frame(5, 0x32)]
    finally:
        screen.close()


def test_png_dir_gets_a_file_per_screen(tmp_path: Path) -> None:
    simulator = LedSimulator([3], png_dir=tmp_path).start()
    try:
        with open_url(f"led://{simulator.port}?addr=3") as screen:
            assert isinstance(screen, SerialLedScreen)
            screen.show_call("A001", "3")
        with Image.open(tmp_path / "screen-3.png") as png:
            assert red_pixels(png.convert("RGB"))
    finally:
        simulator.stop()


def test_tech_self_test_and_discover() -> None:
    report = self_test("sim://led?addr=3")
    assert "simulator shows: '测试 TEST 0123'" in report
    assert "clear: OK" in report and "state: ready" in report
    for url, description in discover():
        assert url.startswith("led:///dev/") and "addr=1" in url and description



@pytest.mark.parametrize("url", ["sim://led?addr=0", "sim://led?fault=fire",
                                 "sim://led?protocol=nope", "sim://led?timeout=soon"])
def test_bad_sim_urls(url: str) -> None:
    with pytest.raises(DeviceURLError) as info:
        open_sim_url(url)
    assert info.value.code == "device.bad_url"
