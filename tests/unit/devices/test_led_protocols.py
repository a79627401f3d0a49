"""LED screen protocols: exact bytes of each command, acks, bad input, the protocol registry."""

from __future__ import annotations

from typing import ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices import busframe
from devices.base import DeviceURLError
from devices.busframe import BusFrameError, BusLengthError
from devices.led.errors import LedBadText, LedBadValue, LedError, LedUnsupported
from devices.led.protocols import (
    PROTOCOLS,
    Effect,
    HallBusLedProtocol,
    LedAck,
    LedProtocol,
    RawLineLedProtocol,
)
from devices.led.screen import PAUSED_TEXT, SerialLedScreen, call_text, open_url
from tests.helpers.device_fuzz import assert_own_error, mutated

HALLBUS = HallBusLedProtocol()
RAWLINE = RawLineLedProtocol()


def test_call_text() -> None:
    assert call_text("A001", "3") == "A001 请到3号窗口"
    assert call_text(" B012 ", "12") == "B012 请到12号窗口"
    with pytest.raises(LedBadText):
        call_text("", "3")


def test_hallbus_show_call_exact_bytes() -> None:
    assert HALLBUS.encode_text(3, call_text("A001", "3")) == bytes.fromhex(
        "ff 68 13 13 68 03 31 00 41 30 30 31 20 c7 eb b5 bd 33 ba c5 b4 b0 bf da f9 16")


def test_hallbus_paused_scrolling_exact_bytes() -> None:
    # 暂停服务 = D4DD CDA3 B7FE CEF1; effect 01 = scroll; CS = 0x3C + 0x695 = 0x6D1 -> 0xD1
    assert HALLBUS.encode_text(0x0A, PAUSED_TEXT, Effect.SCROLL) == bytes.fromhex(
        "ff 68 0b 0b 68 0a 31 01 d4 dd cd a3 b7 fe ce f1 d1 16")


def test_hallbus_clear_and_brightness_exact_bytes() -> None:
    assert HALLBUS.encode_clear(3) == bytes.fromhex("ff 68 02 02 68 03 32 35 16")
    assert HALLBUS.encode_brightness(3, 8) == bytes.fromhex("ff 68 03 03 68 03 33 08 3e 16")


def test_hallbus_ack_reader() -> None:
    reader = HALLBUS.ack_reader(HALLBUS.encode_clear(3))
    assert reader is not None
    assert reader.feed(bytes.fromhex("ff 68 03 03 68 03 b2 00 b5 16")) == LedAck(3, 0)
    nack = HALLBUS.ack_reader(HALLBUS.encode_clear(3))
    assert nack is not None
    ack = nack.feed(busframe.encode(3, 0xB2, b"\x02"))
    assert ack is not None and not ack.ok and ack.status == 2


def test_hallbus_ack_with_wrong_size_is_a_length_error() -> None:
    reader = HALLBUS.ack_reader(HALLBUS.encode_clear(3))
    assert reader is not None
    with pytest.raises(BusLengthError):
        reader.feed(busframe.encode(3, 0xB2, b"\x00\x00"))


ACKS = [busframe.encode(3, 0xB1, b"\x00"), busframe.encode(3, 0xB1, b"\x02"),
        busframe.encode(4, 0xB1, b"\x00"), busframe.encode(3, 0xB2, b"\x00")]


@settings(max_examples=300, deadline=None)
@given(mutated(ACKS) | st.binary(max_size=40), st.integers(0, 40))
def test_fuzz_acks_only_typed_errors(raw: bytes, split: int) -> None:
    reader = HALLBUS.ack_reader(HALLBUS.encode_text(3, "A001 请到3号窗口"))
    assert reader is not None
    try:
        ack = reader.feed(raw[:split]) or reader.feed(raw[split:])
    except Exception as exc:  # noqa: BLE001 - the property is about what comes out
        assert_own_error(exc, (BusFrameError, LedError), ("bus", "led"))
        return
    assert ack is None or (ack.addr == 3 and 0 <= ack.status <= 0xFF)


def test_hallbus_broadcast_expects_no_ack() -> None:
    assert HALLBUS.ack_reader(HALLBUS.encode_clear(0xFF)) is None


@pytest.mark.parametrize("text", ["", "号" * 127, "bad \ud800 surrogate"])
def test_text_the_screen_cannot_take(text: str) -> None:
    with pytest.raises(LedBadText) as info:
        HALLBUS.encode_text(3, text)
    assert info.value.code == "led.bad_text"


def test_longest_text_fits_one_frame() -> None:
    assert len(HALLBUS.encode_text(3, "号" * 126)) == 5 + 255 + 2


@pytest.mark.parametrize("level", [-1, 16])
def test_brightness_out_of_range(level: int) -> None:
    with pytest.raises(LedBadValue) as info:
        HALLBUS.encode_brightness(3, level)
    assert info.value.code == "led.bad_value"


def test_rawline_exact_bytes() -> None:
    assert RAWLINE.encode_text(3, "A001 请到3号窗口") == bytes.fromhex(
        "41 30 30 31 20 c7 eb b5 bd 33 ba c5 b4 b0 bf da 0d")
    assert RAWLINE.encode_clear(3) == b"\r"
    assert RAWLINE.ack_reader(b"\r") is None


def test_rawline_rejects_line_breaks_and_has_no_brightness() -> None:
    with pytest.raises(LedBadText):
        RAWLINE.encode_text(1, "两\n行")
    with pytest.raises(LedUnsupported) as info:
        RAWLINE.encode_brightness(1, 5)
    assert info.value.code == "led.unsupported"


def test_url_chooses_the_protocol() -> None:
    assert set(PROTOCOLS) == {"hallbus", "rawline"}
    screen = open_url("led:///dev/ttyUSB1?addr=7&protocol=rawline")
    assert isinstance(screen.protocol, RawLineLedProtocol)
    assert (screen.addr, screen.line.port, screen.line.baud) == (7, "/dev/ttyUSB1", 9600)
    default = open_url("led:///dev/ttyUSB1")
    assert isinstance(default.protocol, HallBusLedProtocol) and default.addr == 1


class BracketProtocol(LedProtocol):
    """A made-up vendor: ``[addr|text]`` in GB 18030, no ack."""

    name: ClassVar[str] = "bracket"
    description: ClassVar[str] = "example vendor protocol"

    def encode_text(self, addr: int, text: str, effect: Effect = Effect.STATIC) -> bytes:
        return f"[{addr}|{text}]".encode("gb18030")

    def encode_clear(self, addr: int) -> bytes:
        return f"[{addr}|]".encode("gb18030")


def test_a_new_protocol_is_one_class_and_one_registry_line(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(PROTOCOLS, BracketProtocol.name, BracketProtocol)
    screen = open_url("led:///dev/ttyUSB1?addr=2&protocol=bracket")
    assert isinstance(screen, SerialLedScreen)
    assert screen.protocol.encode_text(2, "请") == b"[2|\xc7\xeb]"


@pytest.mark.parametrize("url", [
    "led:///dev/ttyUSB1?protocol=nope", "led:///dev/ttyUSB1?addr=0", "led:///dev/ttyUSB1?addr=x",
    "led://", "rating:///dev/ttyUSB1"])
def test_bad_urls(url: str) -> None:
    with pytest.raises(DeviceURLError) as info:
        open_url(url)
    assert info.value.code == "device.bad_url"
