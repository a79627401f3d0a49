"""Staff sessions of the web pages, kept on the server.

A session is a random id (32 bytes from :mod:`secrets`) in a cookie that scripts cannot read
(HttpOnly), that no other site's page sends (SameSite=Strict), and that travels only over
https when the page was served over https (Secure). It ends when the staff member signs out,
after ``idle_s`` without a request, or ``absolute_s`` after sign-in whatever happens. Each
session has its own CSRF token (:mod:`hall.webkit.csrf`).

Sessions live in the process's memory: a restart signs everyone out, which is what a hall
wants of a node it restarted.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.requests import HTTPConnection
from starlette.responses import Response

SESSION_COOKIE = "hallq_staff"
#: Minutes without a request after which a desk must sign in again.
IDLE_S = 20 * 60.0
#: Hours after sign-in after which anyone must sign in again (a working day).
ABSOLUTE_S = 10 * 3600.0


@dataclass
class StaffSession:
    """One signed-in member of staff: who, what they may do, at which desk (the device name
    of the desk's reader and printer, or None), and the session's CSRF token."""

    id: str
    staff_id: str
    name_zh: str
    roles: tuple[str, ...]
    desk: str | None
    started: float
    seen: float
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    #: a message for the next page (the result of the last action), Chinese and English
    notice: tuple[str, str] | None = None


class SessionStore:
    """The open sessions; ``clock`` gives seconds (the hall node's clock, so tests can move
    it)."""

    def __init__(self, clock: Callable[[], float], idle_s: float = IDLE_S,
                 absolute_s: float = ABSOLUTE_S) -> None:
        self._clock = clock
        self.idle_s = idle_s
        self.absolute_s = absolute_s
        self._lock = threading.Lock()
        self._open: dict[str, StaffSession] = {}

    def start(self, staff_id: str, name_zh: str, roles: tuple[str, ...],
              desk: str | None) -> StaffSession:
        """A new session for a staff member who just signed in."""
        now = self._clock()
        made = StaffSession(secrets.token_urlsafe(32), staff_id, name_zh, roles, desk, now, now)
        with self._lock:
            self._drop_expired(now)
            self._open[made.id] = made
        return made

    def find(self, session_id: str | None, touch: bool = True) -> StaffSession | None:
        """The live session of ``session_id`` (its idle time starts again, unless ``touch``
        is False: a page's own poll is no sign of a person); None when there is none or it
        expired."""
        if not session_id:
            return None
        now = self._clock()
        with self._lock:
            found = self._open.get(session_id)
            if found is None:
                return None
            if self._expired(found, now):
                del self._open[session_id]
                return None
            if touch:
                found.seen = now
            return found

    def end(self, session_id: str) -> None:
        """Sign out: the session is gone."""
        with self._lock:
            self._open.pop(session_id, None)

    def _expired(self, session: StaffSession, now: float) -> bool:
        return now - session.seen > self.idle_s or now - session.started > self.absolute_s

    def _drop_expired(self, now: float) -> None:
        for gone in [s.id for s in self._open.values() if self._expired(s, now)]:
            del self._open[gone]


def served_over_https(connection: HTTPConnection) -> bool:
    """Whether the browser reached the page over https: directly, or through a reverse proxy
    that ended TLS and says so (``X-Forwarded-Proto: https``; a request cannot use it to
    weaken anything: it only makes the cookie https-only and the origin check stricter)."""
    forwarded = connection.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return (forwarded or connection.url.scheme) == "https"


def session_id_of(connection: HTTPConnection) -> str | None:
    """The session id the request's cookie carries."""
    return connection.cookies.get(SESSION_COOKIE)


def set_session_cookie(response: Response, connection: HTTPConnection,
                       session: StaffSession, absolute_s: float) -> None:
    """Give the browser the session's cookie: HttpOnly, SameSite=Strict, Secure over https."""
    response.set_cookie(SESSION_COOKIE, session.id, max_age=int(absolute_s), path="/",
                        httponly=True, samesite="strict",
                        secure=served_over_https(connection))


def clear_session_cookie(response: Response, connection: HTTPConnection) -> None:
    """Make the browser forget the session's cookie."""
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=served_over_https(connection))
