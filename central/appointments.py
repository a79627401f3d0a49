"""Appointments held by central (网上预约): book, cancel, look up, and each hall's day list.

An appointment is known by its code (预约码, ten characters without look-alikes; the citizen's
QR code carries it), which is also the id the hall node stores it under. The citizen's ID
number never reaches central: a booking may carry its keyed hash (``hall.idnumber.keyed_hash``
under the city's key, which the halls share), so the hall can match the ID card at check-in.
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from central.catalog import get_catalog, parse_hall_catalog
from central.db import Database
from central.errors import CentralError, bad_request, not_found
from hall.errors import ErrorCode

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
DEFAULT_TZ = ZoneInfo("Asia/Shanghai")
_COLUMNS = "code, hall_id, service, slot_start, slot_end, day, id_hash, status, created_at, " \
           "updated_at"


def new_code() -> str:
    """A fresh appointment code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def _row(row: tuple, with_hash: bool = True) -> dict[str, Any]:
    data = dict(zip([c.strip() for c in _COLUMNS.split(",")], row, strict=True))
    if not with_hash:
        data.pop("id_hash")
    return data


def _timezone_and_check(db: Database, hall_id: str, service: str) -> ZoneInfo:
    """The hall's timezone; refuses a service the hall's published catalog does not offer."""
    published = get_catalog(db, hall_id)
    if published is None:
        return DEFAULT_TZ
    config = parse_hall_catalog(hall_id, published["catalog"])
    if config.resolve_service(service) is None:
        raise CentralError(404, ErrorCode.UNKNOWN_SERVICE, "该大厅没有此业务",
                           f"Hall {hall_id} offers no service {service}")
    return config.timezone


def book(db: Database, hall_id: str, service: str, slot_start: float, slot_end: float,
         id_hash: str | None = None) -> dict[str, Any]:
    """Book a slot at a hall; returns the appointment with its code."""
    if not slot_end > slot_start:
        raise bad_request("slot_end must be after slot_start", "预约时段有误")
    tz = _timezone_and_check(db, hall_id, service)
    day = datetime.fromtimestamp(slot_start, tz).date().isoformat()
    now = time.time()
    code = new_code()
    with db.transaction() as tx:
        tx.execute(f"INSERT INTO appointments ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (code, hall_id, service.upper(), slot_start, slot_end, day, id_hash,
                    "booked", now, now))
    return {"code": code, "hall_id": hall_id, "service": service.upper(),
            "slot_start": slot_start, "slot_end": slot_end, "day": day, "id_hash": id_hash,
            "status": "booked", "created_at": now, "updated_at": now}


def get(db: Database, code: str) -> dict[str, Any]:
    """An appointment by its code; 404 when there is none."""
    with db.transaction() as tx:
        row = tx.one(f"SELECT {_COLUMNS} FROM appointments WHERE code = ?", (code.upper(),))
    if row is None:
        raise not_found("预约", "Appointment")
    return _row(row)


def cancel(db: Database, code: str) -> dict[str, Any]:
    """Cancel an appointment (cancelling twice is harmless)."""
    with db.transaction() as tx:
        tx.execute("UPDATE appointments SET status = 'cancelled', updated_at = ? "
                   "WHERE code = ? AND status <> 'cancelled'", (time.time(), code.upper()))
    return get(db, code)


def find_by_id_hash(db: Database, id_hash: str, hall_id: str | None = None
                    ) -> list[dict[str, Any]]:
    """Appointments booked with a keyed ID hash (of one hall, or of the city)."""
    sql = f"SELECT {_COLUMNS} FROM appointments WHERE id_hash = ?"
    params: list[Any] = [id_hash]
    if hall_id is not None:
        sql += " AND hall_id = ?"
        params.append(hall_id)
    with db.transaction() as tx:
        rows = tx.all(sql + " ORDER BY slot_start", params)
    return [_row(r) for r in rows]


def day_list(db: Database, hall_id: str, day: str) -> list[dict[str, Any]]:
    """A hall's appointments of a day (``YYYY-MM-DD``, hall-local), cancelled ones included."""
    with db.transaction() as tx:
        rows = tx.all(f"SELECT {_COLUMNS} FROM appointments WHERE hall_id = ? AND day = ? "
                      "ORDER BY slot_start, code", (hall_id, day))
    return [_row(r) for r in rows]
