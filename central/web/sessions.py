"""The back office's sign-in sessions, kept in central's database (``office_sessions``) so
that any worker of central serves any page, and a restart signs no one out.

The same sessions as the web kit's (:class:`hall.webkit.sessions.SessionStore`, which keeps a
hall node's in memory): a random id (32 bytes) in an HttpOnly, SameSite=Strict cookie, ended by
sign-out, ``idle_s`` without a request or ``absolute_s`` after sign-in, each with its CSRF
token. The database holds only the SHA-256 of the id: a copy of the table opens no session.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable

from central.db import Database
from hall.webkit.sessions import ABSOLUTE_S, IDLE_S, StaffSession


def _hashed(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class OfficeSessions:
    """The open sessions of the back office; ``clock`` gives seconds."""

    def __init__(self, db: Database, clock: Callable[[], float], idle_s: float = IDLE_S,
                 absolute_s: float = ABSOLUTE_S) -> None:
        self.db = db
        self._clock = clock
        self.idle_s = idle_s
        self.absolute_s = absolute_s

    def start(self, staff_id: str, name_zh: str, roles: tuple[str, ...],
              desk: str | None = None) -> StaffSession:
        """A new session for a member of staff who just signed in (expired ones are
        dropped)."""
        now = self._clock()
        made = StaffSession(secrets.token_urlsafe(32), staff_id, name_zh, roles, desk, now, now)
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM office_sessions WHERE seen < ? OR started < ?",
                       (now - self.idle_s, now - self.absolute_s))
            tx.execute("INSERT INTO office_sessions (id_hash, staff_id, name_zh, roles, "
                       "started, seen, csrf) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (_hashed(made.id), staff_id, name_zh, ",".join(roles), now, now,
                        made.csrf))
        return made

    def find(self, session_id: str | None, touch: bool = True) -> StaffSession | None:
        """The live session of ``session_id`` (its idle time starts again unless ``touch``
        is False); None when there is none or it expired."""
        if not session_id or len(session_id) > 128:
            return None
        now = self._clock()
        key = _hashed(session_id)
        with self.db.transaction() as tx:
            row = tx.one("SELECT staff_id, name_zh, roles, started, seen, csrf, notice_zh, "
                         "notice_en FROM office_sessions WHERE id_hash = ?", (key,))
            if row is None:
                return None
            if now - row[4] > self.idle_s or now - row[3] > self.absolute_s:
                tx.execute("DELETE FROM office_sessions WHERE id_hash = ?", (key,))
                return None
            if touch:
                tx.execute("UPDATE office_sessions SET seen = ? WHERE id_hash = ?", (now, key))
        return StaffSession(session_id, row[0], row[1], tuple(r for r in row[2].split(",") if r),
                            None, row[3], now if touch else row[4], row[5],
                            (row[6], row[7]) if row[6] is not None else None)

    def tell(self, session: StaffSession, notice: tuple[str, str] | None) -> None:
        """Keep a message for the session's next page (None: it was shown)."""
        session.notice = notice
        with self.db.transaction() as tx:
            tx.execute("UPDATE office_sessions SET notice_zh = ?, notice_en = ? "
                       "WHERE id_hash = ?", (*(notice or (None, None)), _hashed(session.id)))

    def end(self, session_id: str) -> None:
        """Sign out: the session is gone."""
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM office_sessions WHERE id_hash = ?", (_hashed(session_id),))
