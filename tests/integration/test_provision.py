"""A technician makes a kiosk with ``hallq pair --code`` on the hall and ``hallq provision`` on
the box, against a real hall node on 127.0.0.1 with simulated devices: one 0600 config whose
token works, the same bytes after a second run, and nothing written when the code is wrong,
expired or used."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from hall.client import HallClient
from hall.store import Store
from hallq.cli import main
from tests.helpers.clocks import DatetimeClock
from tests.helpers.hall_servers import Hall
from ui.app_config import load_app_config

HALLQ = Path(sys.executable).with_name("hallq")
SIM_KIOSK = """\
role = "kiosk"
name = "kiosk-door"

[devices]
idcard = "sim://idcard"
printer = "sim://printer"
camera = "sim://camera"
"""


def _data_dir(hall: Hall) -> Path:
    return Path(hall.server.node.store.path).parent


def _code(hall: Hall, capsys: pytest.CaptureFixture[str], *flags: str) -> str:
    """A code made as the technician does on the hall's server: ``hallq pair --code``."""
    assert main(["pair", "--role", "kiosk", "--code", "--json", "--data-dir",
                 str(_data_dir(hall)), *flags]) == 0
    return str(json.loads(capsys.readouterr().out)["code"])


def _provision(hall: Hall, tmp_path: Path, code: str, monkeypatch: pytest.MonkeyPatch,
               config_dir: str = "etc") -> int:
    answers = tmp_path / "answers.toml"
    answers.write_text(SIM_KIOSK)
    monkeypatch.setattr(sys, "stdin", io.StringIO(code + "\n"))
    return main(["provision", "--role", "kiosk", "--url", hall.url, "--code-stdin",
                 "--answers", str(answers), "--config-dir", str(tmp_path / config_dir)])


def test_a_kiosk_is_provisioned_by_code_and_a_second_run_changes_nothing(
        hall: Hall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    code = _code(hall, capsys)
    assert len(code) == 6 and code.isdigit()
    assert _provision(hall, tmp_path, code, monkeypatch) == 0
    out = capsys.readouterr().out
    for device in ("身份证阅读器 / ID-card reader sim://idcard: 通过 / passed",
                   "小票打印机 / ticket printer sim://printer: 通过 / passed",
                   "扫码摄像头 / QR camera sim://camera: 通过 / passed"):
        assert device in out
    written = tmp_path / "etc" / "kiosk.toml"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    config = load_app_config(written)
    assert (config.role, config.name, config.hall_id) == ("kiosk", "kiosk-door",
                                                          hall.config.hall_id)
    assert config.devices.printer == "sim://printer" and config.url == hall.url
    assert config.token not in out                                  # never printed
    with HallClient(hall.url, config.token) as client:
        assert client.hall()["device"]["name"] == "kiosk-door"
    paired = [e for e in hall.client("admin").events()["events"]
              if e["kind"] == "device.paired"]
    assert [e["data"] for e in paired] == [{"name": "kiosk-door", "role": "kiosk",
                                            "window": None}]
    unit_env = (tmp_path / "etc" / "kiosk.env").read_text()
    assert f"HALLQ_KIOSK_ARGS=--config {written}\n" in unit_env    # hallq-kiosk.service reads it
    first = written.read_bytes()
    assert _provision(hall, tmp_path, "000000", monkeypatch) == 0    # the code is not needed
    assert "already provisioned" in capsys.readouterr().out
    assert written.read_bytes() == first
    assert (tmp_path / "etc" / "kiosk.env").read_text() == unit_env
    assert not list((tmp_path / "etc").glob(".*"))                   # no partial file left


def test_the_app_starts_from_the_written_config(
        hall: Hall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert _provision(hall, tmp_path, _code(hall, capsys), monkeypatch) == 0
    done = subprocess.run(
        [str(HALLQ), "kiosk", "--config", str(tmp_path / "etc" / "kiosk.toml"),
         "--exit-after-first-paint"], capture_output=True, text=True, timeout=90,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "HALLQ_TOKEN": ""})
    assert done.returncode == 0, done.stderr
    assert "kiosk-door" in hall.server.node.device_book.apps()      # its heartbeat came in


@pytest.mark.parametrize("why", ["wrong", "expired", "used"])
def test_a_bad_code_writes_nothing(why: str, hall: Hall, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    store = hall.server.node.store
    now = hall.server.node.clock().timestamp()
    if why == "wrong":
        code = "123456" if _code(hall, capsys) != "123456" else "654321"
    elif why == "expired":
        code = store.add_pairing_code("kiosk", None, None, now - 601)
    else:
        code = _code(hall, capsys)
        assert _provision(hall, tmp_path, code, monkeypatch, config_dir="first") == 0
        capsys.readouterr()
    assert _provision(hall, tmp_path, code, monkeypatch) == 1
    err = capsys.readouterr().err
    assert "配对码错误、已过期或已使用 / The pairing code is wrong, expired or already used" in err
    assert "nothing written" in err
    assert not (tmp_path / "etc" / "kiosk.toml").exists()


def test_eleven_tries_a_minute_answer_429(hall: Hall) -> None:
    http = hall.http()
    answers = [http.post("/api/v1/pairing/claim", json={"code": f"{n:06d}", "name": "x"})
               for n in range(11)]
    assert [a.status_code for a in answers] == [401] * 10 + [429]
    assert answers[0].json()["code"] == "unauthorized"
    assert answers[10].json()["message_zh"].startswith("配对尝试过于频繁")


def test_thirty_wrong_codes_void_the_open_ones_and_tell_the_supervisor(
        start_hall: Callable[..., Hall], hall_clock: DatetimeClock) -> None:
    hall = start_hall(clock=hall_clock)
    node = hall.server.node
    open_code = node.store.add_pairing_code("kiosk", None, "kiosk-x", node.clock().timestamp())
    wrong = "000001" if open_code != "000001" else "000002"
    http = hall.http()
    for _ in range(3):                     # ten a minute from this address, three minutes
        for _ in range(10):
            assert http.post("/api/v1/pairing/claim",
                             json={"code": wrong, "name": "x"}).status_code == 401
        hall_clock.advance(61)
    claimed = http.post("/api/v1/pairing/claim", json={"code": open_code, "name": "x"})
    assert claimed.status_code == 401                                # voided
    abused = [e["data"] for e in hall.client("admin").events()["events"]
              if e["kind"] == "pairing.abused"]
    assert abused == [{"wrong_claims": 30, "period_s": 600.0, "voided": 1,
                       "client": "127.0.0.1"}]


def test_a_supervisor_makes_codes_for_devices_but_not_for_admins(hall: Hall) -> None:
    supervisor = hall.http("supervisor")
    made = supervisor.post("/api/v1/pairing/codes", json={"role": "caller", "window": "3"})
    assert made.status_code == 201 and made.json()["window"] == "3"
    claimed = hall.http().post("/api/v1/pairing/claim",
                               json={"code": made.json()["code"], "name": "console-3b"})
    assert claimed.status_code == 200
    assert (claimed.json()["role"], claimed.json()["window"]) == ("caller", "3")
    assert supervisor.post("/api/v1/pairing/codes", json={"role": "admin"}).status_code == 403
    assert supervisor.post("/api/v1/pairing/codes",
                           json={"role": "caller", "window": "99"}).status_code == 404
    assert hall.http("kiosk").post("/api/v1/pairing/codes",
                                   json={"role": "kiosk"}).status_code == 403
    taken = supervisor.post("/api/v1/pairing/codes", json={"role": "kiosk"}).json()["code"]
    again = hall.http().post("/api/v1/pairing/claim", json={"code": taken, "name": "test-kiosk"})
    assert again.status_code == 409 and again.json()["code"] == "conflict"


def test_pair_refuses_a_window_the_hall_has_not_and_a_name_taken(
        hall: Hall, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(_data_dir(hall))
    assert main(["pair", "--role", "caller", "--window", "99", "--data-dir", data]) == 2
    err = capsys.readouterr().err
    assert "本厅没有 99 号窗口 / the hall has no window 99 (windows: 1, 2, 3" in err
    assert main(["pair", "--role", "kiosk", "--name", "test-kiosk", "--data-dir", data]) == 2
    assert "a device named test-kiosk is paired already" in capsys.readouterr().err
    store = Store(Path(data) / "hall.sqlite3")
    try:
        assert not [d for d in store.devices() if d["window"] == "99"]
    finally:
        store.close()


def test_pair_without_a_hall_database_creates_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nowhere = tmp_path / "var" / "hall"
    assert main(["pair", "--role", "kiosk", "--code", "--data-dir", str(nowhere)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "没有大厅数据库 / no hall database" in captured.err
    assert "/var/lib/hallq on an installed hall" in captured.err
    assert not (tmp_path / "var").exists()

