"""APDU building and checking, and the virtual card's answers, without pcscd."""

from __future__ import annotations

from functools import reduce

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.smartcard import apdu
from devices.smartcard.errors import BadApdu, SmartCardError
from devices.smartcard.vcard import (
    DEFAULT_ATR,
    EF_CARD_INFO,
    EF_HOLDER,
    CardApplet,
    make_atr,
    sample_files,
)
from tests.helpers.device_fuzz import assert_own_error, mutated


def test_select_and_read_binary_bytes() -> None:
    assert apdu.select_ef(b"\x00\x05") == bytes.fromhex("00A4000002000500")
    assert apdu.select_ef(b"\x00\x05", want_fcp=False) == bytes.fromhex("00A4000C020005")
    assert apdu.read_binary(0x01C0, 0x87) == bytes.fromhex("00B001C087")
    assert apdu.read_binary(0, 256) == bytes.fromhex("00B0000000")
    assert apdu.get_response(0x0D) == bytes.fromhex("00C000000D")


def test_with_le_replaces_or_adds_le() -> None:
    assert apdu.with_le(bytes.fromhex("00B0000000"), 0x5C) == bytes.fromhex("00B000005C")
    assert apdu.with_le(bytes.fromhex("00B00000"), 0x10) == bytes.fromhex("00B0000010")
    assert apdu.with_le(bytes.fromhex("00A4000002000500"), 0x0D) == bytes.fromhex(
        "00A400000200050D")


@pytest.mark.parametrize("raw", ["", "00A400", "00A4000003AABB", "00A4000000AA"])
def test_malformed_apdus_are_refused(raw: str) -> None:
    with pytest.raises(BadApdu) as err:
        apdu.check_apdu(bytes.fromhex(raw))
    assert err.value.code == "smartcard.bad_apdu"


def test_bad_file_id_offset_and_length() -> None:
    with pytest.raises(BadApdu):
        apdu.select_ef(b"\x00")
    with pytest.raises(BadApdu):
        apdu.read_binary(0x8000, 1)
    with pytest.raises(BadApdu):
        apdu.read_binary(0, 257)


def test_fcp_file_size() -> None:
    assert apdu.fcp_file_size(bytes.fromhex("620B820101830200058002024B")) == 0x024B
    assert apdu.fcp_file_size(bytes.fromhex("62078201388302" "3F00")) is None
    assert apdu.fcp_file_size(b"") is None
    assert apdu.fcp_file_size(bytes.fromhex("6205800402")) is None  # truncated


def test_describe_sw() -> None:
    assert apdu.describe_sw(0x6A, 0x82) == "6A82 file not found"
    assert apdu.describe_sw(0x6C, 0x10) == "6C10 wrong Le, 16 bytes available"
    assert apdu.describe_sw(0x12, 0x34) == "1234"


COMMANDS = [apdu.select_ef(b"\x00\x05"), apdu.select_ef(b"\x00\x05", want_fcp=False),
            apdu.read_binary(0x20, 0xE0), apdu.GET_UID, apdu.get_response(13)]
FCP = bytes.fromhex("620B820101830200058002024B")


@settings(max_examples=300, deadline=None)
@given(mutated(COMMANDS) | st.binary(max_size=300), st.integers(0, 255))
def test_check_apdu_fuzz_only_typed_errors(raw: bytes, le: int) -> None:
    try:
        assert apdu.check_apdu(raw) == raw
        resized = apdu.with_le(raw, le)  # the answer to a card's 6Cxx
    except Exception as exc:  # noqa: BLE001 - the property is about what comes out
        assert_own_error(exc, SmartCardError, ("smartcard",))
        return
    assert resized[:4] == raw[:4] and resized[-1] == le


@settings(max_examples=300, deadline=None)
@given(mutated([FCP, FCP + b"\x90\x00"]) | st.binary(max_size=80))
def test_fcp_and_status_word_of_any_answer_never_raise(raw: bytes) -> None:
    size = apdu.fcp_file_size(raw)
    assert size is None or 0 <= size < 2**32
    if len(raw) >= 2:
        assert apdu.describe_sw(raw[-2], raw[-1]).startswith(raw[-2:].hex().upper())


def test_atr_has_a_correct_check_byte() -> None:
    assert DEFAULT_ATR[:4] == bytes.fromhex("3B8B8001")
    assert DEFAULT_ATR[4:-1] == b"HALLQ-VCARD"
    assert reduce(lambda a, b: a ^ b, DEFAULT_ATR[1:], 0) == 0
    assert make_atr(b"") == bytes.fromhex("3B80800101")


def test_applet_select_get_response_read_binary() -> None:
    files = sample_files()
    card = CardApplet(bytes.fromhex("04A1B2C3"), files)
    size = len(files[EF_HOLDER])
    assert card.process(bytes.fromhex("00A4000002000500")) == bytes.fromhex("610D")
    assert card.process(bytes.fromhex("00C0000000")) == bytes.fromhex("6C0D")
    fcp = bytes.fromhex("620B8201018302000580 02".replace(" ", "")) + size.to_bytes(2, "big")
    assert card.process(bytes.fromhex("00C000000D")) == fcp + b"\x90\x00"
    assert card.process(bytes.fromhex("00B0000004")) == files[EF_HOLDER][:4] + b"\x90\x00"
    last = size - 3
    assert card.process(apdu.read_binary(last, 16)) == bytes.fromhex("6C03")
    assert card.process(apdu.read_binary(last, 3)) == files[EF_HOLDER][-3:] + b"\x90\x00"
    assert card.process(apdu.read_binary(size, 1)) == bytes.fromhex("6B00")


def test_applet_errors() -> None:
    card = CardApplet(bytes.fromhex("04A1B2C3"), sample_files())
    assert card.process(bytes.fromhex("00B0000001")) == bytes.fromhex("6986")  # no EF yet
    assert card.process(bytes.fromhex("00A4000C029999")) == bytes.fromhex("6A82")
    assert card.process(bytes.fromhex("00A4000C02") + EF_CARD_INFO) == bytes.fromhex("9000")
    assert card.process(bytes.fromhex("0012000000")) == bytes.fromhex("6D00")
    assert card.process(bytes.fromhex("8012000000")) == bytes.fromhex("6E00")
    assert card.process(bytes.fromhex("00C0000000")) == bytes.fromhex("6985")
    assert card.process(b"\x00\xa4") == bytes.fromhex("6700")
    assert card.process(bytes.fromhex("FFCA000000")) == bytes.fromhex("04A1B2C39000")
    assert card.process(bytes.fromhex("FFCA000002")) == bytes.fromhex("6C04")
    assert card.process(bytes.fromhex("FFCA010000")) == bytes.fromhex("6A81")


@given(st.binary(max_size=300))
def test_applet_fuzz_always_answers_a_status_word(raw: bytes) -> None:
    answer = CardApplet(b"\x01\x02\x03\x04", sample_files()).process(raw)
    assert len(answer) >= 2
