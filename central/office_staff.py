"""The back office's staff (后台受理人员): who may sign in to central's web pages
(``central/web/``) and move self-service submissions on.

They are not a hall's staff (a hall's ``[[staff]]`` sign in at their hall's node): they work at
the city's departments, so central keeps them in its own database (``office_staff``), added with
``hallq central office-staff add``. A PIN is kept only as a scrypt hash (:mod:`hall.pin_hash`,
the halls' form); checking one takes ~50 ms (call :func:`check_pin` off the event loop).

Wrong tries lock a staff id as at a hall (``hall/staff_auth.py``): after ``MAX_FAILURES`` wrong
PINs in a row it is locked ``FIRST_LOCK_S`` seconds, twice as long at each further lockout up to
``LONGEST_LOCK_S``, and a right PIN meanwhile is refused too. The counters are rows of the
database, so every worker of central counts them and a restart forgets nothing. Every refusal
is the same :func:`hall.errors.bad_credentials`: an answer tells a guesser nothing.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from central.db import Database
from central.errors import CentralError
from hall.errors import ErrorCode, bad_credentials
from hall.pin_hash import hash_pin, pin_matches, valid_pin

MAX_FAILURES = 5
FIRST_LOCK_S = 60.0
LONGEST_LOCK_S = 3600.0
#: A staff id: letters, digits, '-' or '_' (as a hall's), at most 32.
STAFF_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


@dataclass(frozen=True)
class OfficeStaff:
    """A member of the back office: id and names (no secret)."""

    id: str
    name_zh: str
    name_en: str
    disabled: bool = False


def _refused(zh: str, en: str) -> CentralError:
    return CentralError(422, ErrorCode.BAD_REQUEST, zh, en)


def add(db: Database, staff_id: str, name_zh: str, name_en: str, pin: str) -> OfficeStaff:
    """Add a member of the back office with a PIN of 4–8 digits (409 when the id is taken)."""
    if not STAFF_ID_RE.match(staff_id):
        raise _refused("工号只能由字母、数字、“-”或“_”组成，最多 32 位",
                       "A staff id is letters, digits, '-' or '_', at most 32")
    if not name_zh.strip() or len(name_zh) > 32 or len(name_en) > 64:
        raise _refused("请填写姓名（中文最多 32 字）",
                       "Give the name (Chinese at most 32 characters, English 64)")
    if not valid_pin(pin):
        raise _refused("密码须为 4–8 位数字", "The PIN must be 4 to 8 digits")
    with db.transaction() as tx:
        if tx.one("SELECT 1 FROM office_staff WHERE id = ?", (staff_id,)):
            raise CentralError(409, ErrorCode.CONFLICT, f"工号 {staff_id} 已存在",
                               f"Staff id {staff_id} already exists")
        tx.execute("INSERT INTO office_staff (id, name_zh, name_en, pin_hash, created_at) "
                   "VALUES (?, ?, ?, ?, ?)",
                   (staff_id, name_zh.strip(), name_en.strip(), hash_pin(pin), time.time()))
    return OfficeStaff(staff_id, name_zh.strip(), name_en.strip())


def set_disabled(db: Database, staff_id: str, disabled: bool) -> bool:
    """Disable (or enable again) a staff id; False when there is none."""
    with db.transaction() as tx:
        if not tx.one("SELECT 1 FROM office_staff WHERE id = ?", (staff_id,)):
            return False
        tx.execute("UPDATE office_staff SET disabled = ? WHERE id = ?",
                   (int(disabled), staff_id))
    return True


def listed(db: Database) -> list[OfficeStaff]:
    """Every member of the back office, by id."""
    with db.transaction() as tx:
        rows = tx.all("SELECT id, name_zh, name_en, disabled FROM office_staff ORDER BY id")
    return [OfficeStaff(r[0], r[1], r[2], bool(r[3])) for r in rows]


def check_pin(db: Database, staff_id: str, pin: str, now: float | None = None) -> OfficeStaff:
    """The member of staff this id and PIN prove; else :func:`bad_credentials`, the wrong try
    counted (the same answer for an unknown, disabled or locked id). Slow (scrypt)."""
    now = time.time() if now is None else now
    with db.transaction() as tx:
        row = tx.one("SELECT id, name_zh, name_en, pin_hash, disabled, failures, lockouts, "
                     "locked_until FROM office_staff WHERE id = ?" + tx.for_update,
                     (staff_id.strip(),))
        right = pin_matches(row[3] if row else None, pin)   # as long for an unknown id
        if row is None:
            raise bad_credentials()
        failures, lockouts, locked_until = int(row[5]), int(row[6]), float(row[7])
        if locked_until > now:
            raise bad_credentials()
        if right and not row[4]:
            tx.execute("UPDATE office_staff SET failures = 0, lockouts = 0, locked_until = 0 "
                       "WHERE id = ?", (row[0],))
            return OfficeStaff(row[0], row[1], row[2])
        failures += 1
        if failures >= MAX_FAILURES:
            locked_until = now + min(FIRST_LOCK_S * 2 ** lockouts, LONGEST_LOCK_S)
            failures, lockouts = 0, lockouts + 1
        tx.execute("UPDATE office_staff SET failures = ?, lockouts = ?, locked_until = ? "
                   "WHERE id = ?", (failures, lockouts, locked_until, row[0]))
    raise bad_credentials()
