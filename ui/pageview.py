"""A screen rebuilt from its model after each change: the frame the kiosk's and the calling
console's views share (header, body, footer on the look's background; renders coalesced; type
scaled to the window's size)."""

from __future__ import annotations

from typing import Generic, TypeVar

from PySide6.QtCore import QSize, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QSizePolicy, QVBoxLayout, QWidget

from ui.look import Look, clear_layout_widget
from ui.tasks import weak_slot
from ui.viewmodel import ViewModel

M = TypeVar("M", bound=ViewModel)


class PageView(QWidget, Generic[M]):
    """Renders a model: :meth:`rebuild` after each change (changes that come together render
    once) and after a resize. Subclasses give :meth:`look`, :meth:`header`, :meth:`fill` (the
    body) and :meth:`footer`, and the body's margins in design pixels."""

    #: The body's margins (left and right, top, bottom) and spacing, in design pixels.
    BODY_MARGINS = (48, 32, 24)
    BODY_SPACING = 20

    def __init__(self, model: M, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._page: QWidget | None = None
        self._render_pending = False
        # A child timer, so a render still pending when the view goes away goes with it.
        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.setInterval(0)
        self._render_timer.timeout.connect(weak_slot(self.rebuild))
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._built_for = QSize()
        model.subscribe(self.schedule_render)
        self.schedule_render()

    # ------------------------------------------------------------------ for subclasses
    def look(self) -> Look:
        """The look for the current size (and the model's language and mode)."""
        raise NotImplementedError

    def header(self, look: Look) -> QWidget:
        """The bar on top."""
        raise NotImplementedError

    def fill(self, look: Look, layout: QVBoxLayout) -> None:
        """Put the current screen's widgets in the body."""
        raise NotImplementedError

    def footer(self, look: Look) -> QWidget:
        """The bar at the bottom."""
        raise NotImplementedError

    # ------------------------------------------------------------------ rendering
    def schedule_render(self) -> None:
        """Render soon (changes that come together render once)."""
        if not self._render_pending:
            self._render_pending = True
            self._render_timer.start()

    def rebuild(self) -> None:
        """Rebuild the page from the model."""
        self._render_pending = False
        self._render_timer.stop()
        self._built_for = QSize(self.size())
        look = self.look()
        page = QFrame()
        page.setObjectName("page")
        page.setStyleSheet(f"QFrame#page {{ background: {look.palette.background}; }}")
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.header(look))
        body = QWidget()
        body_layout = QVBoxLayout(body)
        side, top, bottom = (look.px(v) for v in self.BODY_MARGINS)
        body_layout.setContentsMargins(side, top, side, bottom)
        body_layout.setSpacing(look.px(self.BODY_SPACING))
        self.fill(look, body_layout)
        column.addWidget(body, 1)
        column.addWidget(self.footer(look))
        old, self._page = self._page, page
        if old is not None:
            self._layout.removeWidget(old)
            clear_layout_widget(old)
        # The page never forces the window to grow: type scales with the window's size.
        page.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._layout.addWidget(page)
        page.show()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        """Re-render for the new size (type scales with the screen)."""
        super().resizeEvent(event)
        if event.size() != self._built_for:
            self.schedule_render()
