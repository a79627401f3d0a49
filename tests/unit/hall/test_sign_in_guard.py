"""The sign-in guard's lockouts grow and stop growing at the cap; a right sign-in forgets."""

from __future__ import annotations

import pytest

from hall.config import Staff
from hall.errors import QueueError
from hall.pin_hash import hash_pin
from hall.staff_auth import LONGEST_LOCK_S, LockedOut, SignInGuard
from hall.store import StaffSecret

STAFF = {"S001": Staff(id="S001", name_zh="王晓明")}
STORED = {"S001": StaffSecret("S001", hash_pin("1234"), None, disabled=False)}


class Seconds:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def lock_out(guard: SignInGuard) -> float:
    """Five wrong PINs; how long the lockout they cause lasts."""
    for n in range(4):
        with pytest.raises(QueueError) as wrong:
            guard.check_pin(STAFF, STORED, "S001", f"9{n:03}", "console-1")
        assert not isinstance(wrong.value, LockedOut)
    with pytest.raises(LockedOut) as locked:
        guard.check_pin(STAFF, STORED, "S001", "9999", "console-1")
    return locked.value.lockout.seconds


def test_lockouts_double_up_to_the_cap_and_a_right_pin_forgets_them() -> None:
    clock = Seconds()
    guard = SignInGuard(clock)
    lengths = []
    for _ in range(8):
        lengths.append(lock_out(guard))
        clock.now += lengths[-1]
    assert lengths == [60, 120, 240, 480, 960, 1920, LONGEST_LOCK_S, LONGEST_LOCK_S]
    assert guard.check_pin(STAFF, STORED, "S001", "1234", "console-1") == "S001"
    assert lock_out(guard) == 60
