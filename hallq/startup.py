"""Starting a hallq app: is there a screen, Ctrl-C, and the first-paint report the benchmark
reads (process age and resident memory when the window first shows real content)."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

#: Qt platforms that need no desktop session.
HEADLESS_PLATFORMS = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb", "vkkhrdisplay")
NO_DISPLAY_HELP = """\
hallq: no display to open windows on (neither DISPLAY nor WAYLAND_DISPLAY is set).
  - on a desktop, run it from a terminal of the desktop session;
  - without a screen: QT_QPA_PLATFORM=offscreen {command}   (runs everything, windows unseen)
  - or with a virtual X server: apt-get install xvfb && xvfb-run -a {command}"""


def display_available() -> bool:
    """True when Qt can open windows: a desktop session or a headless Qt platform."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform.split(":")[0] in HEADLESS_PLATFORMS:
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def no_display_help(command: str) -> str:
    """What to tell someone who started an app without a screen."""
    return NO_DISPLAY_HELP.format(command=command)


def process_age_s() -> float:
    """Seconds since this process started (from /proc; 0.0 where there is none)."""
    try:
        start_ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return 0.0
    return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process in MB (VmRSS from /proc; 0.0 where there is none)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def quit_on_sigint(app: QApplication) -> QTimer:
    """Ctrl-C and SIGTERM quit the Qt loop (a timer lets Python see the signal)."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: app.quit())
    timer = QTimer(app)
    timer.start(250)
    timer.timeout.connect(lambda: None)
    return timer


class FirstPaint(QObject):
    """Prints ``hallq-first-paint seconds=… rss_mb=…`` once a widget paints while ``ready()``
    is true, and quits the app when ``exit_after`` is set. Watches ``target``: a window and
    its children, or the whole application (any widget of it)."""

    def __init__(self, target: QWidget | QApplication, ready: Callable[[], bool] = lambda: True,
                 exit_after: bool = False) -> None:
        super().__init__(target)
        self.ready = ready
        self.exit_after = exit_after
        self.done = False
        watched = [target] if isinstance(target, QApplication) else [
            target, *target.findChildren(QWidget)]
        for item in watched:
            item.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt)
        """Watch paint events until the first one with content."""
        if not self.done and event.type() == QEvent.Type.Paint and self.ready():
            self.done = True
            QTimer.singleShot(0, self._report)
        return False

    def _report(self) -> None:
        print(f"hallq-first-paint seconds={process_age_s():.3f} rss_mb={rss_mb():.1f}",
              flush=True)
        if self.exit_after:
            QApplication.quit()


def exit_code_for_missing_display(command: str) -> int:
    """Print how to run without a screen; the exit status to return."""
    print(no_display_help(command), file=sys.stderr)
    return 3
