"""The GA 467 driver through pyserial against the simulator on a real pty."""

import dataclasses
import time

import pytest

from devices.base import DeviceState, DeviceURLError
from devices.idcard import protocol as p
from devices.idcard.samples import HMT, RESIDENT, SAMPLE_CARDS
from devices.idcard.serial_reader import Ga467SerialReader, open_url
from devices.idcard.simulator import IdCardSimulator
from devices.registry import open_device

FIND = p.encode_request(*p.FIND_CARD)
SELECT = p.encode_request(*p.SELECT_CARD)
READ = p.encode_request(*p.READ_BASE)


@pytest.fixture
def sim():
    simulator = IdCardSimulator(RESIDENT)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def reader(sim):
    driver = open_url(f"ga467://{sim.link}?baud=115200")
    yield driver
    driver.close()


def without_fingerprint(card):
    return dataclasses.replace(card, fingerprint=None)


@pytest.mark.parametrize("name", sorted(SAMPLE_CARDS))
def test_full_read_of_every_card_type(sim, reader, name):
    sim.insert(SAMPLE_CARDS[name])
    info = reader.read_card()
    assert info == without_fingerprint(SAMPLE_CARDS[name])
    assert reader.state is DeviceState.CARD_PRESENT


def test_the_driver_writes_find_select_read_exactly(sim, reader):
    reader.read_card()
    assert bytes(sim.received) == FIND + SELECT + READ
    assert bytes(sim.received).hex(" ").upper().startswith("AA AA AA 96 69 00 03 20 01 22")


def test_read_with_fingerprint(sim, reader):
    info = reader.read_card_with_fingerprint()
    assert info is not None
    assert info.fingerprint == RESIDENT.fingerprint and len(info.fingerprint) == 1024
    assert bytes(sim.received)[-10:] == bytes.fromhex("AA AA AA 96 69 00 03 30 10 23")


def test_fingerprint_read_of_a_card_without_fingerprint(sim, reader):
    sim.insert(HMT)
    info = reader.read_card_with_fingerprint()
    assert info == HMT and info.fingerprint is None


def test_no_card_returns_none(sim, reader):
    sim.remove()
    assert reader.read_card() is None
    assert reader.state is DeviceState.CARD_ABSENT
    assert bytes(sim.received) == FIND


def test_state_changes_are_reported(sim, reader):
    changes = []
    reader.on_state_change(lambda old, new: changes.append((old, new)))
    reader.read_card()
    sim.remove()
    reader.read_card()
    S = DeviceState
    assert changes == [(S.UNKNOWN, S.BUSY), (S.BUSY, S.CARD_PRESENT),
                       (S.CARD_PRESENT, S.BUSY), (S.BUSY, S.CARD_ABSENT)]


def test_card_pulled_mid_read_then_next_read_works(sim, reader):
    sim.pull_card_mid_read("status")
    with pytest.raises(p.ReadFailedError) as err:
        reader.read_card()
    assert err.value.code == "idcard.read_failed"
    assert reader.state is DeviceState.CARD_ABSENT
    assert reader.read_card() is None  # the card is gone
    sim.insert(RESIDENT)
    assert reader.read_card() == without_fingerprint(RESIDENT)


def test_frame_cut_off_mid_read_then_next_read_works(sim, reader):
    sim.pull_card_mid_read("truncate")
    started = time.monotonic()
    with pytest.raises(p.TruncatedFrameError) as err:
        reader.read_card(timeout=0.4)
    assert time.monotonic() - started < 1.5
    assert err.value.code == "idcard.truncated"
    assert reader.state is DeviceState.ERROR
    sim.insert(RESIDENT)
    assert reader.read_card() == without_fingerprint(RESIDENT)
    assert reader.state is DeviceState.CARD_PRESENT


def test_bad_checksum_on_the_big_answer_then_next_read_works(sim, reader):
    sim.corrupt_next_checksum(p.READ_BASE)
    with pytest.raises(p.ChecksumError) as err:
        reader.read_card()
    assert err.value.code == "idcard.checksum"
    assert reader.state is DeviceState.ERROR
    assert reader.read_card() == without_fingerprint(RESIDENT)


def test_garbage_before_a_frame_is_skipped(sim, reader):
    sim.send_garbage(b"\x00\xff\x55garbage\xaa\xaa\x96")
    assert reader.read_card() == without_fingerprint(RESIDENT)


def test_select_failure_is_typed(sim, reader):
    sim.fail_next(p.SELECT_CARD, p.SW_SELECT_FAILED)
    with pytest.raises(p.SelectFailedError) as err:
        reader.read_card()
    assert err.value.code == "idcard.select_failed"
    assert reader.read_card() is not None


def test_authentication_failure_is_typed(sim, reader):
    sim.fail_next(p.READ_BASE, p.SW_SAM_AUTH_CARD_FAILED)
    with pytest.raises(p.AuthFailedError) as err:
        reader.read_card()
    assert err.value.code == "idcard.auth_failed"
    assert reader.state is DeviceState.ERROR


@pytest.mark.allow_log("no reply on", "ID-card reader on .* lost")
def test_reader_unplugged_then_plugged_back(sim, reader):
    assert reader.read_card() is not None
    sim.unplug()
    with pytest.raises(p.IdCardDisconnected) as err:
        reader.read_card()
    assert err.value.code == "idcard.disconnected"
    assert reader.state is DeviceState.DISCONNECTED
    with pytest.raises(p.IdCardDisconnected):  # still away: the reopen fails cleanly
        reader.read_card()
    assert reader.state is DeviceState.DISCONNECTED
    sim.plug_in()
    assert reader.read_card() == without_fingerprint(RESIDENT)
    assert reader.state is DeviceState.CARD_PRESENT


def test_missing_port_is_disconnected(tmp_path):
    driver = open_url(f"ga467://{tmp_path}/ttyNOPE")
    with pytest.raises(p.IdCardDisconnected):
        driver.read_card()
    assert driver.state is DeviceState.DISCONNECTED
    driver.close()


def test_silent_reader_times_out():
    silent = IdCardSimulator(RESIDENT)  # never started: nobody answers
    driver = Ga467SerialReader("ga467://silent", silent.link)
    try:
        started = time.monotonic()
        with pytest.raises(p.IdCardTimeout) as err:
            driver.read_card(timeout=0.3)
        assert 0.25 < time.monotonic() - started < 1.0
        assert err.value.code == "idcard.timeout"
        assert driver.state is DeviceState.ERROR
    finally:
        driver.close()
        silent.stop()


def test_sam_id_status_and_reset(sim, reader):
    assert reader.sam_id() == "05.01-20230615-0000012345-0123456789"
    assert reader.sam_status() == "0x90 操作成功 / success"
    reader.reset_sam()
    assert [r.name for r in sim.requests] == ["read_sam_id", "sam_status", "reset_sam"]
    assert reader.state is DeviceState.CARD_ABSENT


def test_sam_fault_is_reported_and_clears(sim, reader):
    sim.sam_fault = p.SW_SELF_TEST_FAILED
    with pytest.raises(p.SamError) as err:
        reader.sam_status()
    assert err.value.code == "idcard.sam_error"
    assert "0x60" in str(err.value)
    with pytest.raises(p.SamError):
        reader.read_card()
    assert reader.state is DeviceState.ERROR
    sim.sam_fault = None
    assert reader.read_card() is not None


def test_appended_address(sim, reader):
    assert reader.read_appended_address() is None
    sim.insert(RESIDENT, appended_address="广东省深圳市样例区新地址9号")
    assert reader.read_appended_address() == "广东省深圳市样例区新地址9号"
    sim.remove()
    with pytest.raises(p.NoCardError):
        reader.read_appended_address()


def test_open_checks_the_port_early(sim):
    driver = open_url(f"ga467://{sim.link}")
    try:
        driver.open()
        assert driver.state is DeviceState.CARD_ABSENT
        assert driver.baudrate == 115200
    finally:
        driver.close()


@pytest.mark.parametrize("url", ["ga467://", "ga467:///dev/ttyUSB0?baud=fast",
                                 "ga467:///dev/ttyUSB0?baud=0"])
def test_bad_urls(url):
    with pytest.raises(DeviceURLError):
        open_url(url)


def test_sim_url_gives_a_wired_driver():
    reader = open_device("sim://idcard?card=hmt")
    try:
        assert reader.read_card() == HMT
        reader.simulator.remove()
        assert reader.read_card() is None
        reader.simulator.insert(RESIDENT)
        assert reader.read_card().card_type.label == "resident"
    finally:
        reader.close()
    assert reader.simulator._master == -1  # closing the driver stopped the simulator


def test_sim_url_without_card_and_bad_card():
    with open_device("sim://idcard?card=none") as reader:
        assert reader.read_card() is None
    with pytest.raises(DeviceURLError):
        open_device("sim://idcard?card=passport")


def test_paced_simulator_takes_the_wire_time():
    reader = open_device("sim://idcard?card=resident&pace=1&baud=115200")
    try:
        started = time.monotonic()
        assert reader.read_card() is not None
        took = time.monotonic() - started
    finally:
        reader.close()
    wire = (30 + 15 + 19 + 1295) * 10 / 115200  # both directions, 10 bits a byte
    assert wire * 0.9 < took < wire + 0.5
