"""Named schema migrations of the central database, for PostgreSQL and SQLite.

Each migration is a name and, per dialect, a list of statements; it runs in one transaction
together with the ``_migrations`` row that records it, so it is applied whole or not at all.
On PostgreSQL an advisory lock makes API workers that start together migrate one at a time.
A name is never reused or changed once shipped; a new change is a new migration.

A migration may instead be a function of the transaction and central's data key
(``central/data_key.py``), for rows that must be sealed: it, and every migration after it,
waits until central is started with its key (:func:`central.data_key.open_data_key`), so the
migrations always run in their order.

The event log and the statistics facts are partitioned by hall on PostgreSQL
(``PARTITION BY HASH (hall_id)``, see docs/central.md); the hall is the natural partition key
of every table.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from central.data_key import DataKey
from central.db import Database, Tx
from central.sealing import seal_rows_kept_in_clear

log = logging.getLogger("hallq.central.db")

#: Partitions of the event log on PostgreSQL (by hash of the hall id).
EVENT_PARTITIONS = 16
_MIGRATION_LOCK = 0x6861_6C6C  # "hall": the advisory lock id held while migrating

_COMMON_001 = [
    """CREATE TABLE credentials (
        id TEXT PRIMARY KEY, role TEXT NOT NULL, hall_id TEXT, secret_hash TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '', created_at DOUBLE PRECISION NOT NULL,
        revoked INTEGER NOT NULL DEFAULT 0)""",
    """CREATE TABLE halls (
        hall_id TEXT PRIMARY KEY, acked BIGINT NOT NULL DEFAULT 0,
        max_seq BIGINT NOT NULL DEFAULT 0, head_seq BIGINT NOT NULL DEFAULT 0,
        last_event_ts DOUBLE PRECISION, last_push_at DOUBLE PRECISION)""",
    """CREATE TABLE live_themes (
        hall_id TEXT NOT NULL, theme TEXT NOT NULL, waiting INTEGER NOT NULL DEFAULT 0,
        service_count INTEGER NOT NULL DEFAULT 0,
        service_sum DOUBLE PRECISION NOT NULL DEFAULT 0, updated_ts DOUBLE PRECISION,
        PRIMARY KEY (hall_id, theme))""",
    """CREATE TABLE live_windows (
        hall_id TEXT NOT NULL, window_no TEXT NOT NULL, status TEXT NOT NULL,
        updated_ts DOUBLE PRECISION, PRIMARY KEY (hall_id, window_no))""",
    """CREATE TABLE catalogs (
        hall_id TEXT PRIMARY KEY, version INTEGER NOT NULL, body TEXT NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE appointments (
        code TEXT PRIMARY KEY, hall_id TEXT NOT NULL, service TEXT NOT NULL,
        slot_start DOUBLE PRECISION NOT NULL, slot_end DOUBLE PRECISION NOT NULL,
        day TEXT NOT NULL, id_hash TEXT, status TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL)""",
    "CREATE INDEX appointments_day ON appointments (hall_id, day)",
    "CREATE INDEX appointments_id_hash ON appointments (id_hash)",
    """CREATE TABLE submissions (
        id TEXT PRIMARY KEY, hall_id TEXT NOT NULL, client_id TEXT NOT NULL,
        receipt TEXT NOT NULL UNIQUE, form TEXT NOT NULL, fields TEXT NOT NULL,
        status TEXT NOT NULL, note TEXT NOT NULL DEFAULT '',
        created_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL,
        UNIQUE (hall_id, client_id))""",
    """CREATE TABLE submission_files (
        submission_id TEXT NOT NULL, name TEXT NOT NULL, size BIGINT NOT NULL,
        sha256 TEXT NOT NULL, received BIGINT NOT NULL DEFAULT 0,
        complete INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (submission_id, name))""",
]

_FACTS_COLUMNS = """hall_id TEXT NOT NULL, ticket TEXT NOT NULL, day TEXT NOT NULL,
        kind TEXT NOT NULL, theme TEXT, item TEXT, channel TEXT, window_no TEXT,
        value DOUBLE PRECISION, ts DOUBLE PRECISION NOT NULL"""
_FACTS_INDEX = "CREATE INDEX ticket_facts_hall_day ON ticket_facts (hall_id, day)"


def _partitions(table: str) -> list[str]:
    return [f"CREATE TABLE {table}_p{i:02d} PARTITION OF {table} "
            f"FOR VALUES WITH (MODULUS {EVENT_PARTITIONS}, REMAINDER {i})"
            for i in range(EVENT_PARTITIONS)]


_POSTGRES_001 = [
    """CREATE TABLE events (
        hall_id TEXT NOT NULL, seq BIGINT NOT NULL, ts DOUBLE PRECISION NOT NULL,
        kind TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (hall_id, seq))
        PARTITION BY HASH (hall_id)""",
    *_partitions("events"),
    f"CREATE TABLE ticket_facts ({_FACTS_COLUMNS}) PARTITION BY HASH (hall_id)",
    *_partitions("ticket_facts"),
    _FACTS_INDEX,
    """CREATE TABLE file_chunks (
        submission_id TEXT NOT NULL, name TEXT NOT NULL, pos BIGINT NOT NULL,
        data BYTEA NOT NULL, PRIMARY KEY (submission_id, name, pos))""",
]

_SQLITE_001 = [
    """CREATE TABLE events (
        hall_id TEXT NOT NULL, seq INTEGER NOT NULL, ts REAL NOT NULL, kind TEXT NOT NULL,
        data TEXT NOT NULL, PRIMARY KEY (hall_id, seq)) WITHOUT ROWID""",
    f"CREATE TABLE ticket_facts ({_FACTS_COLUMNS})",
    _FACTS_INDEX,
    """CREATE TABLE file_chunks (
        submission_id TEXT NOT NULL, name TEXT NOT NULL, pos INTEGER NOT NULL,
        data BLOB NOT NULL, PRIMARY KEY (submission_id, name, pos))""",
]

#: Cloud calling: citizens referred from one hall's kiosk to another hall (跨厅取号), kept
#: durably so that each is issued at most once (``central/referrals.py``).
_COMMON_002 = [
    """CREATE TABLE referrals (
        id TEXT PRIMARY KEY, from_hall TEXT NOT NULL, hall_id TEXT NOT NULL,
        item TEXT NOT NULL, state TEXT NOT NULL, result TEXT,
        created_at DOUBLE PRECISION NOT NULL, claimed_at DOUBLE PRECISION,
        updated_at DOUBLE PRECISION NOT NULL)""",
    "CREATE INDEX referrals_hall_state ON referrals (hall_id, state)",
]

#: A referred citizen (hash of the ID number, masked number, age) for the chosen hall's
#: agent; kept only until that agent claims the referral (``central/referrals.py``).
_COMMON_003 = ["ALTER TABLE referrals ADD COLUMN person TEXT"]

#: A rating (好差评) a citizen gave on the phone to the service of a ticket taken by phone,
#: kept until the chosen hall's agent has recorded it there (``central/referrals.py``).
_COMMON_004 = ["ALTER TABLE referrals ADD COLUMN rating INTEGER",
               "ALTER TABLE referrals ADD COLUMN rating_state TEXT",
               "ALTER TABLE referrals ADD COLUMN rating_error TEXT"]

#: When a claimed referral was last handed out: one not answered is handed out again to an
#: agent whose hall issues each referral once (``central/referrals.py``).
_COMMON_005 = ["ALTER TABLE referrals ADD COLUMN handed_at DOUBLE PRECISION"]

#: Which citizen a referral names, as a digest of the referral id and the keyed hash (it
#: matches nothing else): the same id posted again for another citizen is refused.
_COMMON_006 = ["ALTER TABLE referrals ADD COLUMN person_check TEXT"]

#: Self-service submissions from the halls' kiosks (自助申报): the receipt is minted by the hall;
#: the item's names, the citizen's keyed ID hash and masked number, the materials (with how
#: long each may be reused), the reason of a rejection in English, when personal data was
#: erased; documents kept for reuse by the keyed ID hash (一证通办, ``central/documents.py``)
#: and which a submission reused.
_COMMON_007 = [
    "ALTER TABLE submissions ADD COLUMN item_name_zh TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE submissions ADD COLUMN item_name_en TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE submissions ADD COLUMN id_hash TEXT",
    "ALTER TABLE submissions ADD COLUMN id_masked TEXT",
    "ALTER TABLE submissions ADD COLUMN materials TEXT NOT NULL DEFAULT '[]'",
    "ALTER TABLE submissions ADD COLUMN submitted_at TEXT",
    "ALTER TABLE submissions ADD COLUMN reason_en TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE submissions ADD COLUMN erased_at DOUBLE PRECISION",
    "CREATE INDEX submissions_hall_updated ON submissions (hall_id, updated_at)",
    "CREATE INDEX submissions_status ON submissions (status, updated_at)",
    """CREATE TABLE documents (
        id TEXT PRIMARY KEY, id_hash TEXT NOT NULL, material_id TEXT NOT NULL,
        name_zh TEXT NOT NULL, name_en TEXT NOT NULL, submission_id TEXT NOT NULL,
        files TEXT NOT NULL, given_on TEXT NOT NULL, valid_until TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL)""",
    "CREATE INDEX documents_id_hash ON documents (id_hash, material_id)",
    """CREATE TABLE submission_reuse (
        submission_id TEXT NOT NULL, doc_id TEXT NOT NULL, material_id TEXT NOT NULL,
        linked INTEGER NOT NULL, PRIMARY KEY (submission_id, doc_id))""",
]

#: The back office's web pages (``central/web/``): its staff, each with a PIN kept as a scrypt
#: hash and the wrong tries that lock the staff id, and their sign-in sessions (by the SHA-256
#: of the session id) — in the database, so that any worker serves any page; and who moved each
#: submission on, when (``central/submissions.py``).
_COMMON_008 = [
    """CREATE TABLE office_staff (
        id TEXT PRIMARY KEY, name_zh TEXT NOT NULL, name_en TEXT NOT NULL,
        pin_hash TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0,
        failures INTEGER NOT NULL DEFAULT 0, lockouts INTEGER NOT NULL DEFAULT 0,
        locked_until DOUBLE PRECISION NOT NULL DEFAULT 0,
        created_at DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE submission_moves (
        submission_id TEXT NOT NULL, status TEXT NOT NULL, by_who TEXT NOT NULL,
        at DOUBLE PRECISION NOT NULL)""",
    "CREATE INDEX submission_moves_submission ON submission_moves (submission_id, at)",
    """CREATE TABLE office_sessions (
        id_hash TEXT PRIMARY KEY, staff_id TEXT NOT NULL, name_zh TEXT NOT NULL,
        roles TEXT NOT NULL, started DOUBLE PRECISION NOT NULL,
        seen DOUBLE PRECISION NOT NULL, csrf TEXT NOT NULL,
        notice_zh TEXT, notice_en TEXT)""",
]

# each hall's public link key: central checks the tokens of its public phone pages with it
# (central/phone_page.py); its sync agent sends it
_COMMON_009 = ["CREATE TABLE phone_keys (hall_id TEXT PRIMARY KEY, key_hex TEXT NOT NULL, "
               "stored_at DOUBLE PRECISION NOT NULL)"]

#: Central's data key is checked against a value sealed with it (``central/data_key.py``).
_COMMON_010 = ["CREATE TABLE data_key_check (id INTEGER PRIMARY KEY, sealed TEXT NOT NULL, "
               "created_at DOUBLE PRECISION NOT NULL)"]

#: A migration's statements per dialect, or a function sealing rows with the data key.
Migration = dict[str, list[str]] | Callable[[Tx, DataKey], None]

#: Applied in order: (name, {dialect: statements} or a function of the key).
MIGRATIONS: list[tuple[str, Migration]] = [
    ("001_initial", {"postgresql": _COMMON_001 + _POSTGRES_001,
                     "sqlite": _COMMON_001 + _SQLITE_001}),
    ("002_referrals", {"postgresql": _COMMON_002, "sqlite": _COMMON_002}),
    ("003_referral_person", {"postgresql": _COMMON_003, "sqlite": _COMMON_003}),
    ("004_referral_rating", {"postgresql": _COMMON_004, "sqlite": _COMMON_004}),
    ("005_referral_handed", {"postgresql": _COMMON_005, "sqlite": _COMMON_005}),
    ("006_referral_person_check", {"postgresql": _COMMON_006, "sqlite": _COMMON_006}),
    ("007_self_service", {"postgresql": _COMMON_007, "sqlite": _COMMON_007}),
    ("008_office_staff", {"postgresql": _COMMON_008, "sqlite": _COMMON_008}),
    ("009_phone_keys", {"postgresql": _COMMON_009, "sqlite": _COMMON_009}),
    ("010_data_key", {"postgresql": _COMMON_010, "sqlite": _COMMON_010}),
    # the submissions' personal parts and photos, kept in clear before, sealed
    ("011_seal_personal_data", seal_rows_kept_in_clear),
]


def applied(db: Database) -> list[str]:
    """Names of the migrations applied to ``db``, oldest first."""
    with db.transaction() as tx:
        if tx.dialect == "postgresql":
            tx.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
        tx.execute("CREATE TABLE IF NOT EXISTS _migrations "
                   "(name TEXT PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)")
        return [row[0] for row in tx.all("SELECT name FROM _migrations ORDER BY name")]


def migrate(db: Database, key: DataKey | None = None) -> list[str]:
    """Apply the migrations ``db`` lacks, each in its own transaction; return their names.
    Without ``key``, stop before the first that needs it."""
    done = set(applied(db))
    names = []
    for name, step in MIGRATIONS:
        if name in done:
            continue
        if callable(step) and key is None:
            break
        with db.transaction() as tx:
            if tx.dialect == "postgresql":
                tx.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
                if tx.one("SELECT 1 FROM _migrations WHERE name = ?", (name,)):
                    continue  # another worker applied it while we waited
            if callable(step):
                assert key is not None
                step(tx, key)
            else:
                for statement in step[tx.dialect]:
                    tx.execute(statement)
            tx.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                       (name, time.time()))
        names.append(name)
        log.info("applied migration %s", name)
    return names
