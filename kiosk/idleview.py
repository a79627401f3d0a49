"""The question over any kiosk screen in the last seconds before the idle reset:
"还需要更多时间吗？/ Need more time?", the seconds left, and a big "需要 / Yes".

Drawn by :class:`~kiosk.view.KioskView` on top of its page while
:meth:`~kiosk.viewmodel.KioskModel.countdown` gives a figure. Object names: ``more_time_dialog``,
``countdown``, ``more_time``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from ui.look import Look, button, label


def countdown_overlay(look: Look, page: QWidget, seconds: int,
                      on_more_time: Callable[[], None]) -> QFrame:
    """A dimmed layer over ``page`` with the question in the middle; shown at once."""
    pal = look.palette
    layer = QFrame(page)
    layer.setObjectName("more_time_layer")
    layer.setStyleSheet("QFrame#more_time_layer { background: rgba(0, 0, 0, 150); }")
    layer.setGeometry(page.rect())
    outer = QVBoxLayout(layer)
    box = QFrame()
    box.setObjectName("more_time_dialog")
    box.setStyleSheet(f"QFrame#more_time_dialog {{ background: {pal.background}; border: "
                      f"{look.px(6)}px solid {pal.accent}; border-radius: {look.px(28)}px; }}")
    box.setMaximumWidth(min(page.width() - look.px(80), look.big(1100)))
    column = QVBoxLayout(box)
    column.setContentsMargins(look.px(48), look.px(36), look.px(48), look.px(36))
    column.setSpacing(look.px(18))
    center = Qt.AlignmentFlag.AlignCenter
    main, other = look.t("还需要更多时间吗？", "Need more time?"), \
        look.t("Need more time?", "还需要更多时间吗？")
    column.addWidget(label(look, main, 64, bold=True, color=pal.title, align=center, big=True))
    column.addWidget(label(look, other, 34, color=pal.muted, align=center))
    column.addWidget(label(look, str(seconds), 120, bold=True, color=pal.accent, align=center,
                           name="countdown", big=True))
    column.addWidget(label(look, look.t(f"{seconds} 秒后返回首页，并清除您的信息",
                                        f"In {seconds} s the kiosk returns to the start and "
                                        "forgets your details"),
                           30, align=center, wrap=True))
    more = button(look, look.t("需要 / Yes", "Yes / 需要"), on_more_time,
                  size=56, kind="accent", name="more_time", min_height=150)
    column.addWidget(more)
    outer.addStretch(1)
    outer.addWidget(box, 0, center)
    outer.addStretch(1)
    layer.show()
    layer.raise_()
    return layer
