"""The hall bus frame codec: exact bytes, typed errors, garbage and split reads, fuzzing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices import busframe
from devices.base import DeviceURLError, parse_device_url
from devices.busframe import (
    BusAddressError,
    BusChecksumError,
    BusFrameError,
    BusLengthError,
    BusLine,
    Frame,
    FrameDecoder,
    FrameReply,
)
from tests.helpers.device_fuzz import assert_own_error, mutated

CALL_TEXT = "A001 请到3号窗口".encode("gb18030")
# addr 3, CTRL 0x31, DATA = effect 00 + "A001 请到3号窗口" in GB 18030; L = 0x13; CS = 0xF9.
CALL_FRAME = bytes.fromhex(
    "ff 68 13 13 68 03 31 00 41 30 30 31 20 c7 eb b5 bd 33 ba c5 b4 b0 bf da f9 16")
CLEAR_FRAME = bytes.fromhex("ff 68 02 02 68 10 32 42 16")


def frames_of(decoder: FrameDecoder) -> list[Frame]:
    """Every frame the decoder holds now (errors fail the test)."""
    out = []
    while (frame := decoder.next_frame()) is not None:
        out.append(frame)
    return out


def test_encode_gives_the_exact_bytes_of_a_call() -> None:
    assert busframe.encode(3, 0x31, b"\x00" + CALL_TEXT) == CALL_FRAME


def test_encode_without_data() -> None:
    assert busframe.encode(0x10, 0x32) == CLEAR_FRAME


def test_encode_broadcast_and_longest_frame() -> None:
    frame = busframe.encode(0xFF, 0x31, bytes(253))
    assert frame[:6] == bytes.fromhex("ff 68 ff ff 68 ff")
    assert frame[-2:] == bytes((0x30, 0x16))  # 0xFF + 0x31 = 0x130
    assert len(frame) == 5 + 255 + 2


@pytest.mark.parametrize("addr", [0, 256, -1])
def test_encode_rejects_bad_address(addr: int) -> None:
    with pytest.raises(BusAddressError) as info:
        busframe.encode(addr, 0x31)
    assert info.value.code == "bus.address"


def test_encode_rejects_too_much_data_and_bad_command() -> None:
    with pytest.raises(BusLengthError) as info:
        busframe.encode(1, 0x31, bytes(254))
    assert info.value.code == "bus.length"
    with pytest.raises(BusFrameError) as frame_info:
        busframe.encode(1, 0x100)
    assert frame_info.value.code == "bus.frame"


def test_decode_one_frame() -> None:
    assert busframe.decode(CALL_FRAME) == Frame(3, 0x31, b"\x00" + CALL_TEXT)
    assert busframe.decode(bytes.fromhex("ff 68 03 03 68 03 b1 00 b4 16")).is_reply


def test_decode_incomplete_frame_is_a_frame_error() -> None:
    with pytest.raises(BusFrameError) as info:
        busframe.decode(CALL_FRAME[:-1])
    assert info.value.code == "bus.frame"


def test_split_reads_byte_by_byte() -> None:
    decoder = FrameDecoder()
    got: list[Frame] = []
    for byte in CALL_FRAME + CLEAR_FRAME:
        decoder.feed(bytes((byte,)))
        got += frames_of(decoder)
    assert got == [Frame(3, 0x31, b"\x00" + CALL_TEXT), Frame(0x10, 0x32)]
    assert decoder.pending == 0


def test_garbage_between_frames_is_skipped_silently() -> None:
    decoder = FrameDecoder()
    decoder.feed(b"\x00\x12\xff\xff\xff" + CALL_FRAME + b"\x99\x68\x01\x02\x03" + CLEAR_FRAME)
    assert [f.ctrl for f in frames_of(decoder)] == [0x31, 0x32]


def test_wake_up_byte_is_optional() -> None:
    decoder = FrameDecoder()
    decoder.feed(CLEAR_FRAME[1:])
    assert frames_of(decoder) == [Frame(0x10, 0x32)]


def test_bad_checksum_is_typed_and_the_next_frame_decodes() -> None:
    bad = bytearray(CALL_FRAME)
    bad[-2] ^= 0x01
    decoder = FrameDecoder()
    decoder.feed(bytes(bad) + CLEAR_FRAME)
    with pytest.raises(BusChecksumError) as info:
        decoder.next_frame()
    assert info.value.code == "bus.checksum"
    assert "0xf8" in info.value.detail and "0xf9" in info.value.detail
    assert frames_of(decoder) == [Frame(0x10, 0x32)]


def test_corrupted_data_byte_is_a_checksum_error() -> None:
    bad = bytearray(CALL_FRAME)
    bad[10] ^= 0x40
    with pytest.raises(BusChecksumError):
        busframe.decode(bytes(bad))


def test_length_bytes_that_differ_are_a_length_error() -> None:
    decoder = FrameDecoder()
    decoder.feed(bytes.fromhex("ff 68 13 14 68 03 31") + CLEAR_FRAME)
    with pytest.raises(BusLengthError) as info:
        decoder.next_frame()
    assert info.value.code == "bus.length"
    assert frames_of(decoder) == [Frame(0x10, 0x32)]


def test_length_below_two_is_a_length_error() -> None:
    with pytest.raises(BusLengthError):
        busframe.decode(bytes.fromhex("ff 68 01 01 68 03 03 16"))


def test_wrong_end_byte_is_a_frame_error_and_the_next_frame_decodes() -> None:
    bad = CLEAR_FRAME[:-1] + b"\x17"
    decoder = FrameDecoder()
    decoder.feed(bad + CLEAR_FRAME)
    with pytest.raises(BusFrameError) as info:
        decoder.next_frame()
    assert info.value.code == "bus.frame"
    assert frames_of(decoder) == [Frame(0x10, 0x32)]


def test_reset_forgets_a_partial_frame() -> None:
    decoder = FrameDecoder()
    decoder.feed(CALL_FRAME[:9])
    assert decoder.next_frame() is None and decoder.pending > 0
    decoder.reset()
    decoder.feed(CLEAR_FRAME)
    assert frames_of(decoder) == [Frame(0x10, 0x32)]


def test_frame_reply_waits_for_its_own_reply() -> None:
    reader = FrameReply(3, 0x31)
    other_addr = busframe.encode(4, 0xB1, b"\x00")
    other_ctrl = busframe.encode(3, 0xB2, b"\x00")
    mine = busframe.encode(3, 0xB1, b"\x00")
    assert reader.feed(other_addr + other_ctrl + mine[:4]) is None
    assert reader.feed(mine[4:]) == Frame(3, 0xB1, b"\x00")


def test_bus_line_from_url_reads_its_parameters() -> None:
    url = parse_device_url("led:///dev/ttyUSB1?addr=3&baud=19200&timeout=0.25&retries=4")
    line = BusLine.from_url(url, disconnected=busframe.DeviceDisconnected,
                            timeout_error=busframe.DeviceTimeout)
    assert (line.port, line.baud, line.timeout, line.retries) == ("/dev/ttyUSB1", 19200, 0.25, 4)
    assert not line.is_open


@pytest.mark.parametrize("url", ["led://", "led:///dev/x?timeout=soon", "led:///dev/x?baud=0",
                                 "led:///dev/x?retries=-1", "led:///dev/x?baud=fast"])
def test_bus_line_from_bad_url(url: str) -> None:
    with pytest.raises(DeviceURLError) as info:
        BusLine.from_url(parse_device_url(url), disconnected=busframe.DeviceDisconnected,
                         timeout_error=busframe.DeviceTimeout)
    assert info.value.code == "device.bad_url"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=12))
def test_fuzz_decoder_raises_only_typed_errors(chunks: list[bytes]) -> None:
    decoder = FrameDecoder()
    for chunk in chunks:
        decoder.feed(chunk)
        for _ in range(200):  # each error consumes bytes, so this always ends
            try:
                if decoder.next_frame() is None:
                    break
            except BusFrameError as exc:
                assert exc.code in {"bus.frame", "bus.length", "bus.checksum"}
        else:
            pytest.fail("decoder did not settle")


@settings(max_examples=200, deadline=None)
@given(addr=st.integers(1, 255), ctrl=st.integers(0, 255), data=st.binary(max_size=253),
       noise=st.binary(max_size=20).filter(lambda b: 0x68 not in b), split=st.integers(0, 300))
def test_fuzz_round_trip_through_noise_and_any_split(addr: int, ctrl: int, data: bytes,
                                                     noise: bytes, split: int) -> None:
    raw = noise + busframe.encode(addr, ctrl, data)
    decoder = FrameDecoder()
    decoder.feed(raw[:split])
    first = frames_of(decoder)
    decoder.feed(raw[split:])
    assert first + frames_of(decoder) == [Frame(addr, ctrl, data)]


#: Real traffic on a window's bus: a call, a clear, acks of a screen and a pad's poll replies.
BUS_TRAFFIC = [CALL_FRAME, CLEAR_FRAME, busframe.encode(3, 0xB1, b"\x00"),
               busframe.encode(3, 0xC3, b"\x00\x05"), busframe.encode(0xFF, 0x32)]


def with_right_header(frame: bytes) -> bytes:
    """ADDR..DATA of a frame in a frame with a right L, checksum and end byte."""
    body = frame[5:-2]
    length = len(body) & 0xFF
    return bytes((0xFF, 0x68, length, length, 0x68)) + body + bytes((busframe.checksum(body), 0x16))


@settings(max_examples=300, deadline=None)
@given(mutated(BUS_TRAFFIC), st.booleans(), st.integers(0, 300))
def test_fuzz_mutated_traffic_only_typed_errors_then_a_clean_frame(
        frame: bytes, fix_header: bool, split: int) -> None:
    raw = with_right_header(frame) if fix_header else frame
    decoder = FrameDecoder()
    for piece in (raw[:split], raw[split:]):
        decoder.feed(piece)
        for _ in range(len(raw) + 1):  # each error consumes bytes, so this always ends
            try:
                if decoder.next_frame() is None:
                    break
            except Exception as exc:  # noqa: BLE001 - the property is about what comes out
                assert_own_error(exc, BusFrameError, ("bus",))
        else:
            pytest.fail("decoder did not settle")
    decoder.reset()  # what the line does after an error: then a clean frame decodes
    decoder.feed(CLEAR_FRAME)
    assert decoder.next_frame() == Frame(0x10, 0x32)
