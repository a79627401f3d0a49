"""The console's side of no-shows with care (过号): F5 asks to be pressed again to confirm, says
how long is left before the hall allows a no-show, and offers an undo with a countdown.

Plain Python, no widgets; the hall decides (``hall/no_show.py``): the countdowns come with
the current ticket (``TicketBody["no_show"]``) and are counted down on the console's
monotonic clock from the moment they arrived.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from hall.schemas import TicketBody
from ui.viewmodel import Message

#: Seconds a first F5 waits for the second before it is forgotten.
CONFIRM_S = 5.0
CONFIRM_PROMPT: Message = ("确认过号？再按 F5 确认", "Confirm no-show? Press F5 again")


@dataclass(frozen=True)
class UndoOffer:
    """A no-show this window may still take back, until ``until`` (the console's clock)."""

    ticket: str
    number: str
    until: float


class NoShowCare:
    """Confirmation, minimum and undo of the no-show at one console."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.confirm_until: float | None = None
        self.undo: UndoOffer | None = None
        self._ticket: TicketBody | None = None
        self._seen_at = 0.0

    def track(self, ticket: TicketBody | None) -> None:
        """The current ticket as the hall just said (its countdowns start now); a new
        ticket forgets a pending confirmation."""
        if ticket is None or self._ticket is None or ticket["id"] != self._ticket["id"]:
            self.confirm_until = None
        self._ticket, self._seen_at = ticket, self.clock()

    def wait(self) -> tuple[int, int]:
        """(recalls, whole seconds) still needed before a no-show; ``(0, 0)`` once allowed."""
        info = self._ticket.get("no_show") if self._ticket else None
        if not info or not info["recalls_left"]:
            return 0, 0
        left = info["allowed_in_s"] - (self.clock() - self._seen_at)
        return (info["recalls_left"], math.ceil(left)) if left > 0 else (0, 0)

    def wait_text(self) -> Message | None:
        """"过号需再等 42 秒或重呼 1 次" while a no-show is not allowed yet, else None."""
        recalls, seconds = self.wait()
        if not recalls:
            return None
        return (f"过号需再等 {seconds} 秒或重呼 {recalls} 次",
                f"No-show in {seconds} s or after {recalls} more recall"
                f"{'s' if recalls > 1 else ''}")

    @property
    def confirming(self) -> bool:
        """Whether F5 was pressed once and waits for the second press."""
        return self.confirm_until is not None and self.clock() < self.confirm_until

    def press(self) -> tuple[Message, bool] | None:
        """F5: None when the no-show is to be done now (the second press); else what to say
        and whether it is a refusal (too early) rather than the confirmation prompt."""
        recalls, seconds = self.wait()
        if recalls:
            self.confirm_until = None
            return ((f"还不能过号：请再等 {seconds} 秒，或先重呼 (F2) {recalls} 次",
                     f"No-show not yet: wait {seconds} s, or recall (F2) {recalls} more "
                     f"time{'s' if recalls > 1 else ''}"), True)
        if self.confirming:
            self.confirm_until = None
            return None
        self.confirm_until = self.clock() + CONFIRM_S
        return CONFIRM_PROMPT, False

    def cancel(self) -> None:
        """Another action: a pending confirmation is forgotten."""
        self.confirm_until = None

    def offer_undo(self, ticket: TicketBody) -> None:
        """The hall marked ``ticket`` a no-show: offer to undo it for its grace period."""
        info = ticket.get("no_show")
        left = info["undo_s_left"] if info else 0.0
        self.undo = UndoOffer(ticket["id"], ticket["number"], self.clock() + left) \
            if left > 0 else None

    def undo_left(self) -> int:
        """Whole seconds left to undo the last no-show (0: nothing to undo)."""
        if self.undo is None:
            return 0
        return max(0, math.ceil(self.undo.until - self.clock()))

    def expire(self) -> bool:
        """Forget a confirmation or an undo offer whose time is up; True when one was."""
        changed = False
        if self.confirm_until is not None and not self.confirming:
            self.confirm_until, changed = None, True
        if self.undo is not None and self.undo_left() <= 0:
            self.undo, changed = None, True
        return changed
