"""The call bar (呼叫条): a small always-on-top strip over :class:`~caller.viewmodel.CallerModel`,
so that staff typing in their department's business system call the next citizen without
switching windows.

A frameless tool window (``Qt.WindowStaysOnTopHint | Qt.Tool``: never in the task bar, never
taking the keyboard focus) with the window's current number and 叫号 / 重呼 / 办结 / 过号, and
撤销过号 while an undo is offered; it follows the model like the console does, and is
dragged by its number. Widgets tests look for carry object names: ``bar_number``,
``bar_message``, ``bar-call``, ``bar-recall``, ``bar-finish``, ``bar-no_show``, ``bar-undo``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from caller.transfer_dialog import no_focus
from caller.viewmodel import CallerModel
from ui.look import Look, button, fit_text, label
from ui.qt import font

#: The bar's actions: name, Chinese and English labels.
BAR_ACTIONS = (("call", "叫号", "Call"), ("recall", "重呼", "Recall"),
               ("finish", "办结", "Finish"), ("no_show", "过号", "No-show"))
#: The bar's size in pixels at 1080 p (it is not scaled with the console).
BAR_SIZE = QSize(760, 132)


class CallBar(QWidget):
    """The always-on-top call bar of one window's console."""

    def __init__(self, model: CallerModel, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Tool | Qt.WindowType.FramelessWindowHint
                         | Qt.WindowType.WindowStaysOnTopHint)
        self.model = model
        self.setObjectName("callbar")
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setFixedSize(BAR_SIZE)
        self._drag: QPoint | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._frame: QFrame | None = None
        model.subscribe(self.rebuild)
        self.rebuild()

    def look(self) -> Look:
        """The console's look at 1080 p, in the console's language."""
        return Look.for_size(QSize(1920, 1080), self.model.lang)

    def rebuild(self) -> None:
        """Draw the bar again from the model."""
        if self._frame is not None:
            self._frame.deleteLater()
        self._frame = self._build(self.look())
        self._layout.addWidget(self._frame)

    def _build(self, look: Look) -> QFrame:
        model, pal = self.model, look.palette
        frame = QFrame()
        frame.setObjectName("bar")
        frame.setStyleSheet(f"QFrame#bar {{ background: {pal.header}; border-radius: 10px; }}")
        row = QHBoxLayout(frame)
        row.setContentsMargins(14, 8, 10, 8)
        row.setSpacing(8)
        info = model.window_info
        number = (info.get("current") if info else None) or "—"
        column = QVBoxLayout()
        column.setSpacing(0)
        column.addWidget(label(look, model.window_name(), 18, color=pal.header_text))
        column.addWidget(label(look, number, 46, bold=True, color="#ffffff", name="bar_number"))
        row.addLayout(column)
        available = model.available()
        buttons = QVBoxLayout()
        buttons.setSpacing(4)
        keys = QHBoxLayout()
        keys.setSpacing(6)
        for name, zh, en in BAR_ACTIONS:
            kind = "accent" if name in ("call", "finish") else "primary"
            if name == "no_show" and model.no_show.confirming:
                kind, zh, en = "accent", "确认过号", "Confirm"
            keys.addWidget(self._button(look, look.t(zh, en), partial(model.act, name), kind,
                                        f"bar-{name}", name in available))
        if model.can_undo():
            left = model.no_show.undo_left()
            keys.addWidget(self._button(look, look.t(f"撤销 {left}秒", f"Undo {left}s"),
                                        model.undo_no_show, "plain", "bar-undo", True))
        buttons.addLayout(keys)
        buttons.addWidget(self._message(look))
        row.addLayout(buttons, 1)
        return frame

    def _button(self, look: Look, text: str, on_click: Callable[[], None], kind: str,
                name: str, enabled: bool) -> QWidget:
        widget = no_focus(button(look, text, on_click, size=24, kind=kind, name=name,
                                 enabled=enabled, min_height=70))
        widget.setStyleSheet(widget.styleSheet() + "QPushButton { padding: 0 6px; }")
        return widget

    def _message(self, look: Look) -> QLabel:
        wait = self.model.no_show.wait_text() if self.model.available() else None
        zh, en = wait or self.model.message or ("", "")
        error = self.model.message_is_error and wait is None
        color = "#ffc9c9" if error else look.palette.header_text
        text = fit_text(look.t(zh, en), font(look.px(17)), BAR_SIZE.width() - 200, 1)
        return label(look, text, 17, color=color, name="bar_message")

    def tick(self) -> None:
        """Once a second while a countdown runs (the wait before a no-show, the undo)."""
        if self.model.can_undo() or self.model.no_show.wait_text() is not None:
            self.rebuild()

    # ------------------------------------------------------------------ dragging
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        """Grab the bar to move it."""
        self._drag = event.globalPosition().toPoint() - self.frameGeometry().topLeft()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        """Move the grabbed bar."""
        if self._drag is not None:
            self.move(event.globalPosition().toPoint() - self._drag)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        """Let go of the bar."""
        self._drag = None
