"""Staff PINs kept as slow salted hashes in the hall's store (issue 20): set with
``hallq staff``, checked by the node at sign-in, never printed, never in the TOML."""

from __future__ import annotations

import io
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from hall.config import EXAMPLE_HALL, load_config
from hall.node import HallNode
from hall.server import HallServer
from hallq.cli import main

SCRYPT = re.compile(r"^scrypt\$16384\$8\$1\$[0-9a-f]{32}\$[0-9a-f]{64}$")


def staff(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, data: Path,
          *argv: str, stdin: str = "") -> tuple[int, str, str]:
    """Run ``hallq staff ARGV --data-dir DATA`` with ``stdin``; exit code, stdout, stderr."""
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["staff", *argv, "--data-dir", str(data)])
    out, err = capsys.readouterr()
    return code, out, err


class Hall:
    """The example hall's data directory; :meth:`start` serves it and gives window 1's
    console."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.servers: list[HallServer] = []
        self.clients: list[httpx.Client] = []

    def start(self) -> httpx.Client:
        """Serve the hall (open all day); window 1's console."""
        config = load_config(EXAMPLE_HALL)
        node = HallNode(replace(config, rules=replace(config.rules, open_all_day=True)),
                        self.data)
        token = node.store.pair("caller", "console-1", "1")
        self.servers.append(HallServer(node, port=0, advertise=False).start_in_thread())
        self.clients.append(httpx.Client(base_url=self.servers[-1].url, timeout=10,
                                         headers={"Authorization": f"Bearer {token}"}))
        return self.clients[-1]


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[Hall]:
    """A hall not yet started; stopped after the test."""
    made = Hall(tmp_path / "hall")
    yield made
    for client in made.clients:
        client.close()
    for server in made.servers:
        server.stop()


def sign_in(client: httpx.Client, **body: str) -> httpx.Response:
    return client.post("/api/v1/windows/1/sign-in", json=body)


def test_set_pin_then_sign_in_and_a_wrong_pin_is_still_401(
        hall: Hall, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    data, start = hall.data, hall.start
    assert staff(capsys, monkeypatch, data, "set-pin", "S002", "--pin-stdin",
                 stdin="80417\n")[0] == 0
    client = start()
    assert sign_in(client, staff_id="S002", pin="2345").status_code == 401  # the old demo PIN
    assert sign_in(client, staff_id="S001", pin="1234").status_code == 401  # no PIN set
    opened = sign_in(client, staff_id="S002", pin="80417")
    assert opened.status_code == 200 and opened.json()["staff_id"] == "S002"


def test_the_store_holds_salted_scrypt_hashes_and_no_pin(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    for staff_id in ("S001", "S002"):
        assert staff(capsys, monkeypatch, tmp_path, "set-pin", staff_id, "--pin-stdin",
                     stdin="1234\n")[0] == 0
    with sqlite3.connect(tmp_path / "hall.sqlite3") as db:
        rows = dict(db.execute("SELECT staff_id, pin_hash FROM staff_secrets").fetchall())
        whole = "\n".join(line for line in db.iterdump())
    assert all(SCRYPT.match(stored) for stored in rows.values()), rows
    assert rows["S001"] != rows["S002"]     # the same PIN, different salts
    # neither the PIN nor the old unsalted digest of it is anywhere in the database
    for secret in ("1234", "4bb9e20b112860e61ad01c5fad3be610b3a86341db321f4aaa7fdaa75b8a93b3"):
        assert not re.search(rf"\b{secret}\b", whole)


def test_a_pin_of_letters_or_the_wrong_length_or_an_unknown_staff_id_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    for pin in ("12a4", "123", "123456789", "１２３４", ""):
        code, out, err = staff(capsys, monkeypatch, tmp_path, "set-pin", "S001",
                               "--pin-stdin", stdin=pin + "\n")
        assert code == 2 and "4 to 8 digits" in err and "4 至 8 位数字" in err, pin
    code, _, err = staff(capsys, monkeypatch, tmp_path, "set-pin", "S404", "--pin-stdin",
                         stdin="1234\n")
    assert code == 2 and "S404" in err
    assert not (tmp_path / "hall.sqlite3").exists()


def test_list_says_who_has_a_pin_and_a_badge_and_prints_no_secret(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    staff(capsys, monkeypatch, tmp_path, "set-pin", "S001", "--pin-stdin", stdin="1234\n")
    staff(capsys, monkeypatch, tmp_path, "set-badge", "S002", "04ffee0011")
    code, out, _ = staff(capsys, monkeypatch, tmp_path, "list")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert "王晓明" in lines["S001"] and "PIN set" in lines["S001"]
    assert "no PIN" in lines["S002"] and "badge set" in lines["S002"]
    assert "no PIN" in lines["S003"]
    for secret in ("1234", "scrypt", "04FFEE0011", "04A1B2C3D4E5F6"):
        assert secret not in out.upper() and secret.lower() not in out


def test_a_badge_set_in_the_store_signs_in_and_disable_refuses_pin_and_badge(
        hall: Hall, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    data, start = hall.data, hall.start
    staff(capsys, monkeypatch, data, "set-pin", "S003", "--pin-stdin", stdin="3456\n")
    staff(capsys, monkeypatch, data, "set-badge", "S003", "04ffee0011")
    client = start()
    assert sign_in(client, badge_uid="04C3D4E5F60718").status_code == 401  # the TOML's, replaced
    assert sign_in(client, badge_uid="04FFEE0011").json()["staff_id"] == "S003"
    assert staff(capsys, monkeypatch, data, "disable", "S003")[0] == 0
    assert sign_in(client, badge_uid="04FFEE0011").status_code == 401
    assert sign_in(client, staff_id="S003", pin="3456").status_code == 401
    code, out, _ = staff(capsys, monkeypatch, data, "list")
    assert "DISABLED" in next(line for line in out.splitlines() if line.startswith("S003"))


def test_staff_added_while_the_node_runs_sign_in_with_their_pin_at_once(
        hall: Hall, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    client = hall.start()
    code, out, _ = staff(capsys, monkeypatch, hall.data, "add", "S010", "--name", "赵敏")
    assert code == 0 and "added 1" in out
    assert staff(capsys, monkeypatch, hall.data, "set-pin", "S010", "--pin-stdin",
                 stdin="60213\n")[0] == 0
    opened = sign_in(client, staff_id="S010", pin="60213")
    assert opened.status_code == 200 and opened.json()["staff_id"] == "S010"
    windows = client.get("/api/v1/windows").json()
    window = next(w for w in windows if w["number"] == "1")
    assert window["staff_name_zh"] == "赵敏"
    _, out, _ = staff(capsys, monkeypatch, hall.data, "list")
    assert any(line.startswith("S010") and "赵敏" in line and "PIN set" in line
               for line in out.splitlines())


def test_import_adds_every_row_of_a_csv_or_none_naming_the_line(
        hall: Hall, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    hall.start()
    good = tmp_path / "staff.csv"
    good.write_text("\ufeffid,name_zh\nS020,钱多多\nS021,孙悟净\n\n", encoding="utf-8")
    bad_files = {
        "id,name_zh\nS030,李雷\nS 31,韩梅梅\n": "line 3: id 'S 31'",
        "id,name_zh\nS030,李雷\nS030,韩梅梅\n": "line 3: id S030 appears twice",
        "id,name_zh,pin\nS030,李雷,1234\n": "line 1 must be the header id,name_zh",
        "id,name_zh\nS030,李雷,1234\n": "line 2: 2 columns (id,name_zh), found 3",
        "id,name_zh\nS030,\n": "line 2: name_zh: 1 to 200 characters",
        "id,name_zh\nS030,李雷\nS001,王晓明\n": "staff id S001 is already in the hall config",
    }
    for text, says in bad_files.items():
        bad = tmp_path / "bad.csv"
        bad.write_text(text, encoding="utf-8")
        code, _, err = staff(capsys, monkeypatch, hall.data, "import", str(bad))
        assert code == 2 and says in err and "未导入任何人" in err, (text, err)
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("id,name_zh\nS030,李雷\n".encode("gbk"))
    code, _, err = staff(capsys, monkeypatch, hall.data, "import", str(gbk))
    assert code == 2 and "not UTF-8" in err
    code, out, _ = staff(capsys, monkeypatch, hall.data, "import", str(good))
    assert code == 0 and "added 2" in out
    code, _, err = staff(capsys, monkeypatch, hall.data, "import", str(good))
    assert code == 2 and "S020 is already on the roster" in err
    with sqlite3.connect(hall.data / "hall.sqlite3") as db:
        roster = dict(db.execute("SELECT staff_id, name_zh FROM staff_roster").fetchall())
    assert roster == {"S020": "钱多多", "S021": "孙悟净"}     # nothing of the bad files
