"""GA 467 frames: exact request bytes, response decoding, the streaming decoder and its errors."""

import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.base import DeviceError
from devices.idcard import protocol as p
from devices.idcard.parse import encode_text_block
from devices.idcard.samples import SAMPLE_CARDS
from tests.helpers.device_fuzz import assert_own_error, mutated

# --- requests: exact bytes --------------------------------------------------------------

REQUEST_BYTES = [
    (p.RESET_SAM, "AA AA AA 96 69 00 03 10 FF EC"),
    (p.SAM_STATUS, "AA AA AA 96 69 00 03 11 FF ED"),
    (p.READ_SAM_ID, "AA AA AA 96 69 00 03 12 FF EE"),
    (p.FIND_CARD, "AA AA AA 96 69 00 03 20 01 22"),
    (p.SELECT_CARD, "AA AA AA 96 69 00 03 20 02 21"),
    (p.READ_BASE, "AA AA AA 96 69 00 03 30 01 32"),
    (p.READ_APPENDED_ADDRESS, "AA AA AA 96 69 00 03 30 03 30"),
    (p.READ_BASE_FINGERPRINT, "AA AA AA 96 69 00 03 30 10 23"),
]


@pytest.mark.parametrize(("command", "expected"), REQUEST_BYTES)
def test_request_frames_are_byte_exact(command, expected):
    assert p.encode_request(*command) == bytes.fromhex(expected)


def test_request_with_data_counts_data_in_length_and_checksum():
    frame = p.encode_request(0x61, 0xFF, b"\x01\x02")
    check = 0x05 ^ 0x61 ^ 0xFF ^ 0x01 ^ 0x02
    assert frame == bytes.fromhex("AA AA AA 96 69 00 05 61 FF 01 02") + bytes([check])


# --- responses --------------------------------------------------------------------------


def test_find_card_answer_decodes_to_card_found():
    # The answer real readers give when a card is on them.
    frame = bytes.fromhex("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")
    response = p.decode_response_frame(frame)
    assert (response.sw1, response.sw2, response.sw3) == (0, 0, p.SW_CARD_FOUND)
    assert response.data == bytes(4)


def test_select_answer_decodes():
    frame = bytes.fromhex("AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C")
    assert p.decode_response_frame(frame) == p.Response(0, 0, 0x90, bytes(8))


def test_encode_response_matches_real_no_card_answer():
    assert p.encode_response(p.SW_NO_CARD) == bytes.fromhex("AA AA AA 96 69 00 04 00 00 80 84")


def test_read_answer_length_is_0x0508():
    data = p.encode_card_data(bytes(256), bytes(1024))
    frame = p.encode_response(p.SW_OK, data)
    assert frame[5:7] == b"\x05\x08"
    assert data[:4] == b"\x01\x00\x04\x00"
    assert len(frame) == 7 + 0x508


def test_fingerprint_answer_has_three_lengths():
    data = p.encode_card_data(b"t" * 256, b"p" * 1024, b"f" * 1024, with_fingerprint=True)
    assert p.encode_response(p.SW_OK, data)[5:7] == b"\x09\x0a"  # 3 + 6 + 256 + 1024 + 1024 + 1
    blocks = p.split_card_data(data, with_fingerprint=True)
    assert (blocks.text, blocks.photo, blocks.fingerprint) == (b"t" * 256, b"p" * 1024, b"f" * 1024)


def test_fingerprint_answer_without_fingerprint_gives_none():
    data = p.encode_card_data(b"t" * 256, b"p" * 1024, None, with_fingerprint=True)
    assert data[:6] == b"\x01\x00\x04\x00\x00\x00"
    assert p.split_card_data(data, with_fingerprint=True).fingerprint is None


def test_block_lengths_that_do_not_add_up_are_a_frame_error():
    data = struct.pack(">HH", 256, 1024) + bytes(256 + 1000)
    with pytest.raises(p.FrameError) as err:
        p.split_card_data(data)
    assert err.value.code == "idcard.frame"


@pytest.mark.parametrize(("sw3", "error", "code"), [
    (0x80, p.NoCardError, "idcard.no_card"),
    (0x81, p.SelectFailedError, "idcard.select_failed"),
    (0x41, p.ReadFailedError, "idcard.read_failed"),
    (0x31, p.AuthFailedError, "idcard.auth_failed"),
    (0x32, p.AuthFailedError, "idcard.auth_failed"),
    (0x33, p.AuthFailedError, "idcard.auth_failed"),
    (0x40, p.UnknownCardError, "idcard.unknown_card"),
    (0x10, p.SamError, "idcard.sam_error"),
    (0x11, p.SamError, "idcard.sam_error"),
    (0x21, p.SamError, "idcard.sam_error"),
    (0x23, p.SamError, "idcard.sam_error"),
    (0x24, p.SamError, "idcard.sam_error"),
    (0x47, p.SamError, "idcard.sam_error"),
    (0x60, p.SamError, "idcard.sam_error"),
    (0x66, p.SamError, "idcard.sam_error"),
    (0x91, p.SamError, "idcard.sam_error"),
])
def test_failure_status_raises_its_typed_error(sw3, error, code):
    with pytest.raises(error) as err:
        p.Response(0, 0, sw3).expect(p.SW_OK)
    assert err.value.code == code
    assert err.value.sw3 == sw3
    assert f"0x{sw3:02X}" in str(err.value)


def test_status_texts_cover_the_documented_codes():
    documented = {0x90, 0x91, 0x9F, 0x10, 0x11, 0x21, 0x23, 0x24, 0x31, 0x32, 0x33, 0x40,
                  0x41, 0x47, 0x60, 0x66, 0x80, 0x81}
    assert set(p.STATUS_TEXT) == documented
    assert p.status_text(0x60) == "0x60 SAM自检失败，不能接收命令 / the SAM failed its self-test"
    assert p.status_text(0x77).startswith("0x77 未知状态")


def test_sam_id_is_formatted_like_vendor_tools():
    data = struct.pack("<HHIII", 5, 1, 20101010, 12345, 123456789)
    assert p.format_sam_id(data) == "05.01-20101010-0000012345-0123456789"
    assert p.encode_sam_id("05.01-20101010-0000012345-0123456789") == data


def test_sam_id_of_wrong_size_is_a_frame_error():
    with pytest.raises(p.FrameError):
        p.format_sam_id(bytes(15))


# --- streaming decoder ------------------------------------------------------------------

FOUND = p.encode_response(p.SW_CARD_FOUND, bytes(4))
READ = p.encode_response(p.SW_OK, p.encode_card_data(bytes(range(256)), bytes(1024)))


def frames(decoder):
    out = []
    while (payload := decoder.next_frame()) is not None:
        out.append(p.Response.from_payload(payload))
    return out


def test_decoder_accepts_one_byte_at_a_time():
    decoder = p.FrameDecoder()
    got = []
    for byte in READ:
        decoder.feed(bytes([byte]))
        got += frames(decoder)
    assert len(got) == 1
    assert got[0].sw3 == 0x90 and len(got[0].data) == 4 + 256 + 1024


def test_decoder_splits_two_frames_in_one_chunk():
    decoder = p.FrameDecoder()
    decoder.feed(FOUND + READ)
    assert [r.sw3 for r in frames(decoder)] == [0x9F, 0x90]


def test_decoder_skips_garbage_before_a_preamble():
    decoder = p.FrameDecoder()
    decoder.feed(b"\x00\xff\x13noise\xaa\xaa\x96\xaa")  # even a near-preamble
    assert decoder.next_frame() is None
    decoder.feed(FOUND)
    assert [r.sw3 for r in frames(decoder)] == [0x9F]


def test_decoder_keeps_a_preamble_split_across_chunks():
    decoder = p.FrameDecoder()
    decoder.feed(b"junk" + FOUND[:3])
    assert decoder.next_frame() is None
    decoder.feed(FOUND[3:])
    assert [r.sw3 for r in frames(decoder)] == [0x9F]


def test_bad_checksum_raises_then_the_next_frame_decodes():
    bad = FOUND[:-1] + bytes([FOUND[-1] ^ 0x01])
    decoder = p.FrameDecoder()
    decoder.feed(bad + READ)
    with pytest.raises(p.ChecksumError) as err:
        decoder.next_frame()
    assert err.value.code == "idcard.checksum"
    assert [r.sw3 for r in frames(decoder)] == [0x90]


@pytest.mark.parametrize("length", [0, 1, 3, p.MAX_LENGTH + 1, 0xFFFF])
def test_impossible_length_is_a_frame_error(length):
    decoder = p.FrameDecoder()
    decoder.feed(p.PREAMBLE + struct.pack(">H", length) + bytes(8))
    with pytest.raises(p.FrameError) as err:
        decoder.next_frame()
    assert err.value.code == "idcard.frame"


def test_truncated_frame_is_reported_when_the_line_goes_quiet():
    decoder = p.FrameDecoder()
    decoder.feed(READ[:600])
    assert decoder.next_frame() is None
    assert decoder.in_frame
    with pytest.raises(p.TruncatedFrameError) as err:
        decoder.finish()
    assert err.value.code == "idcard.truncated"
    assert not decoder.in_frame
    decoder.feed(FOUND)  # and the decoder is usable again
    assert [r.sw3 for r in frames(decoder)] == [0x9F]


def test_finish_on_garbage_only_is_not_truncation():
    decoder = p.FrameDecoder()
    decoder.feed(b"\x01\x02\x03")
    decoder.finish()


def test_request_decoder_reads_host_frames():
    decoder = p.FrameDecoder(min_length=p.REQUEST_MIN_LENGTH)
    decoder.feed(p.encode_request(*p.FIND_CARD) + p.encode_request(*p.READ_BASE))
    requests = []
    while (payload := decoder.next_frame()) is not None:
        requests.append(p.Request.from_payload(payload))
    assert [r.name for r in requests] == ["find_card", "read_base"]


def test_errors_are_device_errors_with_both_languages():
    for error in (p.ChecksumError, p.FrameError, p.TruncatedFrameError, p.IdCardTimeout,
                  p.IdCardDisconnected, p.NoCardError, p.ReadFailedError, p.SamError):
        assert issubclass(error, DeviceError)
        assert error.code.startswith("idcard.")
        assert error.message_zh and error.message_en


# --- fuzzing: only DeviceError subclasses may come out --------------------------------


def own(call, *args, **kwargs):
    """``call(*args)``, with only the reader's own typed errors allowed out (returns None)."""
    try:
        return call(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the property is about what comes out
        assert_own_error(exc, p.IdCardError, ("idcard",))
        return None


def drain(decoder):
    """Take frames until the decoder has none, swallowing only typed errors."""
    for _ in range(10_000):
        try:
            payload = decoder.next_frame()
        except Exception as exc:  # noqa: BLE001 - the property is about what comes out
            assert_own_error(exc, p.IdCardError, ("idcard",))
            continue
        if payload is None:
            break
        response = own(p.Response.from_payload, payload)
        if response is not None:
            own(p.split_card_data, response.data)
            own(p.split_card_data, response.data, with_fingerprint=True)
            own(p.format_sam_id, response.data)
    else:
        pytest.fail("the decoder did not settle")
    own(decoder.finish)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.binary(max_size=64), max_size=20))
def test_fuzz_random_chunks(chunks):
    decoder = p.FrameDecoder()
    for chunk in chunks:
        decoder.feed(chunk)
        drain(decoder)


@st.composite
def mutated_frames(draw):
    frame = bytearray(draw(st.sampled_from([FOUND, READ, p.encode_response(p.SW_NO_CARD)])))
    for _ in range(draw(st.integers(0, 4))):
        action = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        pos = draw(st.integers(0, len(frame)))
        if action == "flip" and pos < len(frame):
            frame[pos] ^= draw(st.integers(1, 255))
        elif action == "cut":
            del frame[pos:]
        elif action == "insert":
            frame[pos:pos] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete" and pos < len(frame):
            del frame[pos]
    split = draw(st.integers(0, len(frame)))
    return bytes(frame[:split]), bytes(frame[split:])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_frames(), st.binary(max_size=16))
def test_fuzz_mutated_valid_frames(parts, prefix):
    decoder = p.FrameDecoder()
    decoder.feed(prefix + parts[0])
    drain(decoder)
    decoder.feed(parts[1])
    drain(decoder)
    decoder.reset()  # what the driver does after an error: then a clean frame decodes
    decoder.feed(FOUND)
    assert decoder.next_frame() == FOUND[7:-1]


#: Real answers of a reader: card found, no card, SAM id, and a read of each sample card.
ANSWERS = [FOUND, p.encode_response(p.SW_NO_CARD),
           p.encode_response(p.SW_OK, p.encode_sam_id("05.01-20101010-0000012345-0123456789"))] + [
    p.encode_response(p.SW_OK, p.encode_card_data(encode_text_block(card), card.photo_wlt,
                                                  card.fingerprint, with_fingerprint=True))
    for card in SAMPLE_CARDS.values()]


def with_right_header(frame):
    """The frame's payload in a frame with a right LEN and checksum (to get past them)."""
    payload = frame[p.HEADER_SIZE:-1]
    body = (len(payload) + 1).to_bytes(2, "big") + payload
    return p.PREAMBLE + body + bytes([p.checksum(body)])


@settings(max_examples=300, deadline=None)
@given(mutated(ANSWERS), st.booleans())
def test_fuzz_one_answer_as_the_reader_reads_it(frame, fix_header):
    if fix_header:
        frame = with_right_header(frame)
    response = own(p.decode_response_frame, frame)
    if response is not None and own(response.expect, p.SW_OK) is not None:
        blocks = own(p.split_card_data, response.data, with_fingerprint=True)
        if blocks is not None:
            assert len(blocks.text) == p.TEXT_SIZE
        sam_id = own(p.format_sam_id, response.data)
        assert sam_id is None or len(sam_id) == 36

