"""Central keeps the personal parts of submissions sealed with its data key (``central/
data_key.py``, ``central/sealing.py``), on PostgreSQL and SQLite: the tables hold none of the
values a citizen typed nor the photos' bytes, the back office still reads them (API and
command line), a value copied to another submission does not decrypt, central refuses to
start with a wrong or missing key file and changes nothing, and the rows an older central
kept in clear are sealed by the migration."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest

from central import retention, submissions
from central.auth import create_credential
from central.cli import main
from central.data_key import DataKey, DataKeyError, UnreadableRow, open_data_key
from central.db import Database, Tx, open_database
from central.migrations import MIGRATIONS, applied
from central.server import CentralServer

NAME, ID_NUMBER = "张晓明", "44030419900307123X"
ADDRESS, PHONE = "深圳市福田区福中三路市民中心B区", "13812345678"
MASKED = "4403**********123X"
#: What a page of a document photo holds, recognisable in any column it would leak into.
PHOTO = b"\xff\xd8\xff" + b"HOUSEHOLD-REGISTER-PAGE " * 300
#: The clear values a citizen typed (and the photo) that no table may hold.
TYPED = (NAME, ID_NUMBER, ADDRESS, PHONE, MASKED)


def hand_in(db: Database, key: DataKey, client_id: str, receipt: str) -> str:
    """A kiosk's submission with four personal fields and one photo, uploaded in two chunks."""
    spec: dict[str, Any] = {"name": "household-1.jpg", "size": len(PHOTO),
                            "sha256": hashlib.sha256(PHOTO).hexdigest()}
    sub = submissions.create(
        db, key, "H1", client_id, "C07",
        {"name": NAME, "id_number": ID_NUMBER, "address": ADDRESS, "phone": PHONE}, [spec],
        {"receipt": receipt, "item_name_zh": "住房公积金提取", "id_hash": "ab" * 32,
         "id_masked": MASKED, "submitted_at": "2026-12-07T10:00:00+08:00"})
    submissions.put_chunk(db, key, sub["id"], spec["name"], 0, PHOTO[:4000])
    submissions.put_chunk(db, key, sub["id"], spec["name"], 4000, PHOTO[4000:])
    return sub["id"]


def clear_values_held(db: Database) -> list[str]:
    """Every typed value (or a piece of the photo) found in a column of the submissions'
    tables, read straight from the database."""
    found = []
    with db.transaction() as tx:
        for table in ("submissions", "file_chunks", "submission_files", "documents",
                      "submission_reuse"):
            for row in tx.all(f"SELECT * FROM {table}"):
                for value in row:
                    held = bytes(value) if isinstance(value, bytes | memoryview) else \
                        str(value).encode()
                    found += [f"{table}: {v}" for v in TYPED if v.encode() in held]
                    if b"HOUSEHOLD-REGISTER-PAGE" in held:
                        found.append(f"{table}: the photo")
    return found


def test_the_tables_hold_no_clear_value_and_the_back_office_reads_them(
        db: Database, data_key: DataKey) -> None:
    sub_id = hand_in(db, data_key, "k1-1", "K7M2P9QXRT")
    assert clear_values_held(db) == []
    shown = submissions.get(db, sub_id, data_key)
    assert shown["fields"] == {"name": NAME, "id_number": ID_NUMBER, "address": ADDRESS,
                               "phone": PHONE}
    assert shown["id_masked"] == MASKED and shown["status"] == "received"   # SHA-256 checked
    assert b"".join(submissions.file_content(db, data_key, sub_id, "household-1.jpg")) == PHOTO
    assert "fields" not in submissions.get(db, sub_id)          # not without the key
    retention.purge(db, 30, now=shown["created_at"] + 181 * 86400)      # erasure as before
    erased = submissions.get(db, sub_id, data_key)
    assert erased["erased"] and erased["fields"] == {} and erased["id_masked"] is None


@pytest.mark.allow_log("does not decrypt")
def test_a_value_copied_to_another_submission_does_not_decrypt(
        db: Database, data_key: DataKey) -> None:
    mine = hand_in(db, data_key, "k1-1", "K7M2P9QXRT")
    other = hand_in(db, data_key, "k1-2", "H4N8W2YB6C")
    with db.transaction() as tx:
        [(personal,)] = tx.all("SELECT personal FROM submissions WHERE id = ?", (mine,))
        tx.execute("UPDATE submissions SET personal = ? WHERE id = ?", (personal, other))
        [(chunk,)] = tx.all("SELECT data FROM file_chunks WHERE submission_id = ? AND pos = 0",
                            (mine,))
        tx.execute("UPDATE file_chunks SET data = ? WHERE submission_id = ? AND pos = 0",
                   (chunk, other))
    with pytest.raises(UnreadableRow) as moved:
        submissions.get(db, other, data_key)
    assert (moved.value.status, moved.value.code) == (500, "internal_error")
    assert moved.value.message_zh == (f"申报 {other} 的个人信息无法解密：数据已被改动，"
                                      "或属于另一份申报")
    assert other in moved.value.message_en and "does not decrypt" in moved.value.message_en
    with pytest.raises(UnreadableRow) as photo:
        b"".join(submissions.file_content(db, data_key, other, "household-1.jpg"))
    assert "household-1.jpg" in photo.value.message_en
    assert submissions.get(db, mine, data_key)["fields"]["name"] == NAME     # its own opens
    # the citizen's progress view never opens the sealed part
    assert submissions.progress_by_receipt(db, "H4N8W2YB6C")["status"] == "received"


@pytest.mark.allow_log("does not decrypt")
def test_the_back_office_api_reads_the_fields_and_refuses_a_moved_row(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    db = open_database(url)
    office = create_credential(db, "office")
    server = CentralServer(url, port=0, data_key_file=tmp_path / "central-data.key"
                           ).start_in_thread()
    try:
        assert server.app is not None
        key = server.app.state.data_key
        mine, other = hand_in(db, key, "k1-1", "K7M2P9QXRT"), hand_in(db, key, "k1-2",
                                                                       "H4N8W2YB6C")
        with httpx.Client(base_url=server.url, timeout=10,
                          headers={"Authorization": f"Bearer {office}"}) as client:
            shown = client.get(f"/api/v1/submissions/{mine}").json()
            assert shown["fields"]["id_number"] == ID_NUMBER and shown["id_masked"] == MASKED
            photo = client.get(f"/api/v1/submissions/{mine}/files/household-1.jpg/content")
            assert photo.content == PHOTO
            with db.transaction() as tx:
                tx.execute("UPDATE submissions SET personal = (SELECT personal FROM "
                           "submissions WHERE id = ?) WHERE id = ?", (mine, other))
            refused = client.get(f"/api/v1/submissions/{other}")
            assert refused.status_code == 500
            assert refused.json()["code"] == "internal_error"
            assert "无法解密" in refused.json()["message_zh"]
            assert "does not decrypt" in refused.json()["message_en"]
    finally:
        server.stop()
        db.close()


def test_the_key_file_is_made_once_with_mode_0600_and_never_logged(
        db: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "keys" / "central-data.key"
    with caplog.at_level(logging.INFO, logger="hallq.central.data_key"):
        open_data_key(db, path)
    text = path.read_text().strip()
    assert len(bytes.fromhex(text)) == 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert f"created central's data key file {path} (mode 0600)" in caplog.text
    assert text not in caplog.text
    caplog.clear()
    open_data_key(db, path)                          # the next start: the same key, no news
    assert path.read_text().strip() == text and "created" not in caplog.text
    (tmp_path / "a-file").write_text("")
    other = open_database(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    with pytest.raises(DataKeyError) as cannot:      # a folder that cannot be made
        open_data_key(other, tmp_path / "a-file" / "central-data.key")
    other.close()
    assert "无法创建" in cannot.value.message_zh and "a-file" in cannot.value.message_en


def test_a_wrong_or_missing_key_refuses_to_start_and_changes_nothing(
        db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    right = tmp_path / "central-data.key"
    db = open_database(db_url)
    try:
        sub_id = hand_in(db, open_data_key(db, right), "k1-1", "K7M2P9QXRT")
    finally:
        db.close()
    wrong, short, missing = (tmp_path / "wrong.key", tmp_path / "short.key",
                             tmp_path / "missing.key")
    wrong.write_text(os.urandom(32).hex() + "\n")
    short.write_text("00ff\n")
    for path, zh, en in ((wrong, "与数据库不符", "is not the one"),
                         (missing, "不存在", "is missing"),
                         (short, "64 位十六进制", "64 hex digits")):
        for action in ([], ["submissions", "show", "K7M2P9QXRT"], ["purge"]):
            assert main(["--db", db_url, "--data-key-file", str(path), *action]) == 2
            said = capsys.readouterr()
            assert zh in said.err and en in said.err and str(path) in said.err, said.err
            assert "Traceback" not in said.err and said.out == ""
    assert not missing.exists()                      # never made once the data is sealed
    db = open_database(db_url)
    try:                                             # nothing changed: the right key reads it
        with pytest.raises(DataKeyError):
            open_data_key(db, wrong)
        assert submissions.get(db, sub_id, open_data_key(db, right))["fields"]["name"] == NAME
    finally:
        db.close()


def test_the_migration_seals_the_rows_an_older_central_kept_in_clear(
        db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = [name for name, _ in MIGRATIONS]
    older = MIGRATIONS[:names.index("010_data_key")]
    monkeypatch.setattr("central.migrations.MIGRATIONS", older)
    db = open_database(db_url)                       # as the last central left it
    with db.transaction() as tx:
        for sub_id, receipt, fields, masked, erased in (
                ("s1", "K7M2P9QXRT", {"name": NAME, "id_number": ID_NUMBER,
                                      "address": ADDRESS, "phone": PHONE}, MASKED, None),
                ("s2", "H4N8W2YB6C", {}, None, 1.0)):
            tx.execute("INSERT INTO submissions (id, hall_id, client_id, receipt, form, "
                       "fields, status, created_at, updated_at, id_masked, erased_at) "
                       "VALUES (?, 'H1', ?, ?, 'C07', ?, 'received', 1, 1, ?, ?)",
                       (sub_id, f"k-{sub_id}", receipt, json.dumps(fields,
                                                                   ensure_ascii=False),
                        masked, erased))
        tx.execute("INSERT INTO submission_files (submission_id, name, size, sha256, "
                   "received, complete) VALUES ('s1', 'household-1.jpg', ?, ?, ?, 1)",
                   (len(PHOTO), hashlib.sha256(PHOTO).hexdigest(), len(PHOTO)))
        tx.executemany("INSERT INTO file_chunks (submission_id, name, pos, data) "
                       "VALUES ('s1', 'household-1.jpg', ?, ?)",
                       [(0, PHOTO[:4000]), (4000, PHOTO[4000:])])
    assert clear_values_held(db)                     # the old rows, in clear
    monkeypatch.setattr("central.migrations.MIGRATIONS", MIGRATIONS)
    db.close()
    db = open_database(db_url)                       # the new central: the key waits ...
    try:
        assert "011_seal_personal_data" not in applied(db)
        key = open_data_key(db, tmp_path / "central-data.key")      # ... until it starts
        assert applied(db) == names
        assert clear_values_held(db) == []
        with db.transaction() as tx:
            columns = _columns(tx)
        assert "fields" not in columns and "id_masked" not in columns
        sealed = submissions.get(db, "s1", key)
        assert sealed["fields"]["address"] == ADDRESS and sealed["id_masked"] == MASKED
        assert b"".join(submissions.file_content(db, key, "s1", "household-1.jpg")) == PHOTO
        gone = submissions.get(db, "s2", key)
        assert gone["erased"] and gone["fields"] == {}
        assert submissions.progress_by_receipt(db, "K7M2P9QXRT")["status"] == "received"
    finally:
        db.close()


def _columns(tx: Tx) -> set[str]:
    """The submissions table's column names."""
    if tx.dialect == "postgresql":
        return {r[0] for r in tx.all("SELECT column_name FROM information_schema.columns "
                                     "WHERE table_name = 'submissions'")}
    return {r[1] for r in tx.all("PRAGMA table_info(submissions)")}
