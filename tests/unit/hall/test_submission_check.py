"""A self-service form is checked field by field against its item's guide
(``hall/submission_check.py``), and the outbox keeps submissions encrypted
(``hall/submission_outbox.py``): the values that failed at the field, and the files a thief
or a mix-up would meet on the disk."""

from __future__ import annotations

import stat
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hall.config import EXAMPLE_HALL, load_config
from hall.errors import QueueError
from hall.guide import FormField
from hall.state import Appointment
from hall.submission_check import check_appointment_holder, check_field, check_fields
from hall.submission_outbox import OutboxError, SubmissionOutbox

TODAY = date(2024, 3, 12)
SHANGHAI = ZoneInfo("Asia/Shanghai")
GUIDE = load_config(EXAMPLE_HALL).items["C07"].guide
SPECS = {f.key: f for f in GUIDE.fields}


@pytest.mark.parametrize(("key", "value", "why"), [
    ("phone", "1381234567", "11 位"), ("phone", "12812345678", "11 位"),
    ("phone", "１３８１２３４５６７８", "11 位"), ("phone", "+8613812345678", "11 位"),
    ("amount", "0.5", "之间"), ("amount", "2000001", "之间"), ("amount", "1e5", "数字"),
    ("amount", "NaN", "数字"), ("contract_date", "2024/02/20", "日期"),
    ("contract_date", "2024-13-01", "日期"), ("contract_date", "1800-01-01", "有效日期"),
    ("contract_date", "2099-01-01", "年份不对"), ("reason", "买房子", "请选择"),
    ("address", "福华路\u200b1号", "控制字符"), ("address", "福华路\n1号", "控制字符"),
    ("address", "路" * 121, "120")])
def test_a_wrong_value_is_refused_naming_the_field(key: str, value: str, why: str) -> None:
    with pytest.raises(QueueError) as refused:
        check_field(SPECS[key], value, TODAY)
    assert refused.value.code == "invalid_field" and refused.value.status == 422
    assert SPECS[key].label_zh in refused.value.message_zh and why in refused.value.message_zh
    assert key in refused.value.message_en
    assert value not in refused.value.message_zh + refused.value.message_en


@pytest.mark.parametrize(("key", "value", "kept"), [
    ("phone", " 13812345678 ", "13812345678"), ("phone", "0755-83212345", "0755-83212345"),
    ("phone", "075583212345", "075583212345"), ("amount", "120000.50", "120000.50"),
    ("contract_date", "2024-02-29", "2024-02-29"),
    ("reason", "Repaying a home loan", "偿还购房贷款"), ("address", "福华路1号", "福华路1号")])
def test_a_right_value_is_kept(key: str, value: str, kept: str) -> None:
    assert check_field(SPECS[key], value, TODAY) == kept


def test_the_card_fills_its_fields_and_a_bad_number_is_refused() -> None:
    from tests.helpers.submissions import CITIZEN, FIELDS

    checked = check_fields(GUIDE, FIELDS, {"name": "张三", "id_number": CITIZEN.lower()},
                           TODAY)
    assert checked["name"] == "张三" and checked["id_number"] == CITIZEN
    with pytest.raises(QueueError) as bad:
        check_fields(GUIDE, FIELDS, {"name": "张三", "id_number": CITIZEN[:-1] + "0"}, TODAY)
    assert "身份证号码" in bad.value.message_zh and CITIZEN[:10] not in bad.value.message_en
    optional = FormField("note", "备注", required=False)
    assert check_field(optional, "x", TODAY) == "x"


def test_the_outbox_is_encrypted_its_key_private_and_a_moved_file_does_not_open(
        tmp_path: Path) -> None:
    outbox = SubmissionOutbox(tmp_path)
    folder = outbox.write("k1-1", {"fields": {"name": "张三"}}, {"a-1.jpg": b"\xff\xd8\xffJFIF"})
    assert stat.S_IMODE((tmp_path / "outbox.key").stat().st_mode) == 0o600
    assert all("张三".encode() not in p.read_bytes() and b"JFIF" not in p.read_bytes()
               for p in folder.iterdir())
    assert outbox.meta(folder)["files"][0]["size"] == 7
    assert SubmissionOutbox(tmp_path).read_file(folder, "a-1.jpg") == b"\xff\xd8\xffJFIF"
    other = outbox.write("k1-2", {"fields": {}}, {"a-1.jpg": b"\xff\xd8\xffXXXX"})
    (other / "a-1.jpg.enc").write_bytes((folder / "a-1.jpg.enc").read_bytes())
    with pytest.raises(OutboxError, match="does not decrypt"):
        outbox.read_file(other, "a-1.jpg")
    (tmp_path / "outbox.key").write_bytes(b"short")
    with pytest.raises(OutboxError, match="32-byte key"):
        SubmissionOutbox(tmp_path).meta(folder)
    with pytest.raises(FileExistsError):
        outbox.write("k1-1", {}, {})
    with pytest.raises(ValueError):
        outbox.write("../escape", {}, {})


BOOKED = Appointment("AP1", "C", "C07", datetime(2024, 3, 12, 10, tzinfo=SHANGHAI).timestamp(),
                     datetime(2024, 3, 12, 10, 30, tzinfo=SHANGHAI).timestamp(), id_hash="h1")
C07 = load_config(EXAMPLE_HALL).items["C07"]


@pytest.mark.parametrize(("appointment", "id_hash", "used", "code"), [
    (None, "h1", False, "unknown_appointment"),
    (replace(BOOKED, slot_start=BOOKED.slot_start - 86400), "h1", False,
     "appointment_not_today"),
    (replace(BOOKED, ticket_id="C001"), "h1", False, "appointment_used"),
    (BOOKED, "h1", True, "appointment_used"),
    (replace(BOOKED, item="C04"), "h1", False, "appointment_mismatch"),
    (replace(BOOKED, theme="A", item=None), "h1", False, "appointment_mismatch"),
    (replace(BOOKED, id_hash=None), "h1", False, "appointment_anonymous"),
    (BOOKED, "h2", False, "appointment_mismatch")])
def test_an_appointment_vouches_only_for_its_holder_today_once(
        appointment: Appointment | None, id_hash: str, used: bool, code: str) -> None:
    with pytest.raises(QueueError) as refused:
        check_appointment_holder(appointment, C07, id_hash, TODAY, SHANGHAI, used)
    assert refused.value.code == code
    assert refused.value.message_zh and refused.value.message_en


def test_an_appointment_for_the_theme_vouches_for_its_holder() -> None:
    check_appointment_holder(replace(BOOKED, item=None), C07, "h1", TODAY, SHANGHAI, False)
    check_appointment_holder(replace(BOOKED, id_hash=None), C07, None, TODAY, SHANGHAI, False)
