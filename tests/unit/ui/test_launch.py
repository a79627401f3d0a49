"""Starting a device app (``ui/launch.py``): the hall and token it needs, what it says when
a device cannot be opened, and that the window is shut down when the app ends."""

from __future__ import annotations

import argparse

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ui.launch import run_window


class FakeWindow:
    """A window that closes the app as soon as it is shown."""

    def __init__(self) -> None:
        self.shown = ""
        self.shut = False

    def show(self) -> None:
        self.shown = "window"
        QTimer.singleShot(0, QApplication.quit)

    def showFullScreen(self) -> None:  # noqa: N802 (Qt's name)
        self.show()
        self.shown = "full screen"

    def shutdown(self) -> None:
        self.shut = True


def args(**given: object) -> argparse.Namespace:
    return argparse.Namespace(**{"url": "http://127.0.0.1:8470/", "token": "t0k",
                                 "fullscreen": False, **given})


def test_a_window_runs_until_the_app_ends_and_is_shut_down() -> None:
    window = FakeWindow()
    opened: list[str] = []

    def open_window(url: str, given: argparse.Namespace) -> FakeWindow:
        opened.append(f"{url} {given.token}")
        return window
    assert run_window(args(fullscreen=True), "hallq kiosk", open_window) == 0
    assert opened == ["http://127.0.0.1:8470 t0k"]
    assert window.shown == "full screen" and window.shut


def test_without_a_token_nothing_opens(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_window(args(token=None), "hallq kiosk", lambda url, a: FakeWindow()) == 2
    assert "no token" in capsys.readouterr().err


@pytest.mark.parametrize("error, said", [
    (OSError("connection refused"), "hallq caller: connection refused"),
    (ValueError("bad port /dev/ttyUSB9"), "hallq caller: cannot open a device: bad port")])
def test_an_error_opening_the_window_is_said_plainly(
        capsys: pytest.CaptureFixture[str], error: Exception, said: str) -> None:
    def open_window(url: str, given: argparse.Namespace) -> FakeWindow:
        raise error
    assert run_window(args(), "hallq caller", open_window, plain=(OSError,)) == 2
    assert said in capsys.readouterr().err
