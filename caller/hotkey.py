"""Global call keys (全局叫号键): Ctrl+F1 … Ctrl+F5 reach the console while another program
has the keyboard focus, as F1 … F5 do inside it.

X11 only, through ``pynput`` (``keyboard.GlobalHotKeys``) when it is installed. Wayland lets no
program grab keys for itself: there, staff use the always-on-top call bar
(``hallq caller --call-bar``, :mod:`caller.callbar`) or the window's calling keypad. When the
keys cannot be had, the console says why once, at INFO, and works without them.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable

log = logging.getLogger("hallq.caller")

#: pynput's name of each global key → the console key it stands for.
GLOBAL_KEYS = {f"<ctrl>+<f{n}>": f"F{n}" for n in range(1, 6)}


def unavailable(environ: dict[str, str] | None = None) -> str | None:
    """Why global keys cannot work in this session (None when they may)."""
    env = os.environ if environ is None else environ
    if env.get("XDG_SESSION_TYPE") == "wayland" or (env.get("WAYLAND_DISPLAY")
                                                      and not env.get("DISPLAY")):
        return "a Wayland session lets no program grab keys; use the call bar or the keypad"
    if not env.get("DISPLAY"):
        return "no X11 display"
    try:
        importlib.import_module("pynput.keyboard")
    except Exception as err:  # not installed, or no X server answering
        return f"pynput is not available ({type(err).__name__})"
    return None


def start_global_keys(press: Callable[[str], None]) -> Callable[[], None] | None:
    """Listen for :data:`GLOBAL_KEYS` and call ``press("F1")`` … from the listener's thread
    (the caller hands it to the Qt thread); the function that stops listening, or None when
    global keys are not available here (said once in the log at INFO)."""
    why = unavailable()
    if why is not None:
        log.info("global call keys (Ctrl+F1…F5) are off: %s", why)
        return None
    keyboard = importlib.import_module("pynput.keyboard")
    listener = keyboard.GlobalHotKeys({combo: _pressing(press, key)
                                       for combo, key in GLOBAL_KEYS.items()})
    listener.start()
    log.info("global call keys Ctrl+F1…F5 are on")
    # pynput's X11 listener ends its thread only at the next key event after stop(), so stop
    # does not wait for it (a daemon thread; the console is exiting anyway)
    stop: Callable[[], None] = listener.stop
    return stop


def _pressing(press: Callable[[str], None], key: str) -> Callable[[], None]:
    return lambda: press(key)
