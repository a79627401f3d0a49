"""Credentials of the central platform: one per hall (or several, for rotation) and admins.

A credential is an id and a random secret, given once as the bearer token
``hq_<id>_<secret>`` and stored as the SHA-256 of the secret (a 256-bit random secret needs no
slow hash). A hall credential may touch only ``/halls/<its hall>/…`` and its own hall's
appointments, submissions and statistics; an admin credential sees the whole city; a phone
credential (the city's citizen app, 微信取号) may use only ``/api/v1/phone/…``
(``central/phone.py``) and sees only the tickets it took; a back-office credential (the
departments' staff who check self-service submissions, 后台受理) may read and move on the
city's submissions and nothing else.
Verified tokens are cached for :data:`CACHE_S` seconds, so a revocation takes effect within
that time on every API worker.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from central.db import Database
from central.errors import forbidden

ROLES = ("hall", "admin", "phone", "office")
#: Seconds a verified token is trusted without asking the database again.
CACHE_S = 30.0


@dataclass(frozen=True)
class Principal:
    """Who is calling: a hall (``hall_id`` set), an admin, the phone channel or the back
    office."""

    credential_id: str
    role: str
    hall_id: str | None = None

    @property
    def is_admin(self) -> bool:
        """Whether this credential sees the whole city."""
        return self.role == "admin"

    @property
    def is_phone(self) -> bool:
        """Whether this is the city's phone channel (its citizen app's server)."""
        return self.role == "phone"

    @property
    def is_back_office(self) -> bool:
        """Whether this credential may read and move on submissions (admin or back office)."""
        return self.role in ("admin", "office")

    def require_back_office(self) -> None:
        """Refuse (403) unless this is a back-office (or admin) credential."""
        if not self.is_back_office:
            raise forbidden("Only a back-office or admin credential may do this")

    def require_hall(self, hall_id: str) -> None:
        """Refuse (403) unless this credential may see ``hall_id``'s data."""
        if not (self.is_admin or self.hall_id == hall_id):
            raise forbidden()

    def require_admin(self) -> None:
        """Refuse (403) unless this is an admin credential."""
        if not self.is_admin:
            raise forbidden("Only an admin credential may do this")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_credential(db: Database, role: str, hall_id: str | None = None,
                      note: str = "") -> str:
    """Create a credential and return its token (shown once, stored hashed)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if (role == "hall") != bool(hall_id):
        raise ValueError("a hall credential names its hall; other credentials none")
    cred_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    with db.transaction() as tx:
        tx.execute("INSERT INTO credentials (id, role, hall_id, secret_hash, note, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?)",
                   (cred_id, role, hall_id, _digest(secret), note, time.time()))
        if hall_id:
            tx.execute("INSERT INTO halls (hall_id) VALUES (?) ON CONFLICT DO NOTHING",
                       (hall_id,))
    return f"hq_{cred_id}_{secret}"


def revoke(db: Database, credential_id: str) -> bool:
    """Revoke a credential; False when there is no such credential."""
    with db.transaction() as tx:
        found = tx.one("SELECT 1 FROM credentials WHERE id = ?", (credential_id,))
        tx.execute("UPDATE credentials SET revoked = 1 WHERE id = ?", (credential_id,))
    return found is not None


def list_credentials(db: Database) -> list[dict]:
    """Every credential (never its secret)."""
    with db.transaction() as tx:
        rows = tx.all("SELECT id, role, hall_id, note, created_at, revoked FROM credentials "
                      "ORDER BY created_at")
    return [{"id": r[0], "role": r[1], "hall_id": r[2], "note": r[3], "created_at": r[4],
             "revoked": bool(r[5])} for r in rows]


class Authenticator:
    """Checks bearer tokens against the credentials table, with a short cache."""

    def __init__(self, db: Database, cache_s: float = CACHE_S) -> None:
        self.db = db
        self.cache_s = cache_s
        self._cache: dict[str, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    def cached(self, token: str) -> Principal | None:
        """The principal of a token verified a moment ago, without asking the database."""
        with self._lock:
            cached = self._cache.get(token)
        return cached[0] if cached is not None and cached[1] > time.monotonic() else None

    def principal(self, token: str) -> Principal | None:
        """The principal of a token, or None when it is unknown, malformed or revoked."""
        now = time.monotonic()
        known = self.cached(token)
        if known is not None:
            return known
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "hq":
            return None
        with self.db.transaction() as tx:
            row = tx.one("SELECT role, hall_id, secret_hash FROM credentials "
                         "WHERE id = ? AND revoked = 0", (parts[1],))
        if row is None or not hmac.compare_digest(row[2], _digest(parts[2])):
            return None
        principal = Principal(parts[1], row[0], row[1])
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[token] = (principal, now + self.cache_s)
        return principal
