"""The console's transfer dialog (F6): where to send the current ticket, a theme or a named
window; and the buttons that never take the keyboard focus from the console's F-keys."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QGridLayout, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from caller.viewmodel import CallerModel
from ui.look import Look, button, label
from ui.tasks import weak_slot


def no_focus(widget: QPushButton) -> QPushButton:
    """Buttons never take the keyboard focus: keys belong to the console (F1…F8, digits)."""
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return widget


class TransferDialog(QDialog):
    """Where to send the current ticket: a theme, or a named window."""

    def __init__(self, model: CallerModel, look: Look, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setWindowTitle(look.t("转移", "Transfer"))
        self.setStyleSheet(f"QDialog {{ background: {look.palette.background}; }}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(look.px(28), look.px(24), look.px(28), look.px(24))
        layout.setSpacing(look.px(14))
        number = (model.window_info.get("current") if model.window_info else None) or ""
        layout.addWidget(label(look, look.t(f"将 {number} 转到", f"Transfer {number} to"), 40,
                               bold=True))
        layout.addWidget(label(look, look.t("业务类别", "A service"), 26, color=look.palette.muted))
        themes = QHBoxLayout()
        for theme in model.services:
            themes.addWidget(no_focus(button(look, look.t(theme["name_zh"], theme["name_en"]),
                                             self._chooser(theme["prefix"], None),
                                             size=28, name=f"to-theme-{theme['prefix']}",
                                             min_height=80)))
        layout.addLayout(themes)
        layout.addWidget(label(look, look.t("指定窗口", "A window"), 26, color=look.palette.muted))
        grid = QGridLayout()
        grid.setSpacing(look.px(8))
        others = [w for w in model.windows if w["number"] != model.window]
        for index, window in enumerate(others):
            grid.addWidget(no_focus(button(look, window["number"],
                                           self._chooser(None, window["number"]),
                                           size=24, kind="plain",
                                           name=f"to-window-{window['number']}",
                                           enabled=window["status"] != "closed",
                                           min_height=60)), index // 10, index % 10)
        layout.addLayout(grid)
        layout.addWidget(no_focus(button(look, look.t("取消", "Cancel"), weak_slot(self.reject),
                                         size=28,
                                         kind="plain", name="cancel", min_height=72)))

    def _chooser(self, to_service: str | None, to_window: str | None) -> Callable[[], None]:
        close = weak_slot(self.accept)
        model = self.model

        def choose() -> None:
            model.transfer(to_service=to_service, to_window=to_window)
            close()
        return choose
