"""Staff sign-in that cannot be guessed: who a PIN or a badge names, the lockout of a staff id
after wrong tries, and the limit on sign-in attempts per device.

PINs are checked against their scrypt hashes in the hall's store (:mod:`hall.pin_hash`, ~50 ms
a check: the API runs :meth:`SignInGuard.check_pin` in a worker thread); a badge set in the
store replaces the TOML's ``badge_uid``; a staff id disabled in the store is refused.
Every refused credential — a wrong PIN, an unknown staff id or badge, a disabled or locked
staff id — raises the same :func:`hall.errors.bad_credentials`, so an answer tells a guesser
nothing.
After ``MAX_FAILURES`` wrong tries a staff id is locked for ``FIRST_LOCK_S`` seconds, twice as
long at each further lockout up to ``LONGEST_LOCK_S`` (a right PIN meanwhile is refused too);
a right sign-in forgets the id's wrong tries and lockouts. A device may try
``DEVICE_ATTEMPTS`` sign-ins per ``DEVICE_PERIOD_S`` seconds; more answer 429.

The counters live in the hall node's memory: a restart of the node forgets them.
"""

from __future__ import annotations

import hmac
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from hall.config import Staff
from hall.errors import ErrorCode, QueueError, bad_credentials
from hall.pin_hash import pin_matches
from hall.store import StaffSecret

MAX_FAILURES = 5
FIRST_LOCK_S = 60.0
LONGEST_LOCK_S = 3600.0
DEVICE_ATTEMPTS = 10
DEVICE_PERIOD_S = 60.0


@dataclass(frozen=True)
class Lockout:
    """A staff id just locked: for how long, after how many wrong tries, from which device."""

    staff_id: str
    seconds: float
    failures: int
    device: str


class LockedOut(QueueError):
    """The wrong try that locked a staff id: answered as :func:`bad_credentials`, and
    reported (``lockout``) as a ``staff.locked`` event."""

    def __init__(self, lockout: Lockout) -> None:
        refused = bad_credentials()
        super().__init__(refused.code, refused.message_zh, refused.message_en, refused.status)
        self.lockout = lockout


@dataclass
class _Tries:
    failures: int = 0          # wrong tries since the last lockout or right sign-in
    lockouts: int = 0          # lockouts since the last right sign-in
    locked_until: float = 0.0


class SignInGuard:
    """The wrong tries of each staff id and the recent attempts of each device.

    ``clock`` gives seconds (the hall node's clock, so tests can move it).
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()     # check_pin runs in worker threads
        self._tries: dict[str, _Tries] = {}
        self._attempts: dict[str, deque[float]] = {}

    def count_attempt(self, device: str) -> None:
        """Count a sign-in attempt of ``device``; a 429 when it tried too often lately."""
        now = self._clock()
        with self._lock:
            recent = self._attempts.setdefault(device, deque())
            while recent and recent[0] <= now - DEVICE_PERIOD_S:
                recent.popleft()
            if len(recent) >= DEVICE_ATTEMPTS:
                raise QueueError(ErrorCode.TOO_MANY_ATTEMPTS, "签到尝试过于频繁，请一分钟后再试",
                                 "Too many sign-in attempts from this device; try again in a "
                                 "minute", status=429)
            recent.append(now)

    def check_pin(self, staff: Mapping[str, Staff], stored: Mapping[str, StaffSecret],
                  staff_id: str, pin: str, device: str) -> str:
        """The staff id (of the TOML's ``staff``) whose PIN hashed in ``stored`` this is; else
        :func:`bad_credentials`, a wrong try counted — :class:`LockedOut` (the same answer)
        when it locks the id. Slow (scrypt): call it off the event loop."""
        person = staff.get(staff_id)
        secret = stored.get(staff_id)
        usable = person is not None and secret is not None and not secret.disabled
        right = pin_matches(secret.pin_hash if usable and secret else None, pin)
        if person is None:
            raise bad_credentials()
        with self._lock:
            tries = self._tries.setdefault(person.id, _Tries())
            if tries.locked_until > self._clock():
                raise bad_credentials()
            if not (usable and right):
                self._wrong_try(person.id, tries, device)
                raise bad_credentials()
            self._tries.pop(person.id, None)
        return person.id

    def check_badge(self, staff: Mapping[str, Staff], stored: Mapping[str, StaffSecret],
                    badge_uid: str) -> str:
        """The staff id of the badge (the store's, else the TOML's); else
        :func:`bad_credentials` (also while the id is disabled or locked)."""
        for person in staff.values():
            secret = stored.get(person.id)
            badge = (secret.badge_uid if secret else None) or person.badge_uid
            if badge and hmac.compare_digest(badge.upper().encode(),
                                             badge_uid.upper().encode()):
                with self._lock:
                    tries = self._tries.get(person.id)
                    if (secret is not None and secret.disabled) or (
                            tries is not None and tries.locked_until > self._clock()):
                        break
                    self._tries.pop(person.id, None)
                return person.id
        raise bad_credentials()

    def _wrong_try(self, staff_id: str, tries: _Tries, device: str) -> None:
        tries.failures += 1
        if tries.failures < MAX_FAILURES:
            return
        seconds = min(FIRST_LOCK_S * 2 ** tries.lockouts, LONGEST_LOCK_S)
        tries.locked_until = self._clock() + seconds
        tries.lockouts += 1
        tries.failures = 0
        raise LockedOut(Lockout(staff_id, seconds, MAX_FAILURES, device))
