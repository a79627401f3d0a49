"""``hallq backup`` and ``hallq restore`` as a technician uses them: a backup taken while the
node writes restores to a database the node starts on with every ticket it had; a restore
refuses while a node runs and refuses a file that is not a hall backup, changing nothing."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hall.config import HallConfig
from hall.engine import Engine
from hall.events import Event
from hall.node import HallNode
from hallq.backup import hold_data_dir
from hallq.cli import main


@pytest.fixture
def open_hall(example_config: HallConfig) -> HallConfig:
    """The example hall, issuing numbers at any hour."""
    return replace(example_config, rules=replace(example_config.rules, open_all_day=True))


def _issue(node: HallNode, count: int) -> list[str]:
    def operation(engine: Engine, now: datetime) -> tuple[str, list[Event]]:
        issued, events = engine.issue("A", now)
        return issued.ticket.id, events
    return [node.submit(operation).result() for _ in range(count)]


def _ticket_ids(db: Path) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {row[0] for row in conn.execute("SELECT id FROM tickets")}
    finally:
        conn.close()


def test_a_backup_taken_during_writes_restores_to_a_node_with_every_ticket_it_held(
        tmp_path: Path, open_hall: HallConfig, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "hall"
    node = HallNode(open_hall, data).start()
    before = set(_issue(node, 20))
    stop = threading.Event()

    def keep_writing() -> None:
        while not stop.is_set():
            _issue(node, 1)
    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        assert main(["backup", "--data-dir", str(data)]) == 0
    finally:
        stop.set()
        writer.join()
        node.stop()
    out = capsys.readouterr().out
    backup_file = Path(out.split()[0])
    assert backup_file.parent == data / "backups"
    assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600   # it holds the hall's keys
    assert "tickets" in out and "last event" in out

    target = tmp_path / "restored"
    assert main(["restore", str(backup_file), "--data-dir", str(target)]) == 0
    held = _ticket_ids(target / "hall.sqlite3")
    assert before <= held
    # the phone links and cancel tokens made before still work: the link key came back
    assert (target / "link.key").read_text() == (data / "link.key").read_text()
    assert stat.S_IMODE((target / "link.key").stat().st_mode) == 0o600
    with sqlite3.connect(target / "hall.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM meta WHERE key LIKE 'backup%'").fetchone()[0] == 0
    restored = HallNode(open_hall, target).start()
    try:
        new = _issue(restored, 1)[0]
        assert new not in held        # numbering goes on after the backup's last ticket
        assert restored.store.last_seq > 0
    finally:
        restored.stop()


def test_restore_refuses_while_a_node_holds_the_data_dir(
        tmp_path: Path, open_hall: HallConfig, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "hall"
    node = HallNode(open_hall, data).start()
    _issue(node, 2)
    node.stop()
    assert main(["backup", "--data-dir", str(data)]) == 0
    backup_file = Path(capsys.readouterr().out.split()[0])
    database = data / "hall.sqlite3"
    mtime = database.stat().st_mtime_ns
    lock = hold_data_dir(data)          # as `hallq hall` does while it runs
    try:
        assert main(["restore", str(backup_file), "--data-dir", str(data)]) == 2
    finally:
        lock.close()
    err = capsys.readouterr().err
    assert "另一个大厅节点正在使用" in err and "another hall node is using" in err
    assert database.stat().st_mtime_ns == mtime
    assert not list(data.glob("hall.sqlite3.before-restore-*"))


def test_a_second_hall_node_on_the_same_data_dir_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "hall"
    lock = hold_data_dir(data)
    try:
        assert main(["hall", "--data-dir", str(data), "--no-advertise", "--port", "1"]) == 2
    finally:
        lock.close()
    assert "another hall node is using" in capsys.readouterr().err


@pytest.mark.parametrize("content", [b"", b"not a database at all\n" * 50])
def test_restore_refuses_a_file_that_is_not_a_hall_backup(
        tmp_path: Path, open_hall: HallConfig, capsys: pytest.CaptureFixture[str],
        content: bytes) -> None:
    data = tmp_path / "hall"
    node = HallNode(open_hall, data).start()
    ids = set(_issue(node, 3))
    node.stop()
    bogus = tmp_path / "bogus.sqlite3"
    bogus.write_bytes(content)
    assert main(["restore", str(bogus), "--data-dir", str(data)]) == 2
    err = capsys.readouterr().err
    assert "不是完好的大厅数据库" in err and "is not an intact hall database" in err
    assert "Traceback" not in err
    assert _ticket_ids(data / "hall.sqlite3") == ids


def test_restore_moves_the_replaced_database_aside_and_never_deletes_it(
        tmp_path: Path, open_hall: HallConfig, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "hall"
    node = HallNode(open_hall, data).start()
    first = set(_issue(node, 2))
    node.stop()
    assert main(["backup", "--data-dir", str(data)]) == 0
    backup_file = Path(capsys.readouterr().out.split()[0])
    node = HallNode(open_hall, data).start()
    later = set(_issue(node, 2))
    node.stop()
    assert main(["restore", str(backup_file), "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "--continue-after" in out
    aside = next(data.glob("hall.sqlite3.before-restore-*[0-9Z]"))
    assert _ticket_ids(aside) == first | later
    assert _ticket_ids(data / "hall.sqlite3") == first


def test_continue_after_numbers_new_events_after_centrals_last(
        tmp_path: Path, open_hall: HallConfig, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "hall"
    node = HallNode(open_hall, data).start()
    _issue(node, 2)
    node.stop()
    assert main(["backup", "--data-dir", str(data)]) == 0
    backup_file = Path(capsys.readouterr().out.split()[0])
    assert main(["restore", str(backup_file), "--data-dir", str(data),
                 "--continue-after", "500"]) == 0
    assert "new events start at 501" in capsys.readouterr().out
    node = HallNode(open_hall, data).start()
    try:
        _issue(node, 1)
        assert node.store.last_seq == 501
    finally:
        node.stop()
    assert main(["restore", str(backup_file), "--data-dir", str(data),
                 "--continue-after", "1"]) == 2
    assert "below the backup's last event" in capsys.readouterr().err


def test_backup_keeps_the_newest_backups_only(tmp_path: Path, open_hall: HallConfig) -> None:
    from hallq.backup import backup

    data = tmp_path / "hall"
    HallNode(open_hall, data).stop()
    folder = tmp_path / "backups"
    for hour in range(5):
        backup(data, folder, keep=3, now=datetime(2026, 12, 7, hour, tzinfo=UTC))
    kept = sorted(p.name for p in folder.iterdir())
    assert kept == [f"hall-20261207T0{h}0000Z.sqlite3" for h in (2, 3, 4)]


def test_backup_of_a_missing_database_says_where_it_looked(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backup", "--data-dir", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert "没有大厅数据库" in err and "no hall database in" in err


def test_paired_on_a_damaged_database_says_what_to_do_not_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "hall"
    data.mkdir()
    (data / "hall.sqlite3").write_bytes(b"garbage" * 1000)
    assert main(["paired", "--data-dir", str(data)]) == 1
    assert main(["revoke", "kiosk-1", "--data-dir", str(data)]) == 1
    err = capsys.readouterr().err
    assert "restore a backup" in err and "Traceback" not in err
    assert os.path.getsize(data / "hall.sqlite3") == 7000
