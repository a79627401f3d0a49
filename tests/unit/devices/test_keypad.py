"""Calling keypads: exact frames, the display's 16 columns, and the serial driver on a pty
against the simulator (keys in order, none lost to a lost reply, faults typed)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices import busframe
from devices.base import DeviceState, DeviceURLError
from devices.busframe import BusChecksumError, BusFrameError, Frame, FrameReply
from devices.keypad import protocol as proto
from devices.keypad.errors import (
    KeypadBadReply,
    KeypadBadText,
    KeypadDisconnected,
    KeypadError,
    KeypadRejected,
    KeypadTimeout,
)
from devices.keypad.keys import Key, digit_of, key_named
from devices.keypad.pad import SerialKeypad, open_url
from devices.keypad.simulator import KeypadSimulator, SimulatedKeypad, open_sim_url
from devices.keypad.tech import discover, self_test
from devices.registry import open_device
from tests.helpers.device_fuzz import assert_own_error, mutated

FAST = "timeout=0.15&retries=1"  # for tests that wait for a timeout on purpose


@pytest.fixture
def sim() -> Iterator[KeypadSimulator]:
    """Keypad 4 on a pty line."""
    simulator = KeypadSimulator([4]).start()
    yield simulator
    simulator.stop()


@pytest.fixture
def keypad(sim: KeypadSimulator) -> Iterator[SerialKeypad]:
    """The driver of keypad 4."""
    driver = open_url(f"keypad://{sim.port}?addr=4&timeout=0.5&retries=1")
    yield driver
    driver.close()


def test_exact_frames() -> None:
    assert proto.encode_command(4, proto.STATUS) == bytes.fromhex("ff 68 02 02 68 04 50 54 16")
    assert proto.encode_poll(4, 0) == bytes.fromhex("ff 68 03 03 68 04 51 00 55 16")
    assert proto.encode_poll(4, 7) == bytes.fromhex("ff 68 03 03 68 04 51 07 5c 16")
    # LEDs green + amber, "A1", line break, "暂" (GB 2312 D4 DD)
    assert proto.encode_display(4, "A1", "暂", proto.LED_OPEN | proto.LED_BUSY) == \
        bytes.fromhex("ff 68 08 08 68 04 52 05 41 31 0a d4 dd") + bytes((
            (4 + 0x52 + 5 + 0x41 + 0x31 + 0x0A + 0xD4 + 0xDD) & 0xFF, 0x16))


def test_display_is_16_columns_of_gb2312() -> None:
    assert proto.fit("A012 办理中 / serving") == "A012 办理中 / se"  # 4+1+6+3+2 columns
    assert proto.fit("a\nb\tc") == "a?b?c"  # control characters would break the frame
    assert proto.fit("办理中办理中办理中") == "办理中办理中办理"  # 8 Chinese = 16 columns
    assert proto.fit("€5 😀") == "?5 ?"  # outside GB 2312
    for line in ("x" * 17, "办理中办理中办理中", "😀", "a\nb"):
        with pytest.raises(KeypadBadText) as info:
            proto.encode_display(4, line, "")
        assert info.value.code == "keypad.bad_text"
    with pytest.raises(KeypadBadText):
        proto.encode_display(4, "", "", leds=0x08)


def test_keys() -> None:
    assert key_named("call") is Key.CALL and key_named("No-Show") is Key.NO_SHOW
    assert key_named("7") is Key.DIGIT_7 and digit_of(Key.DIGIT_7) == 7
    assert digit_of(Key.FINISH) is None
    with pytest.raises(ValueError, match="no key"):
        key_named("launch")


def test_keys_come_in_order_once(sim: KeypadSimulator, keypad: SerialKeypad) -> None:
    assert keypad.poll_keys() == []
    for key in ("call", "recall", "start", "finish"):
        assert sim.press(key)
    assert keypad.poll_keys() == [Key.CALL, Key.RECALL, Key.START, Key.FINISH]
    assert keypad.poll_keys() == []
    assert not sim.keypads[4].queue  # acknowledged by the second poll
    assert keypad.state is DeviceState.READY


def test_more_than_a_reply_holds(sim: KeypadSimulator, keypad: SerialKeypad) -> None:
    keys = [Key(Key.DIGIT_0 + n % 10) for n in range(20)]
    for key in keys:
        sim.press(key)
    taken = keypad.poll_keys() + keypad.poll_keys() + keypad.poll_keys()
    assert taken == keys


def test_full_queue_ignores_keys(sim: KeypadSimulator, keypad: SerialKeypad) -> None:
    pressed = [sim.press("call") for _ in range(proto.QUEUE_SIZE + 2)]
    assert pressed.count(False) == 2 and sim.keypads[4].ignored == 2


@pytest.mark.allow_log("no reply on")
def test_lost_poll_reply_loses_no_key(sim: KeypadSimulator) -> None:
    driver = open_url(f"keypad://{sim.port}?addr=4&{FAST}")
    try:
        sim.press("no_show")
        sim.inject("no_ack", count=1)
        assert driver.poll_keys() == [Key.NO_SHOW]  # the retry got it again
        assert driver.poll_keys() == []
    finally:
        driver.close()


@pytest.mark.allow_log("bad reply on")
def test_garbled_reply_is_retried(sim: KeypadSimulator, keypad: SerialKeypad) -> None:
    sim.press("pause")
    sim.inject("bad_checksum", count=1)
    assert keypad.poll_keys() == [Key.PAUSE]


def test_display_shows_lines_and_leds(sim: KeypadSimulator, keypad: SerialKeypad) -> None:
    keypad.show("A012 办理中", "A012 serving", proto.LED_OPEN | proto.LED_BUSY)
    assert sim.display(4) == "A012 办理中 | A012 serving"
    assert sim.keypads[4].leds == proto.LED_OPEN | proto.LED_BUSY
    keypad.show("a very long line of text", "")
    assert sim.keypads[4].lines == ("a very long line", "")


@pytest.mark.allow_log("unknown key code")
def test_unknown_key_code_is_skipped(sim: KeypadSimulator, keypad: SerialKeypad) -> None:
    sim.press("call")
    pad = sim.keypads[4]
    pad.queue.append((pad.last_seq + 1, 0x7E))  # type: ignore[arg-type]  # a faulty keypad
    pad.last_seq += 1
    sim.press("finish")
    assert keypad.poll_keys() == [Key.CALL, Key.FINISH]
    assert not pad.queue or keypad.poll_keys() == []


@pytest.mark.allow_log("(no|bad) reply on")
def test_no_ack_is_a_typed_timeout_then_recovers(sim: KeypadSimulator) -> None:
    driver = open_url(f"keypad://{sim.port}?addr=4&{FAST}")
    try:
        sim.inject("no_ack")
        with pytest.raises(KeypadTimeout) as info:
            driver.poll_keys()
        assert info.value.code == "keypad.timeout" and driver.state is DeviceState.ERROR
        sim.inject(None)
        driver.check()
        assert driver.state is DeviceState.READY
    finally:
        driver.close()


def test_port_vanishing_is_disconnected(sim: KeypadSimulator, keypad: SerialKeypad) -> None:
    keypad.check()
    sim.unplug()
    with pytest.raises(KeypadDisconnected) as info:
        keypad.poll_keys()
    assert info.value.code == "keypad.disconnected"
    assert keypad.state is DeviceState.DISCONNECTED


def test_sim_url_auto_press_and_bad_params() -> None:
    keypad = open_device("sim://keypad?addr=5&auto=transfer&delay=0.01")
    assert isinstance(keypad, SimulatedKeypad)
    try:
        keypad.show("x", "y")
        deadline = time.monotonic() + 2
        while not keypad.simulator.keypads[5].queue and time.monotonic() < deadline:
            time.sleep(0.01)
        assert keypad.poll_keys() == [Key.TRANSFER]
    finally:
        keypad.close()
    for url in ("sim://keypad?auto=launch", "sim://keypad?delay=x", "sim://keypad?fault=fire",
                "keypad:///dev/ttyUSB0?addr=255", "keypad://", "led:///dev/ttyUSB0"):
        with pytest.raises(DeviceURLError):
            open_url(url) if url.startswith("led") else open_device(url)


def test_tech_self_test_reports_keys_pressed() -> None:
    report = self_test("sim://keypad?addr=4&auto=finish&delay=0.05")
    assert "status: OK" in report and "key: 办结 / Finish" in report
    assert "blank: OK" in report and "state: ready" in report
    for url, description in discover():
        assert url.startswith("keypad:///dev/") and description


# --- the keypad's replies, as the driver reads them ----------------------------------------

POLL_REPLIES = [busframe.encode(4, proto.POLL | busframe.REPLY, bytes((0, *events)))
                for events in ((), (1, 0x01), (1, 0x01, 2, 0x35), (9, 0x7E))]


def read_poll_reply(raw: bytes) -> list[tuple[int, Key | None]] | None:
    """What ``poll_keys`` makes of keypad 4's answer bytes (None when no reply is complete)."""
    frame = FrameReply(4, proto.POLL).feed(raw)
    if frame is None:
        return None
    return proto.events_of(proto.check_reply(4, frame))


@pytest.mark.parametrize(("data", "error"), [
    (b"", KeypadRejected),  # no status byte
    (b"\x02", KeypadRejected),  # status "bad data"
    (b"\x00\x01", KeypadBadReply),  # an event without its key
    (b"\x00\x00\x01", KeypadBadReply),  # sequence number 0
    (b"\x00" + bytes(range(1, 19)), KeypadBadReply),  # 9 events, at most 8
])
def test_malformed_poll_replies_are_typed(data: bytes, error: type[KeypadError]) -> None:
    with pytest.raises(error):
        read_poll_reply(busframe.encode(4, proto.POLL | busframe.REPLY, data))


@pytest.mark.allow_log("unknown key code")
@settings(max_examples=300, deadline=None)
@given(mutated(POLL_REPLIES) | st.binary(max_size=40))
def test_fuzz_poll_replies_only_typed_errors(raw: bytes) -> None:
    try:
        events = read_poll_reply(raw)
    except Exception as exc:  # noqa: BLE001 - the property is about what comes out
        assert_own_error(exc, (BusFrameError, KeypadError), ("bus", "keypad"))
        return
    assert events is None or all(1 <= seq <= 255 and (key is None or key in Key)
                                 for seq, key in events)


@settings(max_examples=200, deadline=None)
@given(st.tuples(st.text(max_size=20), st.text(max_size=20), st.integers(0, 7)))
def test_display_round_trip(lines: tuple[str, str, int]) -> None:
    line1, line2, leds = proto.fit(lines[0]), proto.fit(lines[1]), lines[2]
    raw = proto.encode_display(4, line1, line2, leds)
    frame = busframe.decode(raw)
    assert proto.decode_display(frame.data) == (line1, line2, leds)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.just("press"), st.just("poll"), st.just("lost")), max_size=60))
def test_every_key_reaches_the_host_once_in_order(steps: list[str]) -> None:
    """Presses and polls in any order, any poll reply lost: the host gets each key once."""
    simulator = KeypadSimulator([4])
    try:
        pressed: list[Key] = []
        taken: list[Key] = []
        ack = 0
        for n, step in enumerate(steps + ["poll"] * 8):
            if step == "press":
                key = Key(Key.DIGIT_0 + n % 10)
                if simulator.press(key):
                    pressed.append(key)
                continue
            reply = Frame(4, proto.POLL | busframe.REPLY,
                          simulator.handle(4, Frame(4, proto.POLL, bytes((ack,)))))
            if step == "lost":
                continue  # the keypad dropped what ack named; the host never saw the reply
            for seq, key in proto.events_of(proto.check_reply(4, reply)):
                ack = seq
                assert key is not None
                taken.append(key)
        assert taken == pressed
    finally:
        simulator.stop()


@pytest.mark.allow_log("(no|bad) reply on", "closing .* failed")
def test_sim_url_fault_is_a_typed_bus_error() -> None:
    keypad = open_sim_url("sim://keypad?addr=4&fault=bad_checksum&timeout=0.05&retries=0")
    try:
        with pytest.raises(BusChecksumError) as info:
            keypad.poll_keys()
        assert info.value.code == "bus.checksum" and keypad.state is DeviceState.ERROR
    finally:
        keypad.close()
