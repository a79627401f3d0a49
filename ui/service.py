"""What a screen app needs when systemd runs it (packaging/systemd/): its token from a file
rather than the command line, and the notify protocol (ready, watchdog) from the Qt loop."""

from __future__ import annotations

import os
import sys
from typing import Any

from hall import sd_notify


def read_token_file(path: str, program: str) -> str | None:
    """The token in ``path``; None (said on stderr) when it cannot be read, is empty, or
    others may read it."""
    try:
        if os.stat(path).st_mode & 0o077:
            print(f"{program}: 令牌文件 {path} 他人可读 / the token file {path} is readable by "
                  f"others: chmod 600 {path}", file=sys.stderr)
            return None
        with open(path, encoding="utf-8") as file:
            token = file.read().strip()
    except OSError as err:
        print(f"{program}: 无法读取令牌文件 / cannot read the token file: {err}", file=sys.stderr)
        return None
    if not token:
        print(f"{program}: 令牌文件为空 / the token file {path} is empty", file=sys.stderr)
        return None
    return token


def tell_systemd(app: Any) -> Any:
    """Under systemd (``Type=notify``): ``READY=1`` once the event loop runs, then
    ``WATCHDOG=1`` from a timer of that loop, so a hung UI stops the pings and is restarted.
    The timer, to keep alive; None outside systemd."""
    if not os.environ.get("NOTIFY_SOCKET"):
        return None
    from PySide6.QtCore import QTimer

    timer = QTimer(app)
    period = sd_notify.watchdog_period()
    timer.setInterval(int((period or 3600) * 1000))
    timer.timeout.connect(lambda: sd_notify.notify("WATCHDOG=1"))
    QTimer.singleShot(0, lambda: sd_notify.notify("READY=1"))
    if period is not None:
        timer.start()
    return timer
