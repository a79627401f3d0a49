"""The hall's log says when a device's state changes, not each time a reader polls."""

from __future__ import annotations

import logging

import pytest

from devices.base import Device, DeviceState


def test_polls_are_not_logged_but_a_card_arriving_is(caplog: pytest.LogCaptureFixture) -> None:
    reader = Device("sim://idcard")
    seen: list[tuple[DeviceState, DeviceState]] = []
    reader.on_state_change(lambda old, new: seen.append((old, new)))
    with caplog.at_level(logging.INFO, logger="hallq.devices"):
        for _ in range(10):                               # ten polls, nobody at the reader
            reader._set_state(DeviceState.BUSY)
            reader._set_state(DeviceState.CARD_ABSENT)
        reader._set_state(DeviceState.BUSY)               # a card is read
        reader._set_state(DeviceState.CARD_PRESENT)
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert lines == ["device sim://idcard: unknown -> card_absent",
                     "device sim://idcard: card_absent -> card_present"]
    assert len(seen) == 22, "listeners still hear every change, polls included"
