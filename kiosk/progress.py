"""Progress lookup at the kiosk (进度查询): the citizen scans the QR code of a self-service
receipt (回执) with the kiosk's camera, or types its code on the touch keyboard, and sees where
the submission stands — 上传中 / 已接收 / 已受理 / 办理中 / 已办结, or 不予受理 with the reason —
from ``HallClient.submission_progress``. Nothing personal is asked or shown: the code is all.

:class:`ProgressLookup` is a base of :class:`~kiosk.viewmodel.KioskModel`, which sets the
attributes declared here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from hall.client import HallClient
from hall.schemas import SubmissionProgressBody
from kiosk.reads import KioskReads
from kiosk.screen_ids import Screen
from ui.tasks import Runner
from ui.viewmodel import Message, message_of

log = logging.getLogger("hallq.kiosk")

#: The letters and digits of a receipt code (central's code alphabet: no 0, 1, I or O).
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
#: A receipt code: 10 characters of the alphabet (12 in receipts of older centrals).
RECEIPT_CODE = re.compile(f"[{CODE_ALPHABET}]{{10,12}}")
MAX_CODE = 12
#: The statuses in the order a submission goes through them, and each one's words.
STEPS = ("uploading", "received", "accepted", "in_progress", "done")
STATUS_TEXT: dict[str, Message] = {
    "uploading": ("上传中", "Uploading"), "received": ("已接收", "Received"),
    "accepted": ("已受理", "Accepted"), "in_progress": ("办理中", "In progress"),
    "done": ("已办结", "Done"), "rejected": ("不予受理", "Not accepted")}
NOT_A_CODE: Message = ("回执编号为 10 位字母和数字，请核对后重新输入",
                       "A receipt code is 10 letters and digits: please check it")
NOT_A_RECEIPT: Message = ("无法识别该二维码，请扫描回执上的二维码",
                          "This is not a receipt's QR code: scan the one on your receipt")


def receipt_code_in(text: str) -> str | None:
    """The receipt code of a scanned receipt QR code or a typed code, else None: the code
    itself, or a link to its progress page (the code as a path segment or a ``code`` query
    value, e.g. ``https://…/progress/7KQ2MX9P4T`` or ``…/submissions/7KQ2MX9P4T/progress``)."""
    text = text.strip()
    if RECEIPT_CODE.fullmatch(text.upper()):
        return text.upper()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    candidates = [segment for segment in parts.path.split("/")
                  if RECEIPT_CODE.fullmatch(segment)]
    candidates += [value for key, value in parse_qsl(parts.query)
                   if key in ("code", "receipt") and RECEIPT_CODE.fullmatch(value)]
    return candidates[-1] if candidates else None


@dataclass
class ProgressState:
    """What the citizen typed or scanned, and the hall's answer or refusal."""

    code: str = ""
    asking: bool = False
    answer: SubmissionProgressBody | None = None
    error: Message | None = None


class ProgressLookup(KioskReads):
    """The progress lookup's part of the kiosk's model (no widgets)."""

    screen: Screen
    client: HallClient | None
    busy: bool
    progress: ProgressState
    _run: Runner

    if TYPE_CHECKING:
        def touch(self) -> None: ...
        def _in_session(self, callback: Callable[[Any], None]) -> Callable[[Any], None]: ...

    def open_progress(self) -> None:
        """"进度查询": scan the receipt or type its code."""
        self.touch()
        self.progress = ProgressState()
        self.screen = Screen.PROGRESS
        self._changed()

    def progress_key(self, key: str) -> None:
        """A letter or digit of the touch keyboard (in upper case; the answer shown goes)."""
        self.touch()
        key = key.upper()
        if len(key) == 1 and key.isascii() and key.isalnum() and \
                len(self.progress.code) < MAX_CODE:
            self.progress = ProgressState(code=self.progress.code + key)
            self._changed()

    def progress_erase(self) -> None:
        """"删除": take back the last character."""
        self.touch()
        self.progress = ProgressState(code=self.progress.code[:-1])
        self._changed()

    def progress_clear(self) -> None:
        """"清空": start again."""
        self.touch()
        self.progress = ProgressState()
        self._changed()

    def look_up_progress(self) -> None:
        """"查询": ask the hall about the code typed (a wrong one is refused here)."""
        self.touch()
        code = receipt_code_in(self.progress.code)
        if code is None:
            self.progress.error, self.progress.answer = NOT_A_CODE, None
            self._changed()
            return
        self._ask(code)

    def receipt_scanned(self, text: str) -> bool:
        """A QR code the kiosk did not take for an appointment: when it is a receipt's, look
        its progress up (from any screen); on the progress screen, say it is not one. True when
        the code was handled here."""
        code = receipt_code_in(text)
        if code is None:
            if self.screen != Screen.PROGRESS:
                return False
            self.touch()
            self.progress = ProgressState(error=NOT_A_RECEIPT)
            self._changed()
            return True
        self.touch()
        self.progress = ProgressState(code=code)
        self.screen = Screen.PROGRESS
        self._ask(code)
        return True

    def _ask(self, code: str) -> None:
        if self.client is None or self.progress.asking:
            return
        client = self.client
        self.progress = ProgressState(code=code, asking=True)
        self._changed()
        self._run(lambda: client.submission_progress(code),
                  self._in_session(self.progress_answered), self._in_session(self.progress_failed))

    def progress_answered(self, answer: SubmissionProgressBody) -> None:
        """The hall said where the submission stands."""
        self.progress = ProgressState(code=self.progress.code, answer=answer)
        self._changed()

    def progress_failed(self, err: Exception) -> None:
        """An unknown code (the hall's bilingual 404), or the hall not reachable."""
        log.info("progress not read: %s", message_of(err)[1])
        self.progress = ProgressState(code=self.progress.code, error=message_of(err))
        self._changed()

    def progress_updated_at(self) -> datetime | None:
        """When the status last changed, in the hall's time zone."""
        answer = self.progress.answer
        if answer is None or not answer.get("updated_at"):
            return None
        value: Any = answer["updated_at"]
        try:
            when = datetime.fromtimestamp(float(value), UTC) if isinstance(value, int | float) \
                else datetime.fromisoformat(str(value))
        except ValueError:
            return None
        zone = self.timezone()
        return when.astimezone(zone) if zone is not None else when
