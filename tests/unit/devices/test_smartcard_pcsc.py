"""The pyscard driver through a real pcscd and vpcd, with the virtual card on the other side."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from devices.base import DeviceState
from devices.registry import open_device
from devices.smartcard import service, tech
from devices.smartcard.errors import (
    ApduFailed,
    BadApdu,
    CardRemoved,
    CardTimeout,
    NoCard,
    NoReader,
    ServiceDown,
)
from devices.smartcard.pcsc import PcscReader
from devices.smartcard.vcard import (
    DEFAULT_ATR,
    DEFAULT_UID,
    EF_CARD_INFO,
    EF_HOLDER,
    VirtualCard,
    sample_files,
)

FILES = sample_files()


def wait_until(check: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def test_insert_and_remove_call_back_through_pcscd(vcard: VirtualCard,
                                                   vpcd_reader: PcscReader) -> None:
    events: list[tuple[object, ...]] = []
    states: list[tuple[DeviceState, DeviceState]] = []
    vpcd_reader.on_inserted(lambda atr, uid: events.append(("inserted", atr, uid)))
    vpcd_reader.on_removed(lambda: events.append(("removed",)))
    vpcd_reader.on_state_change(lambda old, new: states.append((old, new)))
    assert vpcd_reader.reader_name == "Virtual PCD 00 00"
    assert vpcd_reader.state is DeviceState.CARD_ABSENT

    vcard.insert()
    wait_until(lambda: len(events) == 1)
    assert events == [("inserted", DEFAULT_ATR, DEFAULT_UID.hex().upper())]
    assert vpcd_reader.state is DeviceState.CARD_PRESENT
    assert vpcd_reader.atr == DEFAULT_ATR

    vcard.remove()
    wait_until(lambda: len(events) == 2)
    assert events[1] == ("removed",)
    assert vpcd_reader.state is DeviceState.CARD_ABSENT
    assert vpcd_reader.atr is None
    assert states == [(DeviceState.CARD_ABSENT, DeviceState.CARD_PRESENT),
                      (DeviceState.CARD_PRESENT, DeviceState.CARD_ABSENT)]


def test_card_already_present_at_open_is_reported(vcard: VirtualCard, pcscd: object) -> None:
    vcard.insert()
    reader = PcscReader("pcsc://", "Virtual PCD 00 00")
    seen: list[str | None] = []
    reader.on_inserted(lambda atr, uid: seen.append(uid))
    try:
        assert reader.wait_for_card(3.0) == DEFAULT_ATR
        assert reader.state is DeviceState.CARD_PRESENT
        assert seen == [DEFAULT_UID.hex().upper()]
    finally:
        reader.close()


def test_read_uid_sends_the_pcsc_pseudo_apdu(vcard: VirtualCard, vpcd_reader: PcscReader) -> None:
    vcard.insert()
    vpcd_reader.wait_for_card(3.0)
    vcard.apdus.clear()
    assert vpcd_reader.read_uid() == "04A1B2C3D4E5F6"
    assert vcard.apdus == [(bytes.fromhex("FFCA000000"), DEFAULT_UID + b"\x90\x00")]


def test_read_file_selects_then_reads_in_chunks(vcard: VirtualCard,
                                                vpcd_reader: PcscReader) -> None:
    vcard.insert()
    vpcd_reader.wait_for_card(3.0)
    vcard.apdus.clear()
    content = vpcd_reader.read_file(EF_HOLDER)
    assert content == FILES[EF_HOLDER]
    assert content.startswith("姓名=测试用户\n".encode())
    size = len(FILES[EF_HOLDER])
    assert [command.hex().upper() for command, _ in vcard.apdus] == [
        "00A4000002000500",           # SELECT the EF, FCP wanted
        "00C000000D",                 # GET RESPONSE after 61 0D
        "00B00000E0",                 # READ BINARY chunks of 224 bytes
        "00B000E0E0",
        f"00B001C0{size - 0x1C0:02X}",  # the rest, as the FCP's size says
    ]
    assert vpcd_reader.read_file(EF_CARD_INFO, 9) == FILES[EF_CARD_INFO][:9]


def test_transmit_follows_6cxx_with_the_right_le(vcard: VirtualCard,
                                                 vpcd_reader: PcscReader) -> None:
    vcard.insert()
    vpcd_reader.wait_for_card(3.0)
    vpcd_reader.transmit(bytes.fromhex("00A4000C02") + EF_CARD_INFO)
    vcard.apdus.clear()
    size = len(FILES[EF_CARD_INFO])
    data, sw1, sw2 = vpcd_reader.transmit(bytes.fromhex("00B0000000"))  # Le=256: too many
    assert (data, sw1, sw2) == (FILES[EF_CARD_INFO], 0x90, 0x00)
    assert [c.hex().upper() for c, _ in vcard.apdus] == ["00B0000000", f"00B00000{size:02X}"]


def test_failing_status_word_is_typed_and_reader_recovers(vcard: VirtualCard,
                                                          vpcd_reader: PcscReader) -> None:
    vcard.insert()
    vpcd_reader.wait_for_card(3.0)
    assert vpcd_reader.transmit(bytes.fromhex("00A4000C029999")) == (b"", 0x6A, 0x82)
    with pytest.raises(ApduFailed) as err:
        vpcd_reader.read_file(b"\x99\x99")
    assert err.value.code == "smartcard.apdu_failed"
    assert err.value.sw == 0x6A82
    assert "SW=6A82" in err.value.detail and "file not found" in err.value.detail
    with pytest.raises(BadApdu):
        vpcd_reader.transmit(b"\x00\xa4")
    with pytest.raises(BadApdu):
        vpcd_reader.read_file(b"\x00\x05\x00")
    assert vpcd_reader.read_file(EF_CARD_INFO) == FILES[EF_CARD_INFO]


def test_card_removed_mid_read_then_next_read_works(vcard: VirtualCard,
                                                    vpcd_reader: PcscReader) -> None:
    removed: list[bool] = []
    vpcd_reader.on_removed(lambda: removed.append(True))
    vcard.insert()
    vpcd_reader.wait_for_card(3.0)
    vcard.remove_during_apdu(3)  # SELECT, GET RESPONSE answered; pulled during READ BINARY
    with pytest.raises(CardRemoved) as err:
        vpcd_reader.read_file(EF_HOLDER)
    assert err.value.code == "smartcard.removed"
    assert vcard.apdus[-1] == (bytes.fromhex("00B00000E0"), b"")
    assert vpcd_reader.state is DeviceState.CARD_ABSENT
    wait_until(lambda: removed == [True])
    with pytest.raises(NoCard):
        vpcd_reader.read_uid()

    vcard.insert()
    vpcd_reader.wait_for_card(3.0)
    assert vpcd_reader.read_file(EF_HOLDER) == FILES[EF_HOLDER]


def test_mute_card_times_out_and_reader_recovers(vcard: VirtualCard, pcscd: object) -> None:
    reader = PcscReader("pcsc://", "Virtual PCD 00 00", timeout=0.5)
    try:
        vcard.insert()
        reader.wait_for_card(3.0)
        vcard.hang_next_apdu()
        with pytest.raises(CardTimeout) as err:
            reader.read_uid()
        assert err.value.code == "smartcard.timeout"
        vcard.remove()
        wait_until(lambda: reader.state is DeviceState.CARD_ABSENT)
        vcard.insert()
        reader.wait_for_card(3.0)
        assert reader.read_uid() == DEFAULT_UID.hex().upper()
    finally:
        reader.close()


def test_no_card_and_wait_timeout(vcard: VirtualCard, vpcd_reader: PcscReader) -> None:
    with pytest.raises(NoCard) as err:
        vpcd_reader.read_uid()
    assert err.value.code == "smartcard.no_card"
    with pytest.raises(NoCard):
        vpcd_reader.wait_for_card(0.2)


def test_unknown_reader_is_a_clear_error(pcscd: object) -> None:
    reader = open_device("pcsc://?reader=No%20Such%20Reader")
    with pytest.raises(NoReader) as err:
        reader.open()
    assert err.value.code == "smartcard.no_reader"
    assert "Virtual PCD 00 00" in err.value.detail  # tells the technician what exists
    assert reader.state is DeviceState.DISCONNECTED
    reader.close()


def test_pcscd_not_running_is_service_down() -> None:
    # libpcsclite reads its socket path from PCSCLITE_CSOCK_NAME: point it at nothing
    script = ("from devices.smartcard.pcsc import open_url\n"
              "r = open_url('pcsc://')\n"
              "try:\n    r.open()\nexcept Exception as e:\n"
              "    print(e.code, r.state.value)\n")
    env = dict(os.environ, PCSCLITE_CSOCK_NAME="/nonexistent/pcscd.comm")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=30, check=True)
    assert out.stdout.split() == ["smartcard.service_down", "disconnected"]


@pytest.mark.allow_log("smartcard reader .* lost")
def test_pcscd_restart_is_survived(vcard: VirtualCard, pcscd: service.PcscdService) -> None:
    if not pcscd.started_here:
        pytest.skip("pcscd is the system's service, not ours to stop")
    reader = PcscReader("pcsc://", "Virtual PCD 00 00", poll_interval=0.1)
    try:
        vcard.insert()
        reader.wait_for_card(3.0)
        pcscd.stop()
        wait_until(lambda: reader.state is DeviceState.DISCONNECTED)
        with pytest.raises(ServiceDown) as err:
            reader.read_uid()
        assert err.value.code == "smartcard.service_down"
        pcscd.process = service.ensure_pcscd().process  # the session fixture stops it
        vcard.insert()
        reader.wait_for_card(5.0)
        assert reader.read_uid() == DEFAULT_UID.hex().upper()
    finally:
        reader.close()


def test_sim_url_gives_a_ready_reader_with_its_card(pcscd: object) -> None:
    reader = open_device("sim://smartcard?uid=0102030405060708")
    try:
        assert isinstance(reader.simulator, VirtualCard)
        assert reader.state is DeviceState.CARD_PRESENT
        assert reader.read_uid() == "0102030405060708"
        reader.simulator.remove()
        wait_until(lambda: reader.state is DeviceState.CARD_ABSENT)
        reader.simulator.insert()
        reader.wait_for_card(3.0)
    finally:
        reader.close()
    assert not reader.simulator.inserted


def test_tech_discover_and_self_test(vcard: VirtualCard, pcscd: object) -> None:
    found = dict(tech.discover())
    url = "pcsc://?reader=Virtual%20PCD%2000%2000"
    assert url in found and "Virtual PCD 00 00" in found[url]
    vcard.insert()
    report = tech.self_test(url)
    assert "ATR: 3B 8B 80 01 48 41 4C 4C 51 2D 56 43 41 52 44 3D" in report
    assert "UID: 04A1B2C3D4E5F6" in report
