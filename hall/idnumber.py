"""Resident ID numbers (GB 11643-1999): validation, birth date, masking and keyed hashing.

An ID number is personal data: the hall keeps only its keyed hash (for per-ID limits and
matching appointments) and a masked form for screens and tickets, and never logs it.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from pathlib import Path

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


class InvalidIdNumber(ValueError):
    """The text is not a valid 18-character resident ID number."""


def check_char(first17: str) -> str:
    """The GB 11643 check character (ISO 7064 MOD 11-2) of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalize(id_number: str) -> str:
    """Validate an ID number and return it upper-cased; raise :class:`InvalidIdNumber`."""
    text = id_number.strip().upper()
    if len(text) != 18 or not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise InvalidIdNumber("an ID number has 17 digits and a check digit or X")
    birth_date(text)
    if check_char(text[:17]) != text[17]:
        raise InvalidIdNumber("the check digit does not match")
    return text


def birth_date(id_number: str) -> date:
    """The birth date encoded in positions 7-14 of the ID number."""
    digits = id_number[6:14]
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise InvalidIdNumber("the birth date in the ID number is not a date") from None


def age_on(id_number: str, today: date) -> int:
    """Age in whole years on ``today``."""
    born = birth_date(id_number)
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def mask(id_number: str) -> str:
    """The form shown on screens and tickets: first 4 and last 4 characters."""
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def keyed_hash(id_number: str, key: bytes) -> str:
    """HMAC-SHA256 of the ID number under the hall's (or city's) secret key, hex."""
    return hmac.new(key, id_number.upper().encode(), hashlib.sha256).hexdigest()


def identify(id_number: str, key: bytes, today: date) -> tuple[str, str, int]:
    """What may travel of a citizen (to another hall, or from central's phone channel): the
    keyed hash, the masked number and the age on ``today`` — never the number itself.
    InvalidIdNumber when it is not a valid number."""
    normalized = normalize(id_number)
    return keyed_hash(normalized, key), mask(normalized), age_on(normalized, today)


def read_key(path: str | Path) -> bytes:
    """The city's key for hashing ID numbers, hex in a file (``--id-key-file``); ValueError
    when it cannot be read or is shorter than 16 bytes."""
    try:
        key = bytes.fromhex(Path(path).read_text().strip())
    except (OSError, ValueError) as err:
        raise ValueError(f"cannot read the ID key from {path}: {err}") from None
    if len(key) < 16:
        raise ValueError(f"the ID key in {path} is shorter than 16 bytes")
    return key
