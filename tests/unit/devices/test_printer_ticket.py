"""The exact ESC/POS bytes of a hall ticket, and the status-byte decoding."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest

from devices.base import DeviceState
from devices.printer import status
from devices.printer.errors import PrinterBadStatus, TicketContentError
from devices.printer.ticket import (
    TicketContent,
    char_size,
    native_qr,
    render_test_page,
    render_ticket,
)

TICKET = TicketContent(
    hall_name="南山区政务服务中心",
    theme_name="商事登记",
    theme_name_en="Business registration",
    number="A001",
    ahead=3,
    expected_wait_s=610,
    issued_at=datetime(2024, 5, 6, 9, 30, 15),
    privacy_line="4403**********1234",
    qr_url="https://hall.example.cn/t/8f3a2c",
    notices=("请留意叫号 / Please watch the screen",),
)

GOLDEN = (
    b"\x1b@"  # ESC @ init
    b"\x1c&"  # FS & Chinese mode
    b"\x1ba\x01"  # ESC a 1 centre
    b"\x1bE\x01\x1d!\x11"  # bold, double width and height
    # 南山区政务服务中心
    b"\xc4\xcf\xc9\xbd\xc7\xf8\xd5\xfe\xce\xf1\xb7\xfe\xce\xf1\xd6\xd0\xd0\xc4\n"
    b"\x1d!\x00\x1bE\x00"
    b"\xc9\xcc\xca\xc2\xb5\xc7\xbc\xc7\n"  # 商事登记
    b"Business registration\n"
    b"\n"
    b"\x1bE\x01\x1d!\x44A001\n"  # 5 x 5 ticket number
    b"\x1d!\x00\x1bE\x00\n"
    b"\xc7\xb0\xc3\xe6\xbb\xb9\xd3\xd0 3 \xc8\xcb / 3 ahead\n"  # 前面还有 3 人
    b"\xd4\xa4\xbc\xc6\xb5\xc8\xb4\xfd \xd4\xbc 11 \xb7\xd6\xd6\xd3 / about 11 min\n"
    b"\xc8\xa1\xba\xc5\xca\xb1\xbc\xe4 2024-05-06 09:30\n"  # 取号时间
    b"4403**********1234\n"
    b"\xc7\xeb\xc1\xf4\xd2\xe2\xbd\xd0\xba\xc5 / Please watch the screen\n"  # 请留意叫号
    b"\n"
    b"\x1d(k\x04\x001A2\x00"  # QR model 2
    b"\x1d(k\x03\x001C\x06"  # module 6 dots
    b"\x1d(k\x03\x001E1"  # error correction M
    b"\x1d(k\x23\x001P0https://hall.example.cn/t/8f3a2c"  # store 32 bytes
    b"\x1d(k\x03\x001Q0"  # print
    b"\n"
    b"\xc9\xa8\xc2\xeb\xb2\xe9\xbf\xb4\xbd\xf8\xb6\xc8 / Scan to follow your turn\n"  # 扫码查看进度
    b"\x1bd\x04"  # feed 4 lines
    b"\x1dV\x01"  # partial cut
)


def test_ticket_bytes_are_exactly_the_golden_stream() -> None:
    assert render_ticket(TICKET) == GOLDEN


def test_same_content_gives_same_bytes() -> None:
    assert render_ticket(dataclasses.replace(TICKET)) == render_ticket(TICKET)


def test_chinese_is_gb18030_after_fs_ampersand() -> None:
    data = render_ticket(TICKET)
    ahead = b"\xc7\xb0\xc3\xe6\xbb\xb9\xd3\xd0"
    assert "前面还有".encode("gb18030") == ahead
    assert data.index(b"\x1c&") < data.index(ahead)
    assert b"\xc7\xb0\xc3\xe6\xbb\xb9\xd3\xd0 3 \xc8\xcb / 3 ahead\n" in data
    assert "前面还有".encode() not in data  # no UTF-8


def test_native_qr_sequence() -> None:
    assert native_qr("https://x.cn/1") == (
        b"\x1d(k\x04\x00\x31\x41\x32\x00"
        b"\x1d(k\x03\x00\x31\x43\x06"
        b"\x1d(k\x03\x00\x31\x45\x31"
        b"\x1d(k\x11\x00\x31\x50\x30https://x.cn/1"
        b"\x1d(k\x03\x00\x31\x51\x30"
    )
    long_url = "https://hall.example.cn/t/" + "x" * 300
    store = native_qr(long_url).split(b"\x1d(k")[4]
    # pL pH = 26 + 300 + 3 (cn fn m) = 329, low byte first
    assert store[:2] == (len(long_url) + 3).to_bytes(2, "little") == b"\x49\x01"


def test_ends_with_feed_and_cut() -> None:
    data = render_ticket(TICKET)
    assert data.endswith(b"\x1bd\x04\x1dV\x01")
    assert data.count(b"\x1dV") == 1


def test_character_size_command() -> None:
    assert char_size(1, 1) == b"\x1d!\x00"
    assert char_size(2, 2) == b"\x1d!\x11"
    assert char_size(8, 1) == b"\x1d!\x70"
    with pytest.raises(ValueError):
        char_size(9, 1)


def test_wait_is_rounded_up_to_minutes() -> None:
    assert dataclasses.replace(TICKET, expected_wait_s=0).wait_minutes == 0
    assert dataclasses.replace(TICKET, expected_wait_s=60).wait_minutes == 1
    assert dataclasses.replace(TICKET, expected_wait_s=61).wait_minutes == 2


def test_control_characters_cannot_inject_commands() -> None:
    data = render_ticket(dataclasses.replace(TICKET, hall_name="大厅\x1dV\x00\n测试"))
    assert b"\x1dV\x00" not in data
    assert "大厅 V  测试".encode("gb18030") + b"\n" in data


@pytest.mark.parametrize(
    "change",
    [
        {"number": ""},
        {"number": "A 001"},
        {"ahead": -1},
        {"expected_wait_s": -5},
        {"qr_url": ""},
        {"qr_url": "https://x.cn/" + "a" * 2400},
        {"hall_name": " "},
        {"privacy_line": "440301199001011234"},
        {"notices": ("证件 44030119900101123X",)},
    ],
)
def test_bad_content_is_a_typed_error(change: dict[str, object]) -> None:
    with pytest.raises(TicketContentError) as info:
        render_ticket(dataclasses.replace(TICKET, **change))  # type: ignore[arg-type]
    assert info.value.code == "printer.bad_ticket"
    assert "440301" not in str(info.value)


def test_test_page_has_chinese_qr_and_cut() -> None:
    data = render_test_page("escpos+tcp://10.0.0.5:9100", datetime(2024, 5, 6, 9, 0, 0))
    assert data.startswith(b"\x1b@\x1c&")
    assert "打印测试页".encode("gb18030") in data
    assert b"\x1d(k\x15\x001P0hallq printer test" in data
    assert data.endswith(b"\x1dV\x01")


@pytest.mark.parametrize(
    ("printer", "paper", "cause", "state"),
    [
        (0x12, 0x12, None, DeviceState.READY),
        (0x16, 0x12, None, DeviceState.READY),  # drawer pin bit does not matter
        (0x12, 0x1E, None, DeviceState.PAPER_LOW),
        (0x1A, 0x7E, 0x32, DeviceState.PAPER_OUT),
        (0x1A, 0x72, None, DeviceState.PAPER_OUT),
        (0x1A, 0x12, 0x16, DeviceState.COVER_OPEN),
        (0x1A, 0x12, 0x52, DeviceState.ERROR),
        (0x1A, 0x12, 0x12, DeviceState.ERROR),
    ],
)
def test_status_bytes_decode(printer: int, paper: int, cause: int | None,
                             state: DeviceState) -> None:
    assert status.printer_state(printer, paper, cause) is state


def test_status_byte_without_fixed_bits_is_rejected() -> None:
    assert status.check_status_byte(1, 0x12) == 0x12
    for bad in (0x00, 0xFF, 0x41, 0x92):
        with pytest.raises(PrinterBadStatus) as info:
            status.check_status_byte(4, bad)
        assert info.value.code == "printer.bad_status"
