"""Hypothesis inputs for the device parsers' property tests, and the check on what they raise.

:func:`mutated` turns real valid frames into broken ones the way a noisy line, a pulled card
or a faulty device does (bit flips, truncation, insertion, deletion, splicing two frames);
:func:`assert_own_error` says an exception is one of the driver's own typed errors.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from devices.base import DeviceError
from devices.codes import DeviceErrorCode


@st.composite
def mutated(draw: st.DrawFn, frames: Sequence[bytes], max_edits: int = 4) -> bytes:
    """One of ``frames`` with up to ``max_edits`` flips, cuts, insertions, deletions, splices."""
    frame = bytearray(draw(st.sampled_from(frames)))
    for _ in range(draw(st.integers(0, max_edits))):
        action = draw(st.sampled_from(["flip", "cut", "insert", "delete", "splice"]))
        pos = draw(st.integers(0, len(frame)))
        if action == "flip" and pos < len(frame):
            frame[pos] ^= 1 << draw(st.integers(0, 7))
        elif action == "cut":
            del frame[pos:]
        elif action == "insert":
            frame[pos:pos] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete" and pos < len(frame):
            del frame[pos:pos + draw(st.integers(1, 8))]
        elif action == "splice":
            other = draw(st.sampled_from(frames))
            frame[pos:] = other[draw(st.integers(0, len(other))):]
    return bytes(frame)


def assert_own_error(error: BaseException, own: type[DeviceError] | tuple[type[DeviceError], ...],
                     kinds: Sequence[str]) -> None:
    """``error`` is one of ``own`` with a stable code of one of ``kinds`` (``"idcard"`` ...)."""
    assert isinstance(error, own), f"{type(error).__name__} is not the driver's own: {error!r}"
    assert isinstance(error.code, DeviceErrorCode)
    assert error.code.split(".")[0] in kinds, error.code
