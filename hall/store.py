"""The hall's SQLite store: live state, the event log, paired devices and history.

WAL with ``synchronous=FULL``: a commit returns only once it is on disk, so an acknowledged
operation survives a crash or a power cut. Every batch of operations is written with its events
in one transaction (:meth:`Store.commit`); events get consecutive per-hall sequence numbers.
Schema changes are named migrations, each applied in the same transaction as the row that
records it (:mod:`hall.store_migrations`). With that module, the only one of the hall that
speaks SQL.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import operator
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import orjson
import sqlite_utils

from hall.bounds import MAX_SEQ
from hall.day_plan import DayPlan
from hall.errors import ErrorCode
from hall.events import Event, EventKind
from hall.lease import HomeLease, HomeState
from hall.state import (
    Appointment,
    HallState,
    Referral,
    RemoteCall,
    Ticket,
    TicketStatus,
    WindowState,
    WindowStatus,
)
from hall.store_migrations import MIGRATIONS

log = logging.getLogger("hallq.store")

#: The roles a device is paired with; what each may do is ``hall.api.dependencies.PERMISSIONS``.
ROLES = ("kiosk", "caller", "desk", "supervisor", "display", "sync", "admin")
TICKET_COLUMNS = [f.name for f in fields(Ticket)]
WINDOW_COLUMNS = [f.name for f in fields(WindowState)]
APPOINTMENT_COLUMNS = [f.name for f in fields(Appointment)]


class StoreError(Exception):
    """The database could not be written (disk full, locked, damaged): shown to staff."""

    code = ErrorCode.STORE_UNAVAILABLE


class DatabaseUnusable(StoreError):
    """The database file cannot be opened as the hall's SQLite database: not SQLite at all,
    damaged, or refused by the system. Says what to do, in Chinese and English, on one line."""

    def __init__(self, path: str, cause: sqlite3.Error) -> None:
        name = getattr(cause, "sqlite_errorname", "")
        if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or not isinstance(
                cause, sqlite3.OperationalError):
            self.message_zh = (f"数据库文件 {path} 已损坏或不是本系统的数据库（{cause}）："
                               "请恢复备份（hallq restore 备份文件），或将它（连同 -wal、-shm "
                               "文件）移走后重新启动，从空库开始")
            self.message_en = (f"the database {path} is damaged or not a hall database "
                               f"({cause}): restore a backup (hallq restore FILE), or move it "
                               "(with its -wal and -shm files) aside and start again with an "
                               "empty database")
        else:
            self.message_zh = (f"无法打开数据库文件 {path}（{cause}）：请检查磁盘空间、文件权限，"
                               "以及是否已有另一个大厅节点在使用它")
            self.message_en = (f"cannot open the database {path} ({cause}): check the disk's "
                               "free space, the file's permissions and that no other hall node "
                               "uses it")
        super().__init__(self.message_en)

    def bilingual(self) -> str:
        """``中文 / English`` on one line."""
        return f"{self.message_zh} / {self.message_en}"


@dataclass(frozen=True)
class StaffSecret:
    """What the hall keeps of one staff id's credentials: the PIN's scrypt hash (None: no PIN
    set), the badge UID (None: the TOML's, if any) and whether sign-in is disabled."""

    staff_id: str
    pin_hash: str | None
    badge_uid: str | None
    disabled: bool


@dataclass(frozen=True)
class PairedDevice:
    """A device allowed to use the hall's API, and what it may do."""

    name: str
    role: str
    window: str | None




PAIRING_CODE_TTL_S = 600.0     # seconds a pairing code (`hallq pair --code`) stays valid
#: The meta key of the lowest number the next event may take (``hallq restore``).
SEQ_FLOOR_META = "seq_floor"


def _upsert_sql(table: str, columns: list[str]) -> str:
    marks = ", ".join("?" for _ in columns)
    return f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) VALUES ({marks})"


# Not INSERT OR REPLACE: that would silently delete another ticket holding the same
# (day, number) instead of failing the batch.
_TICKET_UPSERT = (
    f"INSERT INTO tickets ({', '.join(TICKET_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in TICKET_COLUMNS)}) ON CONFLICT(id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in TICKET_COLUMNS if c != "id"))
_WINDOW_UPSERT = _upsert_sql("windows", WINDOW_COLUMNS)
_APPOINTMENT_UPSERT = _upsert_sql("appointments", APPOINTMENT_COLUMNS)


def _event_json(data: dict) -> str:
    """An event's data as stored: JSON text, UTF-8 as it is (orjson: the writer's hot path)."""
    return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS).decode()


#: A ticket's row in TICKET_COLUMNS order (``_ticket_row(ticket)``).
_ticket_row = operator.attrgetter(*TICKET_COLUMNS)


def _ticket_from(row: sqlite3.Row) -> Ticket:
    data = {c: row[c] for c in TICKET_COLUMNS}
    data["status"] = TicketStatus(data["status"])
    data["green"] = bool(data["green"])
    data["elderly"] = bool(data["elderly"])
    return Ticket(**data)


class Store:
    """One hall's database file. Safe to use from several threads: writes are serialised."""

    def __init__(self, path: Path | str) -> None:
        """Open (or create) the database; :class:`DatabaseUnusable` when it cannot be used."""
        self.path = str(path)
        self._lock = threading.RLock()
        self._depth = 0
        try:
            self._conn = sqlite3.connect(self.path, isolation_level=None,
                                         check_same_thread=False, timeout=10)
        except sqlite3.Error as err:
            raise DatabaseUnusable(self.path, err) from None
        try:
            self._open()
        except sqlite3.Error as err:
            self._conn.close()
            raise DatabaseUnusable(self.path, err) from None

    def _open(self) -> None:
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self.db = sqlite_utils.Database(self._conn)
        self.migrate()
        self.last_seq = self._conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
        # after `hallq restore --continue-after SEQ`: new events go on after central's last
        self.last_seq = max(self.last_seq, int(self.get_meta(SEQ_FLOOR_META) or 1) - 1)
        self._day_written = self.get_meta("day")

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._conn.close()

    # ------------------------------------------------------------------ transactions
    @contextmanager
    def atomic(self) -> Iterator[sqlite3.Connection]:
        """One transaction; nested calls become savepoints. Any error rolls back."""
        with self._lock:
            outer = self._depth == 0
            name = f"sp{self._depth}"
            self._conn.execute("BEGIN IMMEDIATE" if outer else f"SAVEPOINT {name}")
            self._depth += 1
            try:
                yield self._conn
            except BaseException:
                self._depth -= 1
                self._conn.execute("ROLLBACK" if outer else f"ROLLBACK TO {name}")
                if not outer:
                    self._conn.execute(f"RELEASE {name}")
                raise
            self._depth -= 1
            self._conn.execute("COMMIT" if outer else f"RELEASE {name}")

    def migrate(self) -> list[str]:
        """Apply the migrations not yet applied; return their names."""
        if "_migrations" not in self.db.table_names():
            self.db.table("_migrations").create({"name": str, "applied_at": float}, pk="name")
        done = {row["name"] for row in self.db.table("_migrations").rows}
        applied = []
        for name, migration in MIGRATIONS:
            if name in done:
                continue
            with self.atomic():
                migration(self.db)
                self.db.table("_migrations").insert({"name": name, "applied_at": time.time()})
            applied.append(name)
            log.info("applied migration %s", name)
        return applied

    # ------------------------------------------------------------------ meta
    def get_meta(self, key: str) -> str | None:
        """A value of the meta table."""
        with self._lock:   # reads wait for a transaction of another thread to end
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Set a value of the meta table (its own transaction unless inside one)."""
        with self.atomic() as conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def secret(self, key: str) -> bytes:
        """A random secret kept in this hall's database, made on first use."""
        with self.atomic():
            value = self.get_meta(key)
            if value is None:
                value = secrets.token_hex(32)
                self.set_meta(key, value)
        return bytes.fromhex(value)

    # ------------------------------------------------------------------ state
    def load_state(self, today: str, now: float | None = None) -> HallState:
        """The live state as last committed (the service day it was on, or ``today``);
        appointments whose slot ended more than a day before ``now`` are left out."""
        day = self.get_meta("day") or today
        state = HallState(day=day)
        for row in self._conn.execute("SELECT * FROM tickets WHERE day = ?", (day,)):
            ticket = _ticket_from(row)
            state.tickets[ticket.id] = ticket
        for row in self._conn.execute("SELECT * FROM windows"):
            data = {c: row[c] for c in WINDOW_COLUMNS}
            data["status"] = WindowStatus(data["status"])
            state.windows[row["number"]] = WindowState(**data)
        for row in self._conn.execute("SELECT theme, last FROM counters WHERE day = ?", (day,)):
            state.counters[row["theme"]] = row["last"]
        for row in self._conn.execute("SELECT key, mean, count, cv2 FROM service_means"):
            state.service_means[row["key"]] = row["mean"]
            state.service_counts[row["key"]] = row["count"]
            if row["cv2"] is not None:
                state.service_spreads[row["key"]] = row["cv2"]
        for row in self._conn.execute("SELECT * FROM appointments WHERE slot_end >= ?",
                                      ((now or time.time()) - 86400,)):
            appointment = Appointment(**{c: row[c] for c in APPOINTMENT_COLUMNS})
            state.appointments[appointment.id] = appointment
        for row in self._conn.execute("SELECT * FROM home_leases WHERE day = ?", (day,)):
            state.home_leases[row["id"]] = HomeLease(
                id=row["id"], ticket=row["ticket"], remote=row["remote"],
                state=HomeState(row["state"]), expires_at=row["expires_at"], booth=row["booth"])
        for row in self._conn.execute("SELECT window, data FROM remote_calls"):
            state.remote_calls[row["window"]] = RemoteCall(**json.loads(row["data"]))
        for row in self._conn.execute("SELECT data FROM referrals WHERE day = ?", (day,)):
            referral = Referral(**json.loads(row["data"]))
            state.referrals[referral.id] = referral
        plan = self._conn.execute("SELECT data FROM day_plans WHERE day = ?", (day,)).fetchone()
        if plan is not None:
            state.day_plan = DayPlan.from_json(plan["data"])
        return state

    def commit(self, state: HallState, events: list[Event]) -> list[Event]:
        """Write the dirty state and the events in one durable transaction.

        Returns the events with their sequence numbers. On failure nothing is written and
        :class:`StoreError` is raised; the caller must reload its state.
        """
        numbered: list[Event] = []
        dirty = (state.dirty_tickets or state.dirty_windows or state.dirty_counters
                 or state.dirty_means or state.dirty_appointments or state.dirty_leases
                 or state.dirty_remote_calls or state.dirty_referrals or state.dirty_day_plan)
        if not events and not dirty:
            return numbered
        try:
            with self.atomic() as conn:
                seq = self.last_seq
                for event in events:
                    seq += 1
                    numbered.append(Event(kind=event.kind, ts=event.ts, data=event.data,
                                          seq=seq, hall_id=event.hall_id))
                conn.executemany(
                    "INSERT INTO events (seq, ts, kind, data) VALUES (?, ?, ?, ?)",
                    [(e.seq, e.ts, e.kind, _event_json(e.data)) for e in numbered])
                self._write_state(conn, state)
                _write_device_states(conn, numbered)
        except sqlite3.Error as err:
            raise StoreError(str(err)) from err
        self._day_written = state.day     # only once it is on disk
        if numbered:
            self.last_seq = numbered[-1].seq
        state.clear_dirty()
        return numbered

    def _write_state(self, conn: sqlite3.Connection, state: HallState) -> None:
        today, retired = state.tickets, state.retired
        conn.executemany(_TICKET_UPSERT, [
            _ticket_row(today[i] if i in today else retired[i])
            for i in state.dirty_tickets if i in today or i in retired])
        conn.executemany(_WINDOW_UPSERT, [
            tuple(getattr(state.windows[n], c) for c in WINDOW_COLUMNS)
            for n in state.dirty_windows])
        conn.executemany(
            "INSERT OR REPLACE INTO counters (day, theme, last) VALUES (?, ?, ?)",
            [(state.day, theme, state.counters[theme]) for theme in state.dirty_counters])
        conn.executemany(
            "INSERT OR REPLACE INTO service_means (key, mean, count, cv2) VALUES (?, ?, ?, ?)",
            [(k, state.service_means[k], state.service_counts.get(k, 0),
              state.service_spreads.get(k)) for k in state.dirty_means])
        conn.executemany(_APPOINTMENT_UPSERT, [
            tuple(getattr(state.appointments[a], c) for c in APPOINTMENT_COLUMNS)
            for a in state.dirty_appointments])
        conn.executemany(
            "INSERT OR REPLACE INTO home_leases (id, day, ticket, remote, state, expires_at, "
            "booth) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(lease.id, state.day, lease.ticket, lease.remote, lease.state.value,
              lease.expires_at, lease.booth)
             for lease in (state.home_leases.get(i) for i in state.dirty_leases) if lease])
        conn.executemany(
            "INSERT OR REPLACE INTO remote_calls (window, data) VALUES (?, ?)",
            [(w, json.dumps(asdict(state.remote_calls[w]), ensure_ascii=False))
             for w in state.dirty_remote_calls if w in state.remote_calls])
        conn.executemany(
            "INSERT OR REPLACE INTO referrals (id, day, data) VALUES (?, ?, ?)",
            [(r, state.day, json.dumps(asdict(state.referrals[r]), ensure_ascii=False))
             for r in state.dirty_referrals if r in state.referrals])
        if state.dirty_day_plan:
            conn.execute("INSERT OR REPLACE INTO day_plans (day, data) VALUES (?, ?)",
                         (state.day, state.day_plan.to_json()))
        if state.day != self._day_written:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('day', ?)",
                         (state.day,))

    # ------------------------------------------------------------------ reads
    def device_states(self) -> list[dict]:
        """The last ``device.status`` of each device, as its event said it (``where``,
        ``device``, ``state``, ``detail``) with ``at``, the POSIX time of the report."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT place, device, state, detail, at FROM device_states "
                "ORDER BY place, device").fetchall()
        return [{"where": r["place"], "device": r["device"], "state": r["state"],
                 "detail": r["detail"], "at": r["at"]} for r in rows]

    def purge_personal(self, before_day: str, before_ts: float) -> dict[str, int]:
        """Erase the personal data of days before ``before_day`` (appointments: slots ending
        before ``before_ts``): ID hashes and masked numbers of tickets, ID hashes of
        appointments, referred citizens of referrals. The rest of each record stays (waits,
        ratings). How many records of each kind lost something."""
        with self.atomic() as conn:
            tickets = conn.execute(
                "UPDATE tickets SET id_hash = NULL, id_masked = NULL WHERE day < ? "
                "AND (id_hash IS NOT NULL OR id_masked IS NOT NULL)", (before_day,)).rowcount
            appointments = conn.execute(
                "UPDATE appointments SET id_hash = NULL WHERE slot_end < ? "
                "AND id_hash IS NOT NULL", (before_ts,)).rowcount
            referrals = conn.execute(
                "UPDATE referrals SET data = json_set(data, '$.person', json('null')) "
                "WHERE day < ? AND json_extract(data, '$.person') IS NOT NULL",
                (before_day,)).rowcount
        return {"tickets": tickets, "appointments": appointments, "referrals": referrals}

    def events_after(self, seq: int, limit: int = 1000) -> list[Event]:
        """Committed events with a sequence number above ``seq``, oldest first (none above
        the largest SQLite can hold)."""
        if seq >= MAX_SEQ:
            return []
        with self._lock:   # never the uncommitted events of a batch being written
            rows = self._conn.execute(
                "SELECT seq, ts, kind, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                (seq, limit)).fetchall()
        return [Event(kind=r["kind"], ts=r["ts"], data=json.loads(r["data"]), seq=r["seq"])
                for r in rows]

    def events_between(self, start_ts: float, end_ts: float, kinds: Iterable[str]
                       ) -> Iterator[Event]:
        """Committed events of ``kinds`` from ``start_ts`` to before ``end_ts``, oldest first
        (read in pages, so a year of events never sits in memory at once)."""
        wanted = sorted(set(kinds))
        marks = ",".join("?" * len(wanted))
        after = -1
        while True:
            with self._lock:
                rows = self._conn.execute(
                    f"SELECT seq, ts, kind, data FROM events WHERE ts >= ? AND ts < ? "
                    f"AND seq > ? AND kind IN ({marks}) ORDER BY seq LIMIT 5000",
                    (start_ts, end_ts, after, *wanted)).fetchall()
            if not rows:
                return
            for r in rows:
                yield Event(kind=r["kind"], ts=r["ts"], data=json.loads(r["data"]), seq=r["seq"])
            after = rows[-1]["seq"]

    def find_ticket(self, ticket_id: str) -> Ticket | None:
        """A ticket of any day."""
        with self._lock:
            row = self._conn.execute("SELECT * FROM tickets WHERE id = ?",
                                     (ticket_id,)).fetchone()
        return _ticket_from(row) if row else None

    # ------------------------------------------------------------------ devices
    def pair(self, role: str, name: str, window: str | None = None) -> str:
        """Register a device and return its bearer token (shown once, stored hashed)."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        if role == "caller" and not window:
            raise ValueError("a caller is paired to a window")
        token = secrets.token_urlsafe(24)
        with self.atomic() as conn:
            conn.execute(
                "INSERT INTO devices (token_hash, name, role, window, created_at, revoked) "
                "VALUES (?, ?, ?, ?, ?, 0)",
                (_token_hash(token), name, role, window, time.time()))
        return token

    def devices(self) -> list[dict]:
        """Every paired device (never its token): name, role, window, when, revoked."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT name, role, window, created_at, revoked FROM devices "
                "ORDER BY created_at").fetchall()
        return [{"name": r["name"], "role": r["role"], "window": r["window"],
                 "paired_at": r["created_at"], "revoked": bool(r["revoked"])} for r in rows]

    def revoke(self, name: str) -> int:
        """Revoke every device paired under ``name`` (a lost tablet, a replaced console);
        returns how many were still valid. A running node refuses them within
        ``hall.api.dependencies.TOKEN_RECHECK_S`` seconds."""
        with self.atomic() as conn:
            return conn.execute("UPDATE devices SET revoked = 1 WHERE name = ? AND revoked = 0",
                                (name,)).rowcount

    def device_for(self, token: str) -> PairedDevice | None:
        """The paired device a token belongs to, or None."""
        with self._lock:
            row = self._conn.execute(
                "SELECT name, role, window FROM devices WHERE token_hash = ? AND revoked = 0",
                (_token_hash(token),)).fetchone()
        return PairedDevice(row["name"], row["role"], row["window"]) if row else None

    # ------------------------------------------------------------------ pairing codes
    def add_pairing_code(self, role: str, window: str | None, name: str | None, now: float,
                         ttl_s: float = PAIRING_CODE_TTL_S) -> str:
        """A new 6-digit code (unlike any open one, kept as a keyed hash) pairing one device."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        with self.atomic() as conn:
            code = ""
            while not code or self._open_code(code, now) is not None:
                code = f"{secrets.randbelow(10**6):06d}"
            conn.execute("INSERT INTO pairing_codes (code_hash, role, window, name, expires_at, "
                         "claimed) VALUES (?, ?, ?, ?, ?, 0)",
                         (self._code_hash(code), role, window, name, now + ttl_s))
        return code

    def claim_pairing_code(self, code: str, name: str, now: float
                           ) -> tuple[str, PairedDevice] | None:
        """Pair a device with an open code, once: its token and what it is (the code's name, else
        ``name``); None for a wrong, expired or used code; ``ValueError``: the name is taken."""
        with self.atomic() as conn:
            row = self._open_code(code, now)
            if row is None:
                return None
            device = PairedDevice(row["name"] or name, row["role"], row["window"])
            if conn.execute("SELECT 1 FROM devices WHERE name = ? AND revoked = 0",
                            (device.name,)).fetchone():
                raise ValueError(device.name)
            conn.execute("UPDATE pairing_codes SET claimed = 1 WHERE id = ?", (row["id"],))
            return self.pair(device.role, device.name, device.window), device

    def void_pairing_codes(self, now: float) -> int:
        """End every open code (someone is guessing); how many were open."""
        with self.atomic() as conn:
            return conn.execute("UPDATE pairing_codes SET expires_at = ?1 WHERE claimed = 0 AND "
                                "expires_at > ?1", (now,)).rowcount

    def _open_code(self, code: str, now: float) -> sqlite3.Row | None:
        return self._conn.execute("SELECT id, role, window, name FROM pairing_codes WHERE "
                                  "code_hash = ? AND claimed = 0 AND expires_at > ?",
                                  (self._code_hash(code), now)).fetchone()

    def _code_hash(self, code: str) -> str:
        return hmac.new(self.secret("pairing_key"), code.encode(), "sha256").hexdigest()

    # ------------------------------------------------------------------ staff credentials
    def set_staff_secret(self, staff_id: str, **values: str | bool) -> None:
        """Set ``pin_hash``, ``badge_uid`` or ``disabled`` of a staff id (a row made when it
        has none); setting a PIN or a badge enables the staff id again."""
        columns = {"pin_hash", "badge_uid", "disabled"}
        if not values or set(values) - columns:
            raise ValueError(f"set one of {', '.join(sorted(columns))}")
        if "disabled" not in values:
            values["disabled"] = False
        with self.atomic() as conn:
            conn.execute("INSERT OR IGNORE INTO staff_secrets (staff_id, disabled, updated_at) "
                         "VALUES (?, 0, ?)", (staff_id, time.time()))
            assignments = ", ".join(f"{name} = ?" for name in values)
            conn.execute(f"UPDATE staff_secrets SET {assignments}, updated_at = ? "
                         "WHERE staff_id = ?", (*values.values(), time.time(), staff_id))

    def staff_secrets(self) -> dict[str, StaffSecret]:
        """Every staff id's stored credentials, by staff id."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT staff_id, pin_hash, badge_uid, disabled FROM staff_secrets").fetchall()
        return {r["staff_id"]: StaffSecret(r["staff_id"], r["pin_hash"], r["badge_uid"],
                                           bool(r["disabled"])) for r in rows}

    def add_staff(self, members: list[tuple[str, str]]) -> None:
        """Add staff ``(id, name_zh)`` to the roster, all or none; ``ValueError`` names an id
        already there."""
        with self.atomic() as conn:
            for staff_id, name_zh in members:
                try:
                    conn.execute("INSERT INTO staff_roster (staff_id, name_zh, added_at) "
                                 "VALUES (?, ?, ?)", (staff_id, name_zh, time.time()))
                except sqlite3.IntegrityError:
                    raise ValueError(f"staff id {staff_id} is already on the roster") from None

    def staff_roster(self) -> dict[str, str]:
        """The staff added with ``hallq staff add``: name by staff id."""
        with self._lock:
            rows = self._conn.execute("SELECT staff_id, name_zh FROM staff_roster").fetchall()
        return {r["staff_id"]: r["name_zh"] for r in rows}


def _write_device_states(conn: sqlite3.Connection, events: list[Event]) -> None:
    """Keep the last state of each device of the batch's ``device.status`` events (in the
    transaction of the events themselves)."""
    conn.executemany(
        "INSERT OR REPLACE INTO device_states (place, device, state, detail, at) "
        "VALUES (?, ?, ?, ?, ?)",
        [(e.data.get("where", ""), e.data.get("device", ""), e.data.get("state", ""),
          e.data.get("detail", ""), e.ts) for e in events if e.kind == EventKind.DEVICE_STATUS])


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
