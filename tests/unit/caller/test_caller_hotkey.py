"""Global call keys are optional: off under Wayland, without an X display or without pynput,
said once at INFO, and the console goes on without them."""

from __future__ import annotations

import logging

import pytest

from caller import hotkey


def test_why_global_keys_cannot_work() -> None:
    assert "Wayland" in (hotkey.unavailable({"XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0"})
                         or "")
    assert "Wayland" in (hotkey.unavailable({"WAYLAND_DISPLAY": "wayland-0"}) or "")
    assert hotkey.unavailable({}) == "no X11 display"


def test_unavailable_keys_are_said_once_at_info(monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("XDG_SESSION_TYPE", raising=False)
    with caplog.at_level(logging.INFO, logger="hallq.caller"):
        assert hotkey.start_global_keys(lambda key: None) is None
    said = [r for r in caplog.records if "global call keys" in r.getMessage()]
    assert [(r.levelno, r.getMessage()) for r in said] == [
        (logging.INFO, "global call keys (Ctrl+F1…F5) are off: no X11 display")]
    assert hotkey.GLOBAL_KEYS["<ctrl>+<f5>"] == "F5"
