"""The back office's staff at central (``central/office_staff.py``) and
``hallq central office-staff``: a PIN kept as a scrypt hash, wrong tries that lock the staff id
(longer each time, the right PIN refused meanwhile), a disabled id refused with the same
answer, bad input refused in both languages with nothing added."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from central import office_staff
from central.cli import main
from central.db import Database, open_database
from hall.errors import BilingualError

T0 = 1_700_000_000.0


def test_wrong_pins_lock_the_id_longer_each_time_and_the_right_pin_unlocks(db: Database
                                                                            ) -> None:
    office_staff.add(db, "S9001", "陈静", "Chen Jing", "2468")
    with db.transaction() as tx:
        stored = tx.one("SELECT pin_hash FROM office_staff WHERE id = 'S9001'")
    assert stored is not None and stored[0].startswith("scrypt$") and "2468" not in stored[0]
    assert office_staff.check_pin(db, "S9001", "2468", T0).name_zh == "陈静"
    for _ in range(5):
        with pytest.raises(BilingualError) as wrong:
            office_staff.check_pin(db, "S9001", "0000", T0)
        assert wrong.value.message_zh == "工号、工牌或密码错误"
    with pytest.raises(BilingualError):                 # locked: the right PIN too
        office_staff.check_pin(db, "S9001", "2468", T0 + 59)
    for _ in range(5):                                  # locked again: twice as long
        with pytest.raises(BilingualError):
            office_staff.check_pin(db, "S9001", "1111", T0 + 61)
    with pytest.raises(BilingualError):
        office_staff.check_pin(db, "S9001", "2468", T0 + 61 + 119)
    assert office_staff.check_pin(db, "S9001", "2468", T0 + 61 + 121).id == "S9001"
    for _ in range(5):                                  # a right PIN forgot the lockouts
        with pytest.raises(BilingualError):
            office_staff.check_pin(db, "S9001", "1111", T0 + 200)
    assert office_staff.check_pin(db, "S9001", "2468", T0 + 261).id == "S9001"
    office_staff.set_disabled(db, "S9001", True)
    with pytest.raises(BilingualError) as disabled:
        office_staff.check_pin(db, "S9001", "2468", T0 + 10_000)
    assert disabled.value.message_zh == "工号、工牌或密码错误"
    with pytest.raises(BilingualError):
        office_staff.check_pin(db, "NOBODY", "2468", T0)


@pytest.mark.parametrize(("staff_id", "name", "pin", "zh"), [
    ("S 1", "陈静", "2468", "工号只能由字母、数字"), ("S1", "", "2468", "请填写姓名"),
    ("S1", "陈静", "12ab", "密码须为 4–8 位数字")])
def test_bad_input_is_refused_in_both_languages(db: Database, staff_id: str, name: str,
                                               pin: str, zh: str) -> None:
    with pytest.raises(BilingualError) as refused:
        office_staff.add(db, staff_id, name, "", pin)
    assert refused.value.message_zh.startswith(zh) and refused.value.message_en
    assert office_staff.listed(db) == []


def test_the_command_adds_lists_and_disables(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    monkeypatch.setattr("sys.stdin", io.StringIO("2468\n"))
    assert main(["--db", url, "office-staff", "add", "S9001", "--name", "陈静", "--name-en",
                 "Chen Jing", "--pin-stdin"]) == 0
    assert "S9001 陈静" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("2468\n"))
    assert main(["--db", url, "office-staff", "add", "S9001", "--name", "陈静",
                 "--pin-stdin"]) == 1
    assert "工号 S9001 已存在 (Staff id S9001 already exists)" in capsys.readouterr().err
    assert main(["--db", url, "office-staff", "disable", "S9001"]) == 0
    assert main(["--db", url, "office-staff", "list"]) == 0
    assert "S9001  陈静  Chen Jing (已停用 / disabled)" in capsys.readouterr().out
    assert main(["--db", url, "office-staff", "disable", "S0000"]) == 1
    db = open_database(url)
    try:
        with pytest.raises(BilingualError):
            office_staff.check_pin(db, "S9001", "2468")
    finally:
        db.close()
