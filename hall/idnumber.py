"""Resident ID numbers (GB 11643-1999): validation, birth date, masking and keyed hashing.

An ID number is personal data: the hall keeps only its keyed hash (for per-ID limits and
matching appointments) and a masked form for screens and tickets, and never logs it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date
from pathlib import Path

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
#: ASCII digits only: ``str.isdigit`` (and ``\d``) also accept "²" or full-width "４", which
#: ``int`` rejects or reads as the same digit, hashing unlike the same person's ASCII number.
_FORM = re.compile(r"[0-9]{17}[0-9X]")
_DIGITS = frozenset("0123456789")
#: The oldest holder accepted, in years (the same bound as a referred person's age).
MAX_AGE = 150


class InvalidIdNumber(ValueError):
    """The text is not a valid 18-character resident ID number: ``str()`` says why in
    English, :attr:`message_zh` in Chinese (for the citizen); neither holds the number."""

    def __init__(self, message_en: str, message_zh: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh


def check_char(first17: str) -> str:
    """The GB 11643 check character (ISO 7064 MOD 11-2) of the first 17 digits;
    InvalidIdNumber unless they are 17 ASCII digits."""
    if len(first17) != 17 or not _DIGITS.issuperset(first17):
        raise InvalidIdNumber("an ID number has 17 digits and a check digit or X",
                              "应为17位数字加1位校验码（数字或X）")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalize(id_number: str, today: date | None = None) -> str:
    """Validate an ID number and return it upper-cased; raise :class:`InvalidIdNumber`.

    Valid: 17 ASCII digits then a digit or X (x), a calendar birth date neither after
    ``today`` nor more than :data:`MAX_AGE` years before it, and the right check character.
    ``today`` is the caller's local date (the hall's, see :func:`identify`); by default this
    machine's. The messages say why, never the number."""
    text = id_number.strip().upper()
    if not _FORM.fullmatch(text):
        if any(not c.isascii() and (c.isdigit() or c.isnumeric()) for c in text):
            raise InvalidIdNumber("an ID number is written with the digits 0-9 only, "
                                  "not full-width or other digit characters",
                                  "只能使用半角数字0-9")
        raise InvalidIdNumber("an ID number has 17 digits and a check digit or X",
                              "应为17位数字加1位校验码（数字或X）")
    _check_born(birth_date(text), date.today() if today is None else today)
    if check_char(text[:17]) != text[17]:
        raise InvalidIdNumber("the check digit does not match", "校验码不符")
    return text


def birth_date(id_number: str) -> date:
    """The birth date encoded in positions 7-14 of the ID number; InvalidIdNumber when those
    are not 8 ASCII digits forming a calendar date."""
    digits = id_number[6:14]
    if len(digits) != 8 or not _DIGITS.issuperset(digits):
        raise InvalidIdNumber("the birth date in the ID number is not a date", "出生日期无效")
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise InvalidIdNumber("the birth date in the ID number is not a date",
                              "出生日期无效") from None


def _years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (1 March for a 29 February the year lacks,
    the day someone born then is first counted a year older by :func:`age_on`)."""
    if day.year - years < date.min.year:
        return date.min
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return date(day.year - years, 3, 1)


def _check_born(born: date, today: date) -> None:
    """InvalidIdNumber when a birth date is after ``today`` or more than MAX_AGE years ago."""
    if born > today:
        raise InvalidIdNumber("the birth date in the ID number is in the future",
                              "出生日期晚于今天")
    if born < _years_before(today, MAX_AGE):
        raise InvalidIdNumber(f"the birth date in the ID number is more than {MAX_AGE} "
                              "years ago", f"出生日期早于{MAX_AGE}年前")


def age_on(id_number: str, today: date) -> int:
    """Age in whole years on ``today``; InvalidIdNumber, as :func:`normalize` on that day,
    when the birth date is after ``today`` or more than MAX_AGE years before it."""
    born = birth_date(id_number)
    _check_born(born, today)
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
    InvalidIdNumber when it is not a valid number (its birth date judged against ``today``)."""
    normalized = normalize(id_number, today)
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
