"""The numbers the hall's and central's APIs accept, bounded to what a hall could have, so that
no number reaches SQLite, PostgreSQL or ``datetime`` out of their range (a 5xx).

A sequence number fits a signed 64-bit integer (SQLite's ``INTEGER``, PostgreSQL's
``bigint``); a time is POSIX seconds between 2000-01-01 and 2100-01-01 (UTC); a count or a
duration stays within what a hall's day, or a century, could hold.

The integer types take a JSON number that is whole (``4`` and ``4.0``, both an ``integer``
by the JSON Schema of the OpenAPI documents) and refuse anything else: ``true``, ``"4"``,
``4.5``. The number types take any finite JSON number in range and refuse ``true`` and
``"4"``. What the documents say is what the models accept.
"""

from typing import Annotated, Any, TypeGuard

from pydantic import BeforeValidator, Field, Strict

#: The largest sequence number (and cursor): a signed 64-bit integer.
MAX_SEQ = 2**63 - 1
#: The earliest and latest time accepted: 2000-01-01 and 2100-01-01, 00:00 UTC.
EARLIEST = 946_684_800.0
LATEST = 4_102_444_800.0
#: The most of anything a hall counts (tickets, events behind, waiting submissions …).
MAX_COUNT = 10_000_000
#: The longest duration, in seconds: the century of times accepted.
MAX_DURATION_S = LATEST - EARLIEST


def _whole(value: Any) -> Any:
    """A float with no fraction as the integer it is (JSON Schema's ``integer`` includes
    ``4.0``); anything else unchanged, for the strict check after."""
    if type(value) is float and value.is_integer():
        return int(value)
    return value


#: An integer: a whole JSON number, never a boolean or a string (bound it with ``Field``).
WholeNumber = Annotated[int, Strict(), BeforeValidator(_whole)]
#: A sequence number or a cursor: 0 … 2^63−1.
Seq = Annotated[int, Strict(), Field(ge=0, le=MAX_SEQ), BeforeValidator(_whole)]
#: How many of something a hall has: 0 … ``MAX_COUNT``.
Count = Annotated[int, Strict(), Field(ge=0, le=MAX_COUNT), BeforeValidator(_whole)]
#: A moment, in POSIX seconds: 2000-01-01 … 2100-01-01 (UTC).
PosixTime = Annotated[float, Strict(), Field(ge=EARLIEST, le=LATEST, allow_inf_nan=False)]
#: A duration in seconds: 0 … a century.
Duration = Annotated[float, Strict(), Field(ge=0, le=MAX_DURATION_S, allow_inf_nan=False)]


def is_time(value: object) -> TypeGuard[float]:
    """Whether ``value`` is a number (not a boolean) within the times accepted."""
    return type(value) in (int, float) and EARLIEST <= value <= LATEST  # type: ignore[operator]


def is_seq(value: object, least: int = 0) -> TypeGuard[int]:
    """Whether ``value`` is an integer (not a boolean) from ``least`` to ``MAX_SEQ``."""
    return type(value) is int and least <= value <= MAX_SEQ
