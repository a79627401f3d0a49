"""Start-up steps the kiosk and the calling console share: find the hall, check the token,
open the window and run it."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Protocol

from ui.service import read_token_file, tell_systemd

TOKEN_ENV = "HALLQ_TOKEN"
TOKEN_FILE_ENV = "HALLQ_TOKEN_FILE"


def add_hall_arguments(parser: argparse.ArgumentParser) -> None:
    """``--url``, ``--token``, ``--lang`` and ``--fullscreen``."""
    parser.add_argument("--url", help="the hall node's URL (default: find it on the LAN)")
    parser.add_argument("--token", default=os.environ.get(TOKEN_ENV),
                        help=f"this device's token from `hallq pair` (or ${TOKEN_ENV})")
    parser.add_argument("--token-file", default=os.environ.get(TOKEN_FILE_ENV),
                        help="a file (mode 0600) holding the token, so that it is not on the "
                             f"command line (or ${TOKEN_FILE_ENV})")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh",
                        help="the language the screen starts in")
    parser.add_argument("--fullscreen", action="store_true", help="fill the whole screen")


def hall_url(url: str | None, timeout: float = 5.0) -> str | None:
    """``url``, or the first hall advertised on the LAN (None when none answers)."""
    if url:
        return url.rstrip("/")
    from hall.discovery import find_hall

    found = find_hall(timeout=timeout)
    return found.url if found else None


def resolve(args: argparse.Namespace, program: str) -> tuple[str, str] | None:
    """The hall URL and token from the arguments; prints why not and returns None."""
    token = getattr(args, "token", None)
    if not token and getattr(args, "token_file", None):
        token = read_token_file(args.token_file, program)
        if token is None:
            return None
    if not token:
        print(f"{program}: no token; pair this device with `hallq pair` and pass --token "
              f"(or set ${TOKEN_ENV})", file=sys.stderr)
        return None
    url = hall_url(getattr(args, "url", None))
    if url is None:
        print(f"{program}: no hall found on the LAN; pass --url http://HOST:8470",
              file=sys.stderr)
        return None
    return url, token


class AppWindow(Protocol):
    """A device app's top-level window."""

    def show(self) -> None:
        """Show it in a window."""
        ...

    def showFullScreen(self) -> None:  # noqa: N802 (Qt's name)
        """Show it on the whole screen."""
        ...

    def shutdown(self) -> None:
        """Stop its timers and workers."""
        ...


def run_window(args: argparse.Namespace, program: str,
               open_window: Callable[[str, argparse.Namespace], AppWindow],
               plain: tuple[type[Exception], ...] = ()) -> int:
    """Find the hall, open the window (``open_window(url, args)``) and run it until it closes;
    the exit status. An error opening it is printed (``plain`` ones as they are, others as a
    device that cannot be opened) and gives 2."""
    from ui.qt import ensure_app

    found = resolve(args, program)
    if found is None:
        return 2
    url, args.token = found
    app = ensure_app()
    try:
        window = open_window(url, args)
    except plain as err:
        print(f"{program}: {err}", file=sys.stderr)
        return 2
    except Exception as err:  # a device URL that cannot be opened
        print(f"{program}: cannot open a device: {err}", file=sys.stderr)
        return 2
    try:
        if getattr(args, "fullscreen", False):
            window.showFullScreen()
        else:
            window.show()
        watchdog = tell_systemd(app)  # noqa: F841 (kept alive while the app runs)
        return int(app.exec())
    finally:
        window.shutdown()
