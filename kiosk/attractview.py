"""The kiosk's home screen (attract) and the card reader's guide, built by
:class:`~kiosk.view.KioskView` from :class:`~kiosk.viewmodel.KioskModel` only.

The home screen says first what does not work and what still does (``health``: the printer out
of paper, the card reader offline…, from :mod:`kiosk.health_banner`); a way in that cannot work
is greyed with its reason. Touching "刷身份证" shows where to put the card (``card_guide``).

Object names: ``health``, ``health_line``, ``way-card``, ``way-scan``, ``way_reason``,
``walk_in``, ``open_guide``, ``open_progress``, ``attract_title``, ``summary``,
``guide_title``, ``guide``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QBoxLayout, QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk.health_banner import Health
from kiosk.notice_banner import live_notice, notice_banner
from ui.look import Look, button, fit_text, label, qr_pixmap
from ui.qt import font

if TYPE_CHECKING:
    from kiosk.view import KioskView
    from kiosk.viewmodel import KioskModel


class CardIcon(QWidget):
    """A drawn resident ID card: where to put the card."""

    def __init__(self, look: Look, side: int) -> None:
        super().__init__()
        self._look = look
        self.setFixedSize(QSize(round(side * 1.58), side))

    def paintEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        """Draw the card: an outline, a photo box and text lines."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        draw_card(painter, self._look, QRectF(2, 2, self.width() - 4, self.height() - 4))
        painter.end()


def draw_card(painter: QPainter, look: Look, box: QRectF) -> None:
    """An ID card filling ``box``: an outline, a photo box and text lines."""
    pal = look.palette
    x, y, w, h = box.x(), box.y(), box.width(), box.height()
    painter.setPen(QPen(QColor(pal.tile_text), max(2, h // 40)))
    painter.setBrush(QColor(pal.tile))
    painter.drawRoundedRect(box, h / 10, h / 10)
    painter.setBrush(QColor(pal.tile_border))
    painter.drawRect(QRectF(x + w * 0.64, y + h * 0.18, w * 0.26, h * 0.5))
    for i in range(4):
        line_y = y + h * (0.22 + i * 0.14)
        painter.drawLine(QPointF(x + w * 0.1, line_y), QPointF(x + w * (0.55 - i * 0.05), line_y))
    painter.drawLine(QPointF(x + w * 0.1, y + h * 0.84), QPointF(x + w * 0.9, y + h * 0.84))


class ReaderGuide(QWidget):
    """A card over the reader's pad, with arrows down to the reader below the screen."""

    def __init__(self, look: Look, height: int) -> None:
        super().__init__()
        self._look = look
        self.setObjectName("guide")
        self.setFixedSize(QSize(round(height * 1.1), height))

    def paintEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        """Draw the card, an arrow, the pad and a second arrow pointing below the screen."""
        pal = self._look.palette
        w, h = self.width(), self.height()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        card_w = w * 0.5
        draw_card(painter, self._look, QRectF((w - card_w) / 2, 4, card_w, card_w / 1.58))
        _arrow(painter, QColor(pal.accent), w / 2, h * 0.36, h * 0.52, w * 0.09)
        pad = QRectF(w * 0.12, h * 0.55, w * 0.76, h * 0.2)
        painter.setPen(QPen(QColor(pal.tile_text), max(2, h // 90)))
        painter.setBrush(QColor(pal.tile_border))
        painter.drawRoundedRect(pad, h / 40, h / 40)
        waves = QPainterPath()
        for i in range(3):  # the contactless mark on the pad
            r = h * (0.03 + i * 0.025)
            waves.arcMoveTo(QRectF(w / 2 - r, pad.center().y() - r, 2 * r, 2 * r), -45)
            waves.arcTo(QRectF(w / 2 - r, pad.center().y() - r, 2 * r, 2 * r), -45, 90)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(waves)
        _arrow(painter, QColor(pal.accent), w / 2, h * 0.79, h * 0.99, w * 0.09)
        painter.end()


def _arrow(painter: QPainter, color: QColor, x: float, top: float, bottom: float,
           half: float) -> None:
    """A thick arrow pointing down from ``top`` to ``bottom`` at ``x``."""
    shaft = half * 0.45
    head = (bottom - top) * 0.5
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawPolygon(QPolygonF([
        QPointF(x - shaft, top), QPointF(x + shaft, top), QPointF(x + shaft, bottom - head),
        QPointF(x + half, bottom - head), QPointF(x, bottom), QPointF(x - half, bottom - head),
        QPointF(x - shaft, bottom - head)]))


class TouchBox(QFrame):
    """A framed box that is a button: a touch released on it is a click."""

    clicked = Signal()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        """A touch released on the box is a click."""
        if self.isEnabled() and self.rect().contains(event.position().toPoint()):
            self.clicked.emit()
        super().mouseReleaseEvent(event)


def health_banner(look: Look, health: Health, width: int) -> QFrame | None:
    """The banner of what does not work and what still does (None when all works)."""
    if not health.lines:
        return None
    pal = look.palette
    box = QFrame()
    box.setObjectName("health")
    box.setStyleSheet(f"QFrame#health {{ background: #fff4e5; border: {look.px(4)}px solid "
                      f"{pal.bad}; border-radius: {look.px(18)}px; }}")
    column = QVBoxLayout(box)
    column.setContentsMargins(look.px(28), look.px(14), look.px(28), look.px(14))
    column.setSpacing(look.px(4))
    room = width - 2 * look.px(28) - 2 * look.px(4)
    size = 44 if health.desk else 34
    for zh, en in health.lines:
        main, other = (en, zh) if look.lang == "en" else (zh, en)
        # Not enlarged in elderly mode: it is large and framed already, and the page is full.
        column.addWidget(label(look, fit_text("⚠ " + main, font(look.big(size), True), room),
                               size, bold=True, color="#8a1c1c", name="health_line", big=True))
        column.addWidget(label(look, fit_text(other, font(look.big(26)), room), 26,
                               color="#5c2b00", big=True))
    return box


def attract_screen(view: KioskView, look: Look, layout: QVBoxLayout) -> None:
    """What to do, the ways in (greyed with a reason when they cannot work), and first the
    banner of what does not work."""
    model, pal = view.model, look.palette
    health = model.health()
    body = view.body_width(look)
    banner = health_banner(look, health, body)
    if banner is not None:
        layout.addWidget(banner)
    notice = notice_banner(look, live_notice(model.hall, model.local_now().timestamp()), body)
    if notice is not None:
        layout.addWidget(notice)
    main, other = ("请刷身份证或扫描预约码", "Swipe your ID card or scan your appointment code") \
        if not health.desk else ("请到服务台取号", "Please take a number at the service desk")
    if look.lang == "en":
        main, other = other, main
    layout.addStretch(1)
    size = 76 if look.lang == "zh" else 60
    # With a banner the rest makes room: smaller title and pictures, no second-language line
    # under the title (the banner has both languages) and no summary of waiting people.
    roomy = banner is None and notice is None
    if not roomy:
        size -= 16
    layout.addWidget(label(look, fit_text(main, font(look.big(size), True), body), size,
                           bold=True, color=pal.title, align=Qt.AlignmentFlag.AlignCenter,
                           name="attract_title", big=True))
    if roomy:
        layout.addWidget(label(look, fit_text(other, font(look.px(34)), body), 34,
                               color=pal.muted, align=Qt.AlignmentFlag.AlignCenter))
    ways = QHBoxLayout() if not look.portrait else QVBoxLayout()
    ways.setSpacing(look.px(40 if roomy else 24))
    side = look.big(170 if roomy else 120)
    ways.addWidget(_way(view, look, CardIcon(look, side), side, look.t("刷身份证", "Swipe ID card"),
                        look.t("将身份证放在下方感应区", "Place the card on the reader below"),
                        health.card_off, "way-card", model.show_card_guide))
    qr = QLabel()
    qr.setPixmap(qr_pixmap("hallq:appt:example", side))
    ways.addWidget(_way(view, look, qr, side, look.t("扫预约码", "Scan QR code"),
                        look.t("将预约二维码对准摄像头",
                               "Hold the appointment QR code to the camera"),
                        health.scan_off, "way-scan", None))
    layout.addLayout(ways)
    # without a number: the service guide and progress lookup, beside "no ID card?"
    more = _more(look, model, roomy)
    if model.settings.walk_in:
        walk = look.t("没有身份证？直接选择业务取号", "No ID card? Choose a service")
        if health.walk_in_off is not None:
            walk = look.t(*health.walk_in_off)
        walk_in = button(look, walk, model.walk_in, size=40, kind="accent", name="walk_in",
                         min_height=120 if roomy else 90, enabled=health.walk_in_off is None)
        if look.portrait:
            layout.addWidget(walk_in)
        else:
            more.insertWidget(0, walk_in, 2)
    layout.addLayout(more)
    from kiosk.view import theme_name, waiting_text  # the view imports this module first

    summary = " · ".join(f"{theme_name(look, t)} {waiting_text(look, t['waiting'])}"
                         for t in model.services)
    if summary and roomy:
        layout.addWidget(label(look, look.t("当前 ", "Now: ") + summary, 28,
                               color=pal.muted, align=Qt.AlignmentFlag.AlignCenter,
                               wrap=True, name="summary"))
    layout.addStretch(1)


def _more(look: Look, model: KioskModel, roomy: bool) -> QHBoxLayout:
    """What else the kiosk does without a number: the service guide and progress lookup."""
    row = QHBoxLayout()
    row.setSpacing(look.px(28))
    height = 120 if roomy else 90
    row.addWidget(button(look, look.t("办事指南", "Service guide"), model.open_guide, size=34,
                         kind="primary", name="open_guide", min_height=height), 1)
    row.addWidget(button(look, look.t("进度查询", "Progress"), model.open_progress, size=34,
                         kind="primary", name="open_progress", min_height=height), 1)
    return row


def _way(view: KioskView, look: Look, icon: QWidget, side: int, title: str, hint: str,
         off: tuple[str, str] | None, name: str, on_touch: Callable[[], None] | None) -> QWidget:
    """A way in (swipe a card, scan a code): its picture, what to do, and when it cannot work,
    greyed with the reason instead of the hint."""
    pal = look.palette
    box = TouchBox()
    box.setObjectName(name)
    back = pal.disabled if off else pal.tile
    box.setStyleSheet(f"QFrame#{name} {{ background: {back}; border: {look.px(3)}px "
                      f"solid {pal.tile_border}; border-radius: {look.px(24)}px; }}")
    if on_touch is not None and off is None:
        box.setCursor(Qt.CursorShape.PointingHandCursor)
        box.clicked.connect(on_touch)
    box.setEnabled(off is None)
    row = QHBoxLayout(box)
    row.setContentsMargins(look.px(32), look.px(20), look.px(32), look.px(20))
    row.setSpacing(look.px(28))
    holder = QWidget()
    holder.setFixedWidth(round(side * 1.58))
    holder_layout = QHBoxLayout(holder)
    holder_layout.setContentsMargins(0, 0, 0, 0)
    holder_layout.addWidget(icon, 0, Qt.AlignmentFlag.AlignCenter)
    row.addWidget(holder, 0, Qt.AlignmentFlag.AlignVCenter)
    # The text's room is known before layout: break it here so the box's height is right.
    body = view.body_width(look)
    width = body if look.portrait else (body - look.px(40)) // 2
    room = width - 2 * look.px(32) - 2 * look.px(3) - holder.width() - look.px(28)
    text = QVBoxLayout()
    color = "#444444" if off else pal.tile_text
    text.addWidget(label(look, fit_text(title, font(look.big(46), True), room), 46,
                         bold=True, color=color, big=True))
    if off is not None:
        text.addWidget(label(look, fit_text(look.t(*off), font(look.px(30), True), room), 30,
                             bold=True, color="#8a1c1c", name="way_reason"))
    else:
        text.addWidget(label(look, fit_text(hint, font(look.px(28)), room), 28,
                             color=pal.tile_muted))
    row.addLayout(text, 1)
    return box


def card_guide_screen(view: KioskView, look: Look, layout: QVBoxLayout) -> None:
    """Where to put the ID card: the reader's pad below the screen, drawn, with arrows."""
    model, pal = view.model, look.palette
    center = Qt.AlignmentFlag.AlignCenter
    body = view.body_width(look)
    main = look.t("请将身份证放在下方读卡区", "Place your ID card on the reader below")
    other = look.t("Place your ID card on the reader below", "请将身份证放在下方读卡区")
    layout.addWidget(label(look, fit_text(main, font(look.big(64), True), body), 64, bold=True,
                           color=pal.title, align=center, name="guide_title", big=True))
    layout.addWidget(label(look, fit_text(other, font(look.px(32)), body), 32, color=pal.muted,
                           align=center))
    layout.addWidget(label(look, look.t("读卡区在屏幕下方，请将身份证平放在上面，稍候 1 秒",
                                        "The reader is below the screen: lay the card flat on "
                                        "it and hold it there for a second"),
                           28, color=pal.text, align=center, wrap=True))
    layout.addStretch(1)
    guide = ReaderGuide(look, look.big(640 if look.portrait else 330 if look.elderly else 430))
    layout.addWidget(guide, 0, center)
    layout.addStretch(1)
    row: QBoxLayout = QVBoxLayout() if look.portrait else QHBoxLayout()
    row.setSpacing(look.px(20))
    if model.settings.walk_in:
        row.addWidget(button(look, look.t("没有身份证？直接选择业务取号",
                                          "No ID card? Choose a service"),
                             model.walk_in, kind="accent", name="walk_in", size=34), 1)
    row.insertWidget(0, button(look, look.t("返回", "Back"), model.back, kind="plain",
                               name="back", size=34))
    layout.addLayout(row)
