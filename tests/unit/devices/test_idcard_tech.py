"""Technician glue of the ID-card reader: discovery, self-test, JSON read, standalone simulator."""

import argparse
import base64
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from serial.tools.list_ports_common import ListPortInfo

from devices import techkit
from devices.base import DeviceError
from devices.idcard import tech
from devices.idcard.samples import FOREIGN, RESIDENT
from devices.idcard.serial_reader import open_url

REPO = Path(__file__).resolve().parents[3]


def port(device, vid=None, pid=None, description="USB Serial"):
    info = ListPortInfo(device, skip_link_detection=True)
    info.vid, info.pid, info.description = vid, pid, description
    return info


def test_discover_reports_serial_ports_as_ga467_urls(monkeypatch):
    monkeypatch.setattr(techkit.list_ports, "comports", lambda: [
        port("/dev/ttyUSB0", 0x1A86, 0x7523, "USB2.0-Serial"), port("/dev/ttyS0")])
    found = tech.discover()
    assert [url for url, _ in found] == ["ga467:///dev/ttyS0?baud=115200",
                                         "ga467:///dev/ttyUSB0?baud=115200"]
    assert "USB 1a86:7523" in found[1][1] and "common in ID-card readers" in found[1][1]


def test_self_test_prints_masked_fields_only():
    report = tech.self_test("sim://idcard?card=resident")
    assert "SAM status: 0x90" in report
    assert "05.01-20230615-0000012345-0123456789" in report
    assert "4403**********123X" in report and "张*" in report
    assert "44030419900307123X" not in report and "张三" not in report
    assert "card_present" in report


def test_self_test_without_card():
    assert "no card on the reader" in tech.self_test("sim://idcard?card=none")


def test_self_test_of_absent_reader_raises_device_error(tmp_path):
    with pytest.raises(DeviceError) as err:
        tech.self_test(f"ga467://{tmp_path}/ttyGONE")
    assert err.value.code == "idcard.disconnected"


def test_read_json_masks_by_default():
    data = tech.read_json("sim://idcard?card=resident")
    assert data["present"] is True
    assert data["id_number"] == "4403**********123X"
    assert data["name"] == "张*"
    assert data["nation"] == "汉" and data["sex"] == "男"
    assert data["valid_until"] == "2035-06-01"
    assert base64.b64decode(data["photo_wlt"]) == RESIDENT.photo_wlt
    assert data["photo_image"] is None and "WLT" in data["photo_reason"]
    assert data["fingerprint"] is None


def test_read_json_with_personal_data_and_fingerprint():
    data = tech.read_json("sim://idcard?card=resident", include_personal=True, fingerprint=True)
    assert data["id_number"] == "44030419900307123X"
    assert data["name"] == "张三"
    assert base64.b64decode(data["fingerprint"]) == RESIDENT.fingerprint


def test_read_json_without_card():
    assert tech.read_json("sim://idcard?card=none") == {"url": "sim://idcard?card=none",
                                                         "present": False}


def test_sim_arguments():
    parser = argparse.ArgumentParser()
    tech.add_sim_arguments(parser)
    args = parser.parse_args(["--card", "hmt", "--pace", "--baud", "9600"])
    assert (args.card, args.pace, args.baud) == ("hmt", True, 9600)
    with pytest.raises(SystemExit):
        parser.parse_args(["--card", "passport"])


def test_run_sim_serves_a_pty_until_sigterm():
    code = ("import argparse, sys\n"
            "from devices.idcard import tech\n"
            "parser = argparse.ArgumentParser(); tech.add_sim_arguments(parser)\n"
            "sys.exit(tech.run_sim(parser.parse_args(['--card', 'foreign'])))\n")
    with subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE,
                          text=True) as proc:
        assert proc.stdout is not None
        url = ""
        for line in proc.stdout:
            if line.startswith("URL: "):
                url = line[5:].strip()
                break
        assert url.startswith("ga467:///")
        reader = open_url(url)
        try:
            assert reader.read_card() == FOREIGN
        finally:
            reader.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
