"""Central erases personal data once it has served (``central/retention.py``, ``hallq central
purge``): appointments' ID hashes after the retention, referred citizens after a day — on
SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from central import referrals, retention
from central.cli import main
from central.db import Database

NOW = 1710208800.0                                   # 2024-03-12 02:00 UTC
PERSON = {"id_hash": "cd" * 32, "id_masked": "4403**********123X", "age": 74}


def book(db: Database, code: str, day: str) -> None:
    with db.transaction() as tx:
        tx.execute("INSERT INTO appointments (code, hall_id, service, slot_start, slot_end, "
                   "day, id_hash, status, created_at, updated_at) VALUES "
                   "(?, 'H1', 'A', 0, 0, ?, ?, 'booked', 0, 0)", (code, day, "ab" * 32))


def hashes(db: Database) -> dict[str, bool]:
    with db.transaction() as tx:
        rows = tx.all("SELECT code, id_hash FROM appointments ORDER BY code")
    return {code: id_hash is not None for code, id_hash in rows}


def test_appointment_hashes_and_referred_citizens_are_erased_in_time(db: Database) -> None:
    book(db, "OLD", "2024-02-10")              # 31 days before NOW
    book(db, "RECENT", "2024-02-12")           # 29 days
    referrals.create(db, "R-OLD", "H1", "H2", "A01", now=NOW - 2 * 86400, person=PERSON)
    referrals.create(db, "R-NEW", "H1", "H2", "A01", now=NOW - 60, person=PERSON)
    assert retention.purge(db, 30, now=NOW) == {"appointments": 1, "referrals": 1,
                                                "submissions": 0, "documents": 0}
    assert hashes(db) == {"OLD": False, "RECENT": True}
    with db.transaction() as tx:
        people = dict(tx.all("SELECT id, person FROM referrals ORDER BY id"))
    assert people["R-OLD"] is None and people["R-NEW"] is not None
    assert retention.purge(db, 30, now=NOW) == {"appointments": 0, "referrals": 0,
                                                "submissions": 0, "documents": 0}
    with pytest.raises(ValueError):
        retention.purge(db, 0)


def test_purge_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                     ) -> None:
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    key = str(tmp_path / "central-data.key")
    assert main(["--db", url, "purge", "--days", "30", "--data-key-file", key]) == 0
    assert capsys.readouterr().out.startswith("erased: 0 appointment ID hashes")
    assert main(["--db", url, "purge", "--days", "0"]) == 2
    assert "at least 1" in capsys.readouterr().err
