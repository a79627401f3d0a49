"""The hall node's book of the submissions its kiosks handed in: each receipt code (回执码),
the receipt the kiosk printed and the submission's progress as central last told the sync
agent — never a citizen's personal data (those travel encrypted in the outbox,
:mod:`hall.submission_outbox`).

The kiosk reads progress here (``GET /api/v1/submissions/{code}/progress``): ``uploading``
until central holds every file, then what the back office set. A kiosk that sends the same
submission again (its ``client_id``) gets the same receipt. Kept in ``submissions.sqlite3`` in
the hall's data directory; entries older than the hall's retention are dropped.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from pathlib import Path
from typing import Any

DB_FILE = "submissions.sqlite3"
#: The letters of a receipt code: no 0/O, 1/I (central's appointment codes use the same).
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
RECEIPT_LENGTH = 10
#: A submission's statuses and how a citizen reads them.
STATUS_ZH = {"uploading": "上传中", "received": "已接收", "accepted": "已受理",
             "in_progress": "办理中", "done": "已办结", "rejected": "不予受理"}
STATUS_EN = {"uploading": "Uploading", "received": "Received", "accepted": "Accepted",
             "in_progress": "In progress", "done": "Done", "rejected": "Not accepted"}

_SCHEMA = """CREATE TABLE IF NOT EXISTS receipts (
    receipt TEXT PRIMARY KEY, client_id TEXT NOT NULL UNIQUE, item TEXT NOT NULL,
    receipt_body TEXT NOT NULL, status TEXT NOT NULL, reason_zh TEXT NOT NULL DEFAULT '',
    reason_en TEXT NOT NULL DEFAULT '', created_at REAL NOT NULL, updated_at REAL NOT NULL)"""
#: The appointments whose QR code identified a citizen for a submission (used once).
_APPOINTMENTS = """CREATE TABLE IF NOT EXISTS appointments_used (
    appointment_id TEXT PRIMARY KEY, client_id TEXT NOT NULL, created_at REAL NOT NULL)"""


def new_receipt_code() -> str:
    """An unguessable receipt code (50 bits)."""
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


class SubmissionBook:
    """Receipts and progress of the hall's submissions (thread-safe)."""

    def __init__(self, data_dir: Path | str) -> None:
        self.path = Path(data_dir) / DB_FILE
        self._conn = sqlite3.connect(self.path, isolation_level=None,
                                     check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(_SCHEMA)
        self._conn.execute(_APPOINTMENTS)
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the database."""
        self._conn.close()

    def receipt_of(self, client_id: str) -> dict[str, Any] | None:
        """The receipt given for a kiosk's ``client_id`` before, if any."""
        with self._lock:
            row = self._conn.execute("SELECT receipt_body FROM receipts WHERE client_id = ?",
                                     (client_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def add(self, receipt: str, client_id: str, item: str, body: dict[str, Any],
            now: float) -> None:
        """Record a receipt just given (status ``uploading``)."""
        with self._lock:
            self._conn.execute(
                "INSERT INTO receipts (receipt, client_id, item, receipt_body, status, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, 'uploading', ?, ?)",
                (receipt, client_id, item, json.dumps(body, ensure_ascii=False), now, now))

    def appointment_used(self, appointment_id: str) -> bool:
        """Whether the appointment identified a citizen for a submission already."""
        with self._lock:
            return self._conn.execute("SELECT 1 FROM appointments_used WHERE appointment_id "
                                      "= ?", (appointment_id,)).fetchone() is not None

    def claim_appointment(self, appointment_id: str, client_id: str, now: float) -> bool:
        """Mark the appointment used by the submission ``client_id``; False when another
        submission used it first."""
        with self._lock:
            try:
                self._conn.execute("INSERT INTO appointments_used (appointment_id, client_id, "
                                   "created_at) VALUES (?, ?, ?)",
                                   (appointment_id, client_id, now))
            except sqlite3.IntegrityError:
                return False
        return True

    def release_appointment(self, appointment_id: str, client_id: str) -> None:
        """Give the appointment back (the submission that claimed it was not kept)."""
        with self._lock:
            self._conn.execute("DELETE FROM appointments_used WHERE appointment_id = ? AND "
                               "client_id = ?", (appointment_id, client_id))

    def progress(self, receipt: str) -> dict[str, Any] | None:
        """``{"receipt", "client_id", "item", "status", "reason_zh", "reason_en",
        "updated_at"}`` of a receipt code, or None."""
        with self._lock:
            row = self._conn.execute(
                "SELECT receipt, client_id, item, status, reason_zh, reason_en, updated_at "
                "FROM receipts WHERE receipt = ?", (receipt.strip().upper(),)).fetchone()
        if row is None:
            return None
        keys = ("receipt", "client_id", "item", "status", "reason_zh", "reason_en",
                "updated_at")
        return dict(zip(keys, row, strict=True))

    def update(self, receipt: str, status: str, reason_zh: str, reason_en: str,
               updated_at: float) -> bool:
        """Take central's word on a submission's progress; False for a code not in the
        book (another hall's, or dropped)."""
        if status not in STATUS_ZH:
            raise ValueError(f"unknown status {status!r}")
        with self._lock:
            cursor = self._conn.execute(
                "UPDATE receipts SET status = ?, reason_zh = ?, reason_en = ?, updated_at = ? "
                "WHERE receipt = ?", (status, reason_zh, reason_en, updated_at, receipt))
        return cursor.rowcount > 0

    def purge(self, before: float) -> int:
        """Drop receipts handed in before ``before`` (Unix seconds); how many."""
        with self._lock:
            cursor = self._conn.execute("DELETE FROM receipts WHERE created_at < ?", (before,))
            self._conn.execute("DELETE FROM appointments_used WHERE created_at < ?", (before,))
        return cursor.rowcount
