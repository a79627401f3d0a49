"""The ``hallq`` command as a technician uses it: help that says what each command is for,
pairing a device, asking a node for its health."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from hall.config import HallConfig
from hall.net import free_port
from hall.node import HallNode
from hall.server import HallServer
from hall.store import ROLES, PairedDevice, Store
from hallq.cli import PAIR_ROLE_NAMES, main
from hallq.demo import demo_config

HALLQ = Path(sys.executable).with_name("hallq")


def _device(data_dir: Path, token: str) -> PairedDevice | None:
    store = Store(data_dir / "hall.sqlite3")
    try:
        return store.device_for(token)
    finally:
        store.close()


@pytest.fixture
def hall_data(tmp_path: Path, example_config: HallConfig) -> Path:
    """The data directory of the example hall whose node has started once."""
    data = tmp_path / "hall"
    HallNode(example_config, data).store.close()
    return data


def test_installed_hallq_help_lists_the_commands() -> None:
    done = subprocess.run([str(HALLQ), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: hallq")
    assert "政务服务大厅" in done.stdout
    for command, says in (("hall", "run a hall node"), ("pair", "pair a device"),
                          ("demo", "a whole hall in one process"),
                          ("status", "health of a hall node")):
        line = next(ln for ln in done.stdout.splitlines() if ln.strip().startswith(command + " "))
        assert says in line
    assert done.stderr == ""


def test_no_command_prints_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert "hallq pair --role caller --window 3" in capsys.readouterr().out


def test_pair_help_names_the_roles(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["pair", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "{kiosk,caller,desk,supervisor,display,sync,admin}" in out and "--window" in out
    assert "服务台" in out and "大厅管理" in out


def test_pair_a_caller_console_of_window_3(hall_data: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    data = hall_data
    assert main(["pair", "--role", "caller", "--window", "3", "--data-dir", str(data)]) == 0
    token = capsys.readouterr().out.strip()
    assert len(token) >= 24 and "\n" not in token
    assert _device(data, token) == PairedDevice("caller-3", "caller", "3")
    assert _device(data, token[::-1]) is None


def test_pair_as_json_with_a_name(hall_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = hall_data
    assert main(["pair", "--role", "display", "--name", "wall-east", "--json",
                 "--data-dir", str(data)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["role"] == "display" and printed["window"] is None
    assert _device(data, printed["token"]) == PairedDevice("wall-east", "display", None)


def test_a_lost_console_is_listed_and_revoked_by_name(tmp_path: Path, hall_data: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    data = hall_data
    tokens = {}
    for name in ("console-3", "kiosk-door"):
        assert main(["pair", "--role", "caller" if name == "console-3" else "kiosk",
                     "--window", "3", "--name", name, "--data-dir", str(data)]) == 0
        tokens[name] = capsys.readouterr().out.strip()
    assert main(["revoke", "console-3", "--data-dir", str(data)]) == 0
    assert "revoked 1 device" in capsys.readouterr().out
    assert _device(data, tokens["console-3"]) is None                    # refused from now on
    assert _device(data, tokens["kiosk-door"]) == PairedDevice("kiosk-door", "kiosk", "3")
    assert main(["paired", "--data-dir", str(data)]) == 0
    listed = capsys.readouterr().out
    assert "console-3" in listed and "REVOKED" in listed and "kiosk-door" in listed
    assert all(token not in listed for token in tokens.values())         # never the token
    assert main(["paired", "--json", "--data-dir", str(data)]) == 0
    assert [(d["name"], d["revoked"]) for d in json.loads(capsys.readouterr().out)] == [
        ("console-3", True), ("kiosk-door", False)]
    # revoking again, or a name nobody has, says so and fails
    assert main(["revoke", "console-3", "--data-dir", str(data)]) == 1
    assert "no valid device named 'console-3'" in capsys.readouterr().err
    assert main(["paired", "--data-dir", str(tmp_path / "nowhere")]) == 1
    assert "no hall database" in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists()                          # nothing created


def test_a_caller_without_a_window_exits_2(hall_data: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    data = hall_data
    assert main(["pair", "--role", "caller", "--data-dir", str(data)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "hallq pair: a caller is paired to a window" in captured.err
    store = Store(data / "hall.sqlite3")
    try:
        assert store._conn.execute("SELECT COUNT(*) FROM devices").fetchone()[0] == 0
    finally:
        store.close()


def test_an_unknown_role_is_a_usage_error(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["pair", "--role", "janitor", "--data-dir", str(tmp_path)])
    assert done.value.code == 2
    assert "invalid choice: 'janitor'" in capsys.readouterr().err


def test_status_prints_the_health_of_a_node(example_config: HallConfig, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    config = replace(example_config, rules=replace(example_config.rules, open_all_day=True))
    server = HallServer(HallNode(config, tmp_path / "hall"), port=0, advertise=False)
    server.start_in_thread()
    try:
        assert main(["status", "--url", server.url, "--json"]) == 0
        capsys.readouterr()
        assert main(["status", "--url", server.url]) == 0
        people = capsys.readouterr().out
        assert main(["status", "--url", server.url, "--json"]) == 0
    finally:
        server.stop()
    assert people.splitlines()[0] == f"大厅 / hall   GD-SZ-FT-001 at {server.url}"
    assert "状态 / status 正常 / ok" in people and "(Asia/Shanghai)" in people
    assert "无同步代理报告 / no sync agent has reported" in people
    health = json.loads(capsys.readouterr().out)
    assert (health["status"], health["hall_id"], health["api_version"]) == \
        ("ok", "GD-SZ-FT-001", "1")


def test_status_as_documented_finds_the_node_on_the_lan(
        example_config: HallConfig, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``hallq status`` with no option, as packaging/README.md says: the node's advert is
    browsed on the default interfaces (zeroconf 0.154 refused the old default and crashed)."""
    config = replace(example_config, rules=replace(example_config.rules, open_all_day=True))
    server = HallServer(HallNode(config, tmp_path / "hall"), port=0, advertise=True)
    server.start_in_thread()
    try:
        assert main(["status"]) == 0
    finally:
        server.stop()
    assert capsys.readouterr().out.startswith("大厅 / hall   GD-SZ-FT-001 at http://")


def test_status_of_a_node_that_does_not_answer(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["status", "--url", url]) == 1
    assert f"hallq status: {url} does not answer" in capsys.readouterr().err


def test_a_bad_config_file_is_one_line_and_exit_2(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "hall.toml"
    bad.write_text("[hall]\nname_zh = '无编号'\n", encoding="utf-8")
    with pytest.raises(SystemExit) as done:
        main(["hall", "--config", str(bad), "--data-dir", str(tmp_path / "d"),
              "--no-advertise"])
    assert done.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (f"hallq: 大厅配置有误 / the hall config is wrong: {bad} [hall] · id: "
                            "缺少此项 / is missing\n")
    assert not (tmp_path / "d").exists()                       # refused before anything


@pytest.mark.parametrize("name, text", [
    ("non-UTF-8", "[hall]\nid = 'T-1'\nname_zh = '测试'\n".encode("gb18030")),
    ("unknown time zone", b"[hall]\nid = 'T-1'\ntimezone = 'Mars/Olympus'\n"),
    ("wrong type", b"[hall]\nid = 'T-1'\n[[themes]]\nprefix = 'A'\nname_zh = 'x'\n"
                   b"daily_quota = 'many'\n"),
])
def test_files_that_gave_tracebacks_give_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: bytes) -> None:
    bad = tmp_path / "hall.toml"
    bad.write_bytes(text)
    with pytest.raises(SystemExit) as done:
        main(["hall", "--config", str(bad), "--data-dir", str(tmp_path / "d"),
              "--no-advertise"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"hallq: 大厅配置有误 / the hall config is wrong: {bad}")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_missing_config_file_is_one_line_and_exit_2(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["hall", "--config", str(tmp_path / "nope.toml"), "--data-dir", str(tmp_path)])
    assert done.value.code == 2
    assert "cannot read the hall config" in capsys.readouterr().err


@pytest.mark.parametrize("damage", ["not sqlite", "pages overwritten"])
def test_a_damaged_database_is_refused_saying_what_to_do(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str) -> None:
    data = tmp_path / "hall"
    data.mkdir()
    database = data / "hall.sqlite3"
    if damage == "not sqlite":
        database.write_text("these are the minutes of the staff meeting\n" * 200)
    else:
        store = Store(database)
        store.pair("kiosk", "kiosk-door")
        store.close()
        with open(database, "r+b") as handle:       # everything after the header page
            handle.seek(4096)
            handle.write(b"\xa5" * (database.stat().st_size - 4096))
    assert main(["hall", "--data-dir", str(data), "--port", str(free_port()),
                 "--bind", "127.0.0.1", "--no-advertise"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith(f"hallq: 数据库文件 {database} 已损坏")
    assert "请恢复备份" in captured.err
    assert "restore a backup (hallq restore FILE), or move it (with its -wal and -shm files) " \
        "aside" in captured.err


def test_hall_refuses_an_unreadable_or_short_id_key(tmp_path: Path) -> None:
    from hallq.cli import _id_key

    short = tmp_path / "short.hex"
    short.write_text("abcd")
    with pytest.raises(SystemExit, match="shorter than 16 bytes"):
        _id_key(str(short))
    bad = tmp_path / "bad.hex"
    bad.write_text("not hex")
    with pytest.raises(SystemExit, match="cannot read the ID key"):
        _id_key(str(bad))
    good = tmp_path / "city.hex"
    good.write_text("00112233445566778899aabbccddeeff\n")
    assert _id_key(str(good)) == bytes.fromhex("00112233445566778899aabbccddeeff")


def test_devices_test_names_the_rating_pads_key_with_the_halls_levels(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["devices", "test", "sim://rating?addr=3&auto=3&delay=0.05"]) == 0
    assert "key: 3 基本满意 / Fairly satisfied" in capsys.readouterr().out


def test_pair_offers_exactly_the_roles_the_store_pairs() -> None:
    assert PAIR_ROLE_NAMES == ROLES


def test_the_demo_links_open_the_phone_page(tmp_path: Path) -> None:
    port = free_port()
    node = HallNode(demo_config(port), tmp_path / "demo")
    admin = node.store.pair("admin", "test-admin")
    server = HallServer(node, host="127.0.0.1", port=port, advertise=False)
    server.start_in_thread()
    try:
        with httpx.Client(headers={"Authorization": f"Bearer {admin}"}, timeout=10) as http:
            ticket = http.post(f"{server.url}/api/v1/tickets", json={"service": "A"}).json()
            assert ticket["url"].startswith(f"http://127.0.0.1:{port}/t/{ticket['id']}.")
            page = httpx.get(ticket["url"], timeout=10)       # as the phone opens the QR
            assert page.status_code == 200 and ticket["number"] in page.text
    finally:
        server.stop()
