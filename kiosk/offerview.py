"""The kiosk's screens for other halls (跨厅推荐, 云叫号): the offer, waiting for the other
hall, and a referral that did not work. Built by :class:`~kiosk.view.KioskView` like its other
screens, from :class:`~kiosk.viewmodel.KioskModel` only.

Object names: ``offer-here`` and ``offer-<hall id>`` (the rows), ``take_here``,
``go-<hall id>`` (the buttons), ``saving``, ``referring``, ``referral_error``.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QBoxLayout, QFrame, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.offer import (
    OfferedHall,
    figures_text,
    here_text,
    minutes,
    minutes_saved,
    saving_text,
)
from ui.look import Look, button, fit_text, label
from ui.qt import font

if TYPE_CHECKING:
    from kiosk.view import KioskView

#: The width of the buttons beside the halls (design pixels, landscape).
BUTTON_W = 420


def offer_screen(view: KioskView, look: Look, layout: QVBoxLayout) -> None:
    """This hall's wait next to the best few other halls; a button for each."""
    model = view.model
    offer = model.referral.offer
    if offer is None:
        return
    best = offer.halls[0]
    item = model.item(offer.item)
    name = look.t(item.get("name_zh", ""), item.get("name_en") or item.get("name_zh", "")) \
        if item else ""
    # The title shares its row with the ID chip; a hall name too long for two lines gives
    # way to "another hall" (the hall is named in the first row below).
    room = view.body_width(look) - (look.px(440) if model.citizen and not look.portrait else 0)
    saved = minutes_saved(best)
    title = first_fitting([look.t(*saving_text(best)),
                           look.t(f"去其他大厅可节省约 {saved} 分钟",
                                  f"Save about {saved} min at another hall")],
                          font(look.px(56), True), room, 2)
    sub = look.t(f"{name} · 本事项可在任一大厅办理（通办），您可以选择",
                 f"{name} · this service can be done at any hall: choose where")
    view._title(look, layout, title, "" if look.elderly else sub)
    body = view.body_width(look)
    # Elderly mode: larger type, fewer choices (the best other hall only).
    halls = offer.halls[:1] if look.elderly else offer.halls
    rows = QVBoxLayout()
    rows.setSpacing(look.px(12))
    here = model.hall_name()
    rows.addWidget(_row(look, body, "offer-here",
                        [look.t(f"本大厅 · {here}", f"Here · {here}"), look.t("本大厅", "Here")],
                        look.t(*here_text(offer.here_wait_s)), "",
                        button(look, look.t("在本大厅取号", "Take a number here"),
                               model.take_here, kind="plain", name="take_here", size=32,
                               enabled=not model.busy, min_height=84)))
    for index, hall in enumerate(halls):
        rows.addWidget(_hall_row(view, look, body, hall, accent=index == 0))
    layout.addLayout(rows)
    layout.addStretch(1)
    back = QHBoxLayout()
    back.addWidget(button(look, look.t("返回", "Back"), model.back, kind="plain", name="back",
                          min_height=84))
    back.addStretch(1)
    layout.addLayout(back)


def first_fitting(texts: list[str], qfont: QFont, width: int, max_lines: int = 1) -> str:
    """The first text that fits in ``max_lines`` lines of ``width`` px without eliding (the
    last one, broken and elided, when none does)."""
    for text in texts:
        broken = fit_text(text, qfont, width, 99)
        if broken.count("\n") < max_lines:
            return broken
    return fit_text(texts[-1], qfont, width, max_lines)


def _hall_row(view: KioskView, look: Look, body: int, hall: OfferedHall,
              accent: bool) -> QWidget:
    saved = minutes_saved(hall)
    go = button(look, look.t("去该大厅取号", "Take a number there"),
                partial(view.model.go_to, hall.hall), kind="accent" if accent else "primary",
                name=f"go-{hall.hall}", size=32, enabled=not view.model.busy, min_height=84)
    return _row(look, body, f"offer-{hall.hall}", [hall.name(look.lang)],
                look.t(*figures_text(hall)),
                look.t(f"节省约 {saved} 分钟", f"save about {saved} min"), go)


def _row(look: Look, body: int, name: str, titles: list[str], figures: str, saving: str,
         action: QWidget) -> QFrame:
    """One hall: its name (the first of ``titles`` that fits), its figures and what it
    saves, and the button to choose it."""
    pal = look.palette
    # Elderly mode's tiles are black: here a white card with a black frame keeps the black
    # buttons visible.
    back, fore, muted = (pal.background, pal.text, pal.muted) if look.elderly else \
        (pal.tile, pal.tile_text, pal.tile_muted)
    frame = QFrame()
    frame.setObjectName(name)
    frame.setStyleSheet(f"QFrame#{name} {{ background: {back}; border: {look.px(3)}px "
                        f"solid {pal.tile_border}; border-radius: {look.px(20)}px; }}")
    pad = look.px(22)
    row: QBoxLayout = QVBoxLayout(frame) if look.portrait else QHBoxLayout(frame)
    row.setContentsMargins(pad, look.px(8), pad, look.px(8))
    row.setSpacing(look.px(8 if look.portrait else 24))
    room = body - 2 * pad - 2 * look.px(3)
    if not look.portrait:
        room -= look.px(24) + look.px(BUTTON_W)
    text = QVBoxLayout()
    text.setSpacing(look.px(2))
    text.addWidget(label(look, first_fitting(titles, font(look.px(34), True), room, 2), 34,
                         bold=True, color=fore))
    small, bold = font(look.px(26)), font(look.px(26), True)
    together = QFontMetrics(small).horizontalAdvance(figures + "  ") + \
        QFontMetrics(bold).horizontalAdvance(saving)
    line = QHBoxLayout()
    line.setSpacing(look.px(12))
    line.addWidget(label(look, fit_text(figures, small, room, 2), 26, color=muted))
    saving_label = label(look, saving, 26, bold=True, color=pal.good, name="saving")
    if together <= room:
        line.addWidget(saving_label)
    line.addStretch(1)
    text.addLayout(line)
    if saving and together > room:
        text.addWidget(saving_label)
    row.addLayout(text, 1)
    if not look.portrait:
        action.setFixedWidth(look.px(BUTTON_W))
    row.addWidget(action, 0, Qt.AlignmentFlag.AlignVCenter)
    return frame


def referring_screen(view: KioskView, look: Look, layout: QVBoxLayout) -> None:
    """Waiting for the other hall's ticket."""
    hall = view.model.referral.hall
    zh, en = (hall.name("zh"), hall.name("en")) if hall else ("其他大厅", "the other hall")
    center = Qt.AlignmentFlag.AlignCenter
    layout.addStretch(1)
    layout.addWidget(label(look, look.t(f"正在为您在{zh}取号…", f"Getting your number at {en}…"),
                           52, bold=True, color=look.palette.title, align=center, wrap=True,
                           name="referring"))
    layout.addWidget(label(look, look.t("请稍候，通常只需几秒钟", "One moment please, it usually "
                                        "takes a few seconds"), 34, color=look.palette.muted,
                           align=center, wrap=True))
    layout.addStretch(1)


def referral_failed_screen(view: KioskView, look: Look, layout: QVBoxLayout) -> None:
    """The other hall did not issue the ticket: say why, and offer a number here."""
    model = view.model
    pal = look.palette
    zh, en = model.referral.error or ("", "")
    center = Qt.AlignmentFlag.AlignCenter
    layout.addStretch(1)
    layout.addWidget(label(look, zh, 52, bold=True, color=pal.bad, align=center, wrap=True,
                           name="referral_error"))
    if look.lang == "en":
        layout.addWidget(label(look, en, 40, align=center, wrap=True, name="referral_error_en"))
    layout.addSpacing(look.px(24))
    offer = model.referral.offer
    wait = minutes(offer.here_wait_s) if offer else 0
    layout.addWidget(label(look, look.t(f"您可以在本大厅取号（预计等待约 {wait} 分钟）",
                                        f"You can take a number here (about {wait} min wait)")
                           if wait else look.t("您可以在本大厅取号", "You can take a number here"),
                           34, color=pal.muted, align=center, wrap=True, name="referral_hint"))
    layout.addStretch(1)
    row: QBoxLayout = QVBoxLayout() if look.portrait else QHBoxLayout()
    row.setSpacing(look.px(28))
    row.addWidget(button(look, look.t("在本大厅取号", "Take a number here"), model.take_here,
                         kind="primary", name="take_here", size=38, enabled=not model.busy))
    row.addWidget(button(look, look.t("返回首页", "Back to start"), model.reset, kind="plain",
                         name="home", size=38))
    layout.addLayout(row)
