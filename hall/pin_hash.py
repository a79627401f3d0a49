"""Staff PINs as slow salted hashes: ``scrypt$n$r$p$salt_hex$hash_hex``.

A PIN is 4 to 8 digits, so an unsalted fast digest of it is recovered offline in milliseconds;
scrypt with a random 16-byte salt per PIN makes each guess cost ~50 ms of CPU and 16 MiB of
memory, and two staff with one PIN get different hashes. Checking compares in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from functools import cache

N, R, P = 2 ** 14, 8, 1
SALT_BYTES = 16
HASH_BYTES = 32
_MAXMEM = 64 * 1024 * 1024
_PIN = re.compile(r"^[0-9]{4,8}$")
_STORED = re.compile(r"^scrypt\$(\d+)\$(\d+)\$(\d+)\$([0-9a-f]{32})\$([0-9a-f]{64})$")


def valid_pin(pin: str) -> bool:
    """Whether ``pin`` is 4 to 8 ASCII digits."""
    return bool(_PIN.match(pin))


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM,
                          dklen=HASH_BYTES)


def hash_pin(pin: str) -> str:
    """The stored form of ``pin``, with a fresh random salt."""
    salt = secrets.token_bytes(SALT_BYTES)
    return f"scrypt${N}${R}${P}${salt.hex()}${_scrypt(pin, salt, N, R, P).hex()}"


@cache
def _nobody() -> re.Match[str]:
    """A hash checked when there is none stored, so an unknown staff id takes as long."""
    made = _STORED.match(hash_pin("0000"))
    assert made is not None
    return made


def pin_matches(stored: str | None, pin: str) -> bool:
    """Whether ``pin`` is the PIN hashed in ``stored`` (False for None or a malformed hash;
    the same work is done either way)."""
    found = _STORED.match(stored or "")
    n, r, p, salt, digest = (found or _nobody()).groups()
    if int(n) > N or int(r) > R or int(p) > P:   # a stored hash costs no more than ours
        return False
    right = hmac.compare_digest(_scrypt(pin, bytes.fromhex(salt), int(n), int(r), int(p)),
                                bytes.fromhex(digest))
    return right and found is not None
