"""Errors a citizen, staff member, device or peer can cause, each with a stable code and a
message in Chinese first and English second. The APIs return them as 4xx/5xx bodies
``{"code", "message_zh", "message_en"}``; apps show the message and compare the code.

:class:`ErrorCode` is every code the hall node, the central platform and their clients use,
each with its usual HTTP status and its meaning (a ``StrEnum``: on the wire it is the plain
string). :class:`BilingualError` is the one base of the errors that carry them: the hall's
:class:`QueueError` and central's ``central.errors.CentralError``. :func:`error_responses`
lists codes with their meaning for the OpenAPI documents. Device codes (``printer.paper_out``
…) are the devices' own, ``devices.codes.DeviceErrorCode``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any


class ErrorCode(enum.StrEnum):
    """A stable error code, with the HTTP ``status`` it is raised with (0 for a code that is
    never an HTTP answer's) and its ``meaning``."""

    status: int
    meaning: str

    def __new__(cls, value: str, status: int = 409, meaning: str = "") -> ErrorCode:
        member = str.__new__(cls, value)
        member._value_ = value
        member.status = status
        member.meaning = meaning
        return member

    # the hall node: things that do not exist
    UNKNOWN_SERVICE = "unknown_service", 404, "no such service (theme or item) here"
    UNKNOWN_WINDOW = "unknown_window", 404, "no such window"
    UNKNOWN_TICKET = "unknown_ticket", 404, "no such ticket today"
    UNKNOWN_APPOINTMENT = "unknown_appointment", 404, "no such appointment"
    UNKNOWN_REQUEST = "unknown_request", 404, "no such remote-call request of this window"
    UNKNOWN_REFERRAL = "unknown_referral", 404, "no such referral today"
    # the hall node: issuing
    CLOSED = "closed", 409, "the hall is outside its opening hours"
    CUTOFF = "cutoff", 409, "the service stopped issuing numbers for today"
    QUOTA_REACHED = "quota_reached", 409, "the service's numbers for today are all taken"
    ID_LIMIT_REACHED = "id_limit_reached", 409, "this ID took its daily number of tickets"
    INVALID_ID_NUMBER = "invalid_id_number", 422, "not a valid resident ID number"
    APPOINTMENT_USED = ("appointment_used", 409,
                        "the appointment was already checked in or handed a submission in")
    APPOINTMENT_MISMATCH = ("appointment_mismatch", 422,
                            "the appointment is for another service or another person")
    APPOINTMENT_NOT_TODAY = "appointment_not_today", 409, "the appointment is for another day"
    APPOINTMENT_ANONYMOUS = ("appointment_anonymous", 409,
                             "the appointment was booked without an ID number: it names nobody")
    BAD_CHANNEL = "bad_channel", 422, "unknown issuing channel"
    # the hall node: windows and tickets
    WINDOW_CLOSED = "window_closed", 409, "the window is closed"
    WINDOW_PAUSED = "window_paused", 409, "the window is paused"
    WINDOW_BUSY = "window_busy", 409, "the window still has a current ticket"
    WINDOW_IDLE = "window_idle", 409, "the window has no current ticket"
    BAD_STATE = "bad_state", 409, "not allowed in the current state of the ticket or window"
    RECALL_LIMIT = "recall_limit", 409, "recalled the maximum number of times"
    RECHECKIN_LIMIT = "recheckin_limit", 409, "the no-show already checked in again once"
    NO_SHOW_TOO_EARLY = ("no_show_too_early", 409,
                         "a no-show needs the hall's minimum of recalls or seconds since the call")
    NOTHING_TO_UNDO = "nothing_to_undo", 409, "this window has no no-show to undo"
    UNDO_EXPIRED = "undo_expired", 409, "the time to undo the no-show is over"
    BAD_TRANSFER = "bad_transfer", 422, "a transfer needs one target other than this window"
    ALREADY_RATED = "already_rated", 409, "the service was already rated"
    BAD_RATING = "bad_rating", 422, "a rating is a level from 1 to 5"
    # the hall node: cloud calling and referrals
    NO_VIDEO = "no_video", 403, "the window has no video equipment for remote calling"
    REMOTE_BUSY = "remote_busy", 409, "the window is on a remote call"
    NOT_ANYWHERE = "not_anywhere", 409, "the item can only be handled at its own hall"
    NOT_REFERRED = "not_referred", 409, "the ticket was not issued for a referral"
    WRONG_REFERRAL = "wrong_referral", 409, "the ticket was issued for another referral"
    # the hall node: self-service submissions (自助申报, hall/api/submissions.py)
    NOT_SELF_SERVICE = "not_self_service", 409, "the item cannot be handed in at a kiosk"
    INVALID_FIELD = "invalid_field", 422, "a field of the self-service form is not valid"
    MISSING_MATERIAL = ("missing_material", 422,
                        "a required material is neither photographed nor reused")
    NOT_JPEG = "not_jpeg", 422, "a material's photo is not a JPEG image"
    SUBMISSION_TOO_LARGE = ("submission_too_large", 413,
                            "a photo or the whole submission is too large")
    UNKNOWN_SUBMISSION = "unknown_submission", 404, "no submission with this receipt code"
    # both: credentials and requests
    UNAUTHORIZED = "unauthorized", 401, "a valid device token or credential is required"
    BAD_CREDENTIALS = ("bad_credentials", 401,
                       "wrong staff id, badge or PIN, or the staff id is locked for a while")
    TOO_MANY_ATTEMPTS = "too_many_attempts", 429, "too many sign-in attempts from this device"
    FORBIDDEN = "forbidden", 403, "this device or credential may not do this"
    BAD_REQUEST = "bad_request", 422, "the request is malformed"
    STORE_UNAVAILABLE = "store_unavailable", 503, "the hall node cannot save now; retry"
    INTERNAL_ERROR = "internal_error", 500, "an unexpected error; retry"
    # the central platform
    NOT_FOUND = "not_found", 404, "no such record (central)"
    CONFLICT = "conflict", 409, "the id is already used"
    BAD_OFFSET = "bad_offset", 409, "an upload chunk does not start where the file ends"
    CHECKSUM_MISMATCH = "checksum_mismatch", 422, "an uploaded chunk or file fails its sha256"
    CATALOG_INVALID = "catalog_invalid", 422, "a hall's service catalog is malformed"
    DATABASE_UNAVAILABLE = "database_unavailable", 503, "central's database is unavailable"
    PHONE_UNAVAILABLE = "phone_unavailable", 503, "central takes no numbers by phone"
    HALL_OFFLINE = "hall_offline", 503, "the ticket's hall cannot be reached from central now"
    # why a referral or a phone ticket failed: in its ``error`` body, never an HTTP answer
    REFERRAL_TIMEOUT = "referral_timeout", 0, "the other hall did not answer in time"
    UNKNOWN_HALL = "unknown_hall", 0, "the chosen hall is not connected to cloud calling"
    HALL_UNAVAILABLE = "hall_unavailable", 0, "the chosen hall did not take the referral"
    REFERRAL_LOST = "referral_lost", 0, "the referral could not be completed"
    WITHDRAWN = "withdrawn", 0, "the citizen took a number at their own hall"
    CANCELLED = "cancelled", 0, "the citizen cancelled the phone ticket"
    EXPIRED = "expired", 0, "the phone ticket was for an earlier day"
    # the clients' own (never sent by a server)
    UNREACHABLE = "unreachable", 0, "the server cannot be reached"
    HTTP_ERROR = "http_error", 0, "an error answer without a code"

    @classmethod
    def of(cls, code: str) -> ErrorCode | str:
        """The member for ``code`` when it is one, else ``code`` itself (a newer server's)."""
        try:
            return cls(code)
        except ValueError:
            return code


class BilingualError(Exception):
    """A refusal with a stable code, an HTTP status and a message in Chinese and English;
    nothing was changed."""

    status = 409

    def __init__(self, code: ErrorCode | str, message_zh: str, message_en: str,
                 status: int | None = None) -> None:
        self.code = ErrorCode(code)
        self.message_zh = message_zh
        self.message_en = message_en
        if status is not None:
            self.status = status
        super().__init__(self.summary())

    def summary(self) -> str:
        """One line for a log: the code and the English message."""
        return f"{self.code}: {self.message_en}"

    def to_dict(self) -> dict[str, str]:
        """The JSON body of the error."""
        return {"code": str(self.code), "message_zh": self.message_zh,
                "message_en": self.message_en}


class QueueError(BilingualError):
    """A rule of the hall refused an operation; nothing was changed."""


def not_found(code: ErrorCode, what_zh: str, what_en: str) -> QueueError:
    """A 404 for something that does not exist."""
    return QueueError(code, f"{what_zh}不存在", f"{what_en} not found", status=404)


def unknown_service(name: str) -> QueueError:
    """A 404 for a service (theme or item) the hall does not have."""
    return QueueError(ErrorCode.UNKNOWN_SERVICE, "没有该业务", f"No such service: {name}",
                      status=404)


def window_busy() -> QueueError:
    """A 409: the window still has a current ticket."""
    return QueueError(ErrorCode.WINDOW_BUSY, "请先办结或过号当前号码",
                      "Finish or mark the current ticket as no-show first")


def bad_credentials() -> QueueError:
    """A 401, the same for a wrong PIN, an unknown staff id or badge and a locked staff id (so
    that an answer tells a guesser nothing)."""
    return QueueError(ErrorCode.BAD_CREDENTIALS, "工号、工牌或密码错误",
                      "Wrong staff id, badge or PIN", status=401)


def error_responses(codes: Iterable[ErrorCode] | None = None) -> dict[int | str, Any]:
    """The ``responses=`` of a FastAPI route or app: for each HTTP status among ``codes``
    (default: every code a server sends), the error body's schema with the codes as an enum
    and their meanings in the description."""
    chosen = [c for c in (ErrorCode if codes is None else codes) if c.status]
    by_status: dict[int, list[ErrorCode]] = {}
    for code in chosen:
        by_status.setdefault(code.status, []).append(code)
    return {status: {
        "description": "; ".join(f"`{c}`: {c.meaning}" for c in listed),
        "content": {"application/json": {"schema": {
            "type": "object", "required": ["code", "message_zh", "message_en"],
            "properties": {"code": {"type": "string", "enum": [str(c) for c in listed]},
                           "message_zh": {"type": "string"},
                           "message_en": {"type": "string"}}}}}}
        for status, listed in sorted(by_status.items())}
