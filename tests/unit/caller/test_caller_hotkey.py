"""Global call keys are optional: off under Wayland, without an X display or without pynput,
said once at INFO, and the console goes on without them."""

from __future__ import annotations

import logging
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture
def x_display(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A real X server (Xvfb) on a free display number, as DISPLAY for the test."""
    for number in range(90, 140):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and \
                not Path(f"/tmp/.X{number}-lock").exists():
            break
    display = f":{number}"
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", "640x480x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            assert time.monotonic() < deadline and server.poll() is None, "Xvfb did not start"
            time.sleep(0.05)
        monkeypatch.setenv("DISPLAY", display)
        monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
        monkeypatch.delenv("XDG_SESSION_TYPE", raising=False)
        yield display
    finally:
        server.terminate()
        server.wait(10)


def test_ctrl_f1_pressed_in_another_program_calls_on_a_real_x_server(x_display: str) -> None:
    pressed: list[str] = []
    heard = threading.Event()

    def press(key: str) -> None:
        pressed.append(key)
        heard.set()
    stop = hotkey.start_global_keys(press)
    assert stop is not None, hotkey.unavailable()
    try:
        time.sleep(0.3)         # the listener grabs its keys
        for key in ("ctrl+F1", "F1", "ctrl+F5"):   # F1 alone belongs to the focused program
            subprocess.run(["xdotool", "key", key], check=True, timeout=10,
                           env={**os.environ, "DISPLAY": x_display})
        deadline = time.monotonic() + 5
        while len(pressed) < 2 and time.monotonic() < deadline:
            heard.wait(0.1)
    finally:
        stop()
        # pynput's listener thread ends at the next key event after stop(): give it one, so
        # that it is gone before the X server is
        subprocess.run(["xdotool", "key", "shift"], check=True, timeout=10,
                       env={**os.environ, "DISPLAY": x_display})
        for thread in threading.enumerate():
            if type(thread).__module__.startswith("pynput"):
                thread.join(5)
    assert pressed == ["F1", "F5"]
