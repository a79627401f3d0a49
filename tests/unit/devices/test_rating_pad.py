"""Rating pads: levels, exact frames, and the serial driver on a pty against the simulator."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices import busframe
from devices.base import DeviceState, DeviceURLError
from devices.busframe import BusChecksumError, BusFrameError, Frame, FrameReply
from devices.rating import protocol as proto
from devices.rating.errors import (
    RatingBadKey,
    RatingBadText,
    RatingDisconnected,
    RatingError,
    RatingRejected,
    RatingTimeout,
)
from devices.rating.levels import Rating
from devices.rating.pad import SerialRatingPad, open_url
from devices.rating.simulator import RatingSimulator, SimulatedRatingPad, open_sim_url
from devices.rating.tech import discover, self_test
from devices.registry import open_device
from hall.ratings import RatingLevel
from tests.helpers.device_fuzz import assert_own_error, mutated

FAST = "timeout=0.15&retries=1&poll=0.02"  # for tests that wait for a timeout on purpose


@pytest.fixture
def sim() -> Iterator[RatingSimulator]:
    """Pad 3 on a pty line."""
    simulator = RatingSimulator([3]).start()
    yield simulator
    simulator.stop()


@pytest.fixture
def pad(sim: RatingSimulator) -> Iterator[SerialRatingPad]:
    """The driver of pad 3."""
    driver = open_url(f"rating://{sim.port}?addr=3&timeout=0.5&retries=1&poll=0.02")
    yield driver
    driver.close()


@pytest.fixture
def fast(sim: RatingSimulator) -> Iterator[SerialRatingPad]:
    """The driver of pad 3 with a short answer timeout."""
    driver = open_url(f"rating://{sim.port}?addr=3&{FAST}")
    yield driver
    driver.close()


def test_keys_are_the_hall_levels() -> None:
    assert [(r.name, int(r)) for r in Rating] == [(r.name, int(r)) for r in RatingLevel]


def test_exact_frames() -> None:
    assert proto.encode_prompt(3, "A001") == bytes.fromhex("ff 68 06 06 68 03 41 41 30 30 31 16 16")
    assert proto.encode_command(3, proto.POLL) == bytes.fromhex("ff 68 02 02 68 03 43 46 16")
    assert proto.encode_command(3, proto.CANCEL) == bytes.fromhex("ff 68 02 02 68 03 42 45 16")
    assert proto.encode_command(3, proto.THANKS) == bytes.fromhex("ff 68 02 02 68 03 44 47 16")


@pytest.mark.parametrize("number", ["", "   ", "A" * 17])
def test_bad_ticket_numbers(number: str) -> None:
    with pytest.raises(RatingBadText) as info:
        proto.encode_prompt(3, number)
    assert info.value.code == "rating.bad_text"


def test_prompt_press_read(sim: RatingSimulator, pad: SerialRatingPad) -> None:
    pad.prompt("A001")
    assert sim.pads[3].display == "A001 请评价" and sim.pads[3].lit
    assert sim.press(4)
    assert pad.read_rating(1.0) == Rating.SATISFIED
    assert sim.pads[3].display == "感谢您的评价" and not sim.pads[3].lit
    assert sim.pads[3].ratings == 1
    assert [f.ctrl for f in sim.received] == [proto.PROMPT, proto.POLL, proto.THANKS]
    assert sim.received[0] == Frame(3, proto.PROMPT, b"A001")
    assert pad.state is DeviceState.READY


def test_no_press_is_none_after_the_timeout(sim: RatingSimulator, pad: SerialRatingPad) -> None:
    pad.prompt("A002")
    started = time.monotonic()
    assert pad.read_rating(0.3) is None
    assert 0.3 <= time.monotonic() - started < 2.0
    assert sim.pads[3].lit  # still waiting for the citizen
    pad.cancel()
    assert not sim.pads[3].lit and sim.pads[3].display == ""


def test_press_before_prompt_is_ignored(sim: RatingSimulator, pad: SerialRatingPad) -> None:
    assert not sim.press(5)
    assert pad.read_rating(0) is None


def test_press_while_reading(sim: RatingSimulator, pad: SerialRatingPad) -> None:
    sim.auto_press, sim.delay = 2, 0.1
    pad.prompt("A003")
    assert pad.read_rating(2.0) == Rating.DISSATISFIED


@pytest.mark.allow_log("(no|bad) reply on")
def test_lost_poll_reply_loses_no_rating(sim: RatingSimulator, fast: SerialRatingPad) -> None:
    pad = fast
    pad.prompt("A004")
    sim.press(5)
    sim.inject("no_ack", count=1)
    assert pad.read_rating(1.0) == Rating.VERY_SATISFIED
    assert [f.ctrl for f in sim.received] == [proto.PROMPT, proto.POLL, proto.POLL, proto.THANKS]


def test_bad_key_is_typed_then_recovers(sim: RatingSimulator, pad: SerialRatingPad) -> None:
    pad.prompt("A005")
    sim.pads[3].key = 7  # a faulty pad
    with pytest.raises(RatingBadKey) as info:
        pad.read_rating(0.5)
    assert info.value.code == "rating.bad_key"
    pad.cancel()
    pad.prompt("A005")
    sim.press(3)
    assert pad.read_rating(1.0) == Rating.FAIRLY_SATISFIED


@pytest.mark.allow_log("(no|bad) reply on")
def test_no_ack_is_a_typed_timeout_then_recovers(sim: RatingSimulator,
                                                 fast: SerialRatingPad) -> None:
    pad = fast
    sim.inject("no_ack")
    with pytest.raises(RatingTimeout) as info:
        pad.prompt("A006")
    assert info.value.code == "rating.timeout"
    assert pad.state is DeviceState.ERROR
    assert len(sim.received) == 2
    sim.inject(None)
    pad.check()
    assert pad.state is DeviceState.READY


def test_port_vanishing_is_disconnected(sim: RatingSimulator, pad: SerialRatingPad) -> None:
    changes: list[tuple[DeviceState, DeviceState]] = []
    pad.on_state_change(lambda old, new: changes.append((old, new)))
    pad.prompt("A007")
    sim.unplug()
    with pytest.raises(RatingDisconnected) as info:
        pad.read_rating(1.0)
    assert info.value.code == "rating.disconnected"
    assert pad.state is DeviceState.DISCONNECTED
    assert changes == [(DeviceState.UNKNOWN, DeviceState.READY),
                       (DeviceState.READY, DeviceState.DISCONNECTED)]
    with pytest.raises(RatingDisconnected):
        pad.cancel()


def test_sim_url_auto_press() -> None:
    pad = open_device("sim://rating?addr=3&auto=5&delay=0.05&poll=0.02")
    assert isinstance(pad, SimulatedRatingPad)
    try:
        pad.prompt("A008")
        assert pad.read_rating(2.0) == Rating.VERY_SATISFIED
        assert pad.simulator.pads[3].ratings == 1
    finally:
        pad.close()


@pytest.mark.allow_log("(no|bad) reply on", "closing .* failed")
def test_sim_url_fault_and_bad_params() -> None:
    pad = open_sim_url("sim://rating?addr=4&fault=bad_checksum&timeout=0.05&retries=0")
    try:
        with pytest.raises(BusChecksumError) as info:
            pad.check()
        assert info.value.code == "bus.checksum"
    finally:
        pad.close()
    for url in ("sim://rating?auto=9", "sim://rating?delay=x", "sim://rating?fault=fire",
                "rating:///dev/ttyUSB0?addr=255", "rating:///dev/ttyUSB0?poll=x"):
        with pytest.raises(DeviceURLError):
            open_device(url)


def test_tech_self_test_and_discover() -> None:
    report = self_test("sim://rating?addr=3&auto=5&delay=0.05&poll=0.02")
    assert "key: 5 (VERY_SATISFIED)" in report and "cancel: OK" in report
    for url, description in discover():
        assert url.startswith("rating:///dev/") and description


# --- the pad's replies, as the driver reads them -------------------------------------------

POLL_REPLIES = [busframe.encode(3, proto.POLL | busframe.REPLY, bytes((0, key)))
                for key in range(6)]


def read_poll_reply(raw: bytes) -> Rating | None:
    """What ``poll_key`` makes of pad 3's answer bytes (None also when no reply is complete)."""
    frame = FrameReply(3, proto.POLL).feed(raw)
    if frame is None:
        return None
    return proto.key_of(proto.check_reply(3, frame))


@pytest.mark.parametrize(("data", "error"), [
    (b"", RatingRejected),  # no status byte
    (b"\x02\x05", RatingRejected),  # status "bad data"
    (b"\x00", RatingBadKey),  # done, but no key byte
    (b"\x00\x05\x05", RatingBadKey),  # a byte too many
    (b"\x00\x06", RatingBadKey),  # no such key
])
def test_malformed_poll_replies_are_typed(data: bytes, error: type[RatingError]) -> None:
    with pytest.raises(error):
        read_poll_reply(busframe.encode(3, proto.POLL | busframe.REPLY, data))


def test_poll_reply_keys() -> None:
    assert [read_poll_reply(raw) for raw in POLL_REPLIES] == [None, *Rating]


@settings(max_examples=300, deadline=None)
@given(mutated(POLL_REPLIES) | st.binary(max_size=40))
def test_fuzz_poll_replies_only_typed_errors(raw: bytes) -> None:
    try:
        key = read_poll_reply(raw)
    except Exception as exc:  # noqa: BLE001 - the property is about what comes out
        assert_own_error(exc, (BusFrameError, RatingError), ("bus", "rating"))
        return
    assert key is None or key in Rating
