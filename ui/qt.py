"""What every hallq screen shares: Chinese fonts, the two languages, the bridge from the hall's
event stream into Qt signals, and offscreen screenshots.

Screens never keep queue state: they render models fed by :class:`EventBridge` and by reads of
the hall API (``hall.client.HallClient``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QWidget

log = logging.getLogger("hallq.ui")

#: Chinese first; English is the second language.
LANGUAGES = ("zh", "en")
FONT_FAMILY = "Noto Sans CJK SC"
#: Landscape wall screen and portrait screen, the sizes screenshots are taken at.
LANDSCAPE = QSize(1920, 1080)
PORTRAIT = QSize(1080, 1920)


def pick(lang: str, zh: str, en: str) -> str:
    """The text for the current language."""
    return en if lang == "en" else zh


def ensure_app() -> QApplication:
    """The QApplication (made if needed) with the CJK font as default."""
    app = QApplication.instance()
    if app is None:
        app = QApplication([])
    assert isinstance(app, QApplication)
    if FONT_FAMILY not in QFontDatabase.families():
        log.warning("font %s is missing; install fonts-noto-cjk", FONT_FAMILY)
    font = QFont(FONT_FAMILY)
    font.setPointSize(14)
    app.setFont(font)
    return app


def font(size_px: int, bold: bool = False) -> QFont:
    """The CJK font at a pixel size."""
    result = QFont(FONT_FAMILY)
    result.setPixelSize(size_px)
    result.setBold(bold)
    return result


def screenshot(widget: QWidget, path: Path | str, size: QSize = LANDSCAPE) -> Path:
    """Render ``widget`` at ``size`` offscreen and save it as PNG."""
    app = ensure_app()
    widget.resize(size)
    widget.show()
    for _ in range(5):
        app.processEvents()
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(target), "PNG"):
        raise OSError(f"could not save a screenshot to {target}")
    return target
