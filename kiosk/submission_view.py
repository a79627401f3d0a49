"""The screens of a self-service submission (自助申报), drawn from
:class:`~kiosk.submission.SubmissionFlow` (``model.submission``) by
:class:`~kiosk.view.KioskView`: identify, reuse, review with the notice and consent,
submitting, failed and the receipt here; the form in :mod:`kiosk.submission_formview`, the
photos in :mod:`kiosk.photo_stepview`. Every screen has "取消办理" (cancel: everything of the
citizen forgotten at once) and a step strip on top.

Object names: ``identify_note``, ``reuse-<doc_id>``, ``reuse_done``, ``review_fields``,
``review_materials``, ``review_done``, ``notice``, ``notice-<part>``, ``consent``, ``submit``,
``submit_error``, ``retry``, ``receipt_head``, ``receipt_code``, ``receipt_qr``, ``queued``,
``print_status``, ``done``.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk.attractview import ReaderGuide
from kiosk.photo_stepview import photo_screen
from kiosk.receipt import submitted_at
from kiosk.submission import Step, SubmissionFlow
from kiosk.submission_formview import form_screen
from kiosk.submission_nav import nav_row, title_row
from kiosk.submission_notice import CONSENT_LINE, NOTICE
from ui.look import Look, button, fit_text, label, qr_pixmap
from ui.qt import font

if TYPE_CHECKING:
    from kiosk.view import KioskView


def submission_screen(view: KioskView, look: Look, layout: QVBoxLayout) -> None:
    """The screen of the submission's current step."""
    flow = view.model.submission
    if flow is None:
        return
    layout.addWidget(title_row(view, look, flow))
    screens = {Step.IDENTIFY: _identify, Step.FORM: form_screen, Step.REUSE: _reuse,
               Step.PHOTOS: photo_screen, Step.REVIEW: _review, Step.CONSENT: _consent,
               Step.SUBMITTING: _submitting,
               Step.FAILED: _failed, Step.RECEIPT: _receipt}
    screens[flow.step](view, look, layout)


def _identify(view: KioskView, look: Look, layout: QVBoxLayout) -> None:
    flow = view.model.submission
    assert flow is not None
    pal, center = look.palette, Qt.AlignmentFlag.AlignCenter
    layout.addWidget(label(look, look.t("请刷身份证", "Please swipe your ID card"), 60,
                           bold=True, color=pal.title, align=center, big=True))
    layout.addWidget(label(look, look.t("申请信息将从身份证读取；有预约的也可扫描预约二维码",
                                        "Your details are read from the card; with an "
                                        "appointment you may scan its QR code"), 30,
                           color=pal.muted, align=center, wrap=True))
    if flow.note is not None:
        layout.addWidget(label(look, look.t(*flow.note), 34, bold=True, color=pal.bad,
                               align=center, wrap=True, name="identify_note"))
    layout.addStretch(1)
    layout.addWidget(ReaderGuide(look, look.big(240 if look.elderly else 360)), 0, center)
    layout.addStretch(1)
    layout.addLayout(nav_row(view, look, back=False))


def _reuse(view: KioskView, look: Look, layout: QVBoxLayout) -> None:
    flow = view.model.submission
    assert flow is not None
    pal = look.palette
    if flow.reuse_state == "loading":
        layout.addStretch(1)
        layout.addWidget(label(look, look.t("正在查询您曾提交过的材料…",
                                            "Looking for documents you gave before…"), 44,
                               bold=True, color=pal.accent, align=Qt.AlignmentFlag.AlignCenter))
        layout.addStretch(1)
        layout.addLayout(nav_row(view, look))
        return
    layout.addWidget(label(look, look.t("以下材料您曾提交过且仍在有效期内，勾选的将直接使用，"
                                        "无需再拍（一证通办）",
                                        "You gave these before and they are still valid: the "
                                        "ticked ones are used again, no photo needed"),
                           32, bold=True, wrap=True, color=pal.title))
    for document in flow.offers:
        doc_id = str(document["doc_id"])
        ticked = doc_id in flow.reuse
        name = look.t(str(document.get("name_zh", "")), str(document.get("name_en") or
                                                              document.get("name_zh", "")))
        when = look.t(f"提交于 {document.get('given_on', '')} · 有效期至 "
                      f"{document.get('valid_until') or '长期'}",
                      f"given on {document.get('given_on', '')} · valid until "
                      f"{document.get('valid_until') or 'no end'}")
        layout.addWidget(button(look, f"{'☑' if ticked else '☐'}  {name}\n{when}",
                                partial(flow.toggle_reuse, doc_id),
                                kind="accent" if ticked else "plain", name=f"reuse-{doc_id}",
                                size=28, min_height=120))
    layout.addWidget(label(look, look.t("只显示材料名称和日期，不显示图片",
                                        "Only names and dates are shown, never the images"),
                           26, color=pal.muted))
    layout.addStretch(1)
    actions: list[tuple[QWidget, int]] = []
    actions.append((button(look, look.t("确认，下一步", "Confirm and continue"), flow.reuse_done,
                         name="reuse_done", min_height=88), 1))
    layout.addLayout(nav_row(view, look, actions))


def _review(view: KioskView, look: Look, layout: QVBoxLayout) -> None:
    """The details (the card's masked) and the materials received."""
    flow = view.model.submission
    assert flow is not None
    pal = look.palette
    form = flow.form
    lines = [f"{look.t(f.label_zh, f.label_en or f.label_zh)}："
             f"{form.shown(f.key, typing=False) or '—'}" for f in form.fields]
    columns = QVBoxLayout() if look.portrait else QHBoxLayout()
    columns.setSpacing(look.px(32))
    left, right = QVBoxLayout(), QVBoxLayout()
    left.addWidget(label(look, look.t("申请信息", "Your details"), 30, bold=True,
                         color=pal.title))
    left.addWidget(label(look, "\n".join(lines), 26, wrap=True, name="review_fields"))
    left.addStretch(1)
    right.addWidget(label(look, look.t("材料", "Documents"), 30, bold=True, color=pal.title))
    right.addWidget(label(look, "\n".join(_material_lines(look, flow)), 26, wrap=True,
                          name="review_materials"))
    right.addStretch(1)
    if not look.elderly:
        right.addWidget(label(look, look.t("请核对，如需修改请点“返回”",
                                           "Check it all; touch Back to change anything"),
                              26, color=pal.muted, wrap=True))
    columns.addLayout(left, 1)
    columns.addLayout(right, 1)
    layout.addLayout(columns, 1)
    actions: list[tuple[QWidget, int]] = []
    actions.append((button(look, look.t("信息无误，下一步", "All correct: next"),
                           flow.review_done, name="review_done", min_height=88), 1))
    layout.addLayout(nav_row(view, look, actions))


def _consent(view: KioskView, look: Look, layout: QVBoxLayout) -> None:
    flow = view.model.submission
    assert flow is not None
    layout.addWidget(_notice(look, view.body_width(look)), 1)
    consent = button(look, ("☑ " if flow.consent else "☐ ") + look.t(*CONSENT_LINE),
                     lambda: flow.set_consent(not flow.consent),
                     kind="accent" if flow.consent else "plain", name="consent", size=30,
                     min_height=88)
    actions: list[tuple[QWidget, int]] = []
    if look.portrait:
        layout.addWidget(consent)
    else:
        actions.append((consent, 2))
    actions.append((button(look, look.t("提交申请", "Submit"), flow.submit, name="submit",
                           enabled=flow.consent, min_height=88, size=38), 1))
    layout.addLayout(nav_row(view, look, actions))


def _material_lines(look: Look, flow: SubmissionFlow) -> list[str]:
    reused = flow.reused_materials()
    lines = []
    for material in flow.guide.photographed:
        name = look.t(material.name_zh, material.name_en or material.name_zh)
        if material.id in reused:
            lines.append(f"✓ {name}：" + look.t("使用已提交的材料", "given before, used again"))
        else:
            pages = flow.photos.pages_of(material.id)
            lines.append(f"✓ {name}：" + look.t(f"已拍 {pages} 页", f"{pages} page(s) taken"))
    return lines


def _notice(look: Look, width: int) -> QWidget:
    """The notice, each part broken into lines of the box's width here (a wrapping label is
    given too little height by Qt's layouts, and would be clipped)."""
    box = QFrame()
    box.setObjectName("notice")
    pal = look.palette
    box.setStyleSheet(f"QFrame#notice {{ background: {pal.tile}; border: {look.px(2)}px solid "
                      f"{pal.tile_border}; border-radius: {look.px(16)}px; }}")
    column = QVBoxLayout(box)
    column.setContentsMargins(look.px(28), look.px(14), look.px(28), look.px(14))
    column.setSpacing(look.px(8))
    room = width - 2 * look.px(28) - 2 * look.px(2)
    heading = look.t("个人信息处理告知", "How your personal information is handled")
    column.addWidget(label(look, fit_text(heading, font(look.px(32), True), room), 32,
                           bold=True, color=pal.tile_text))
    for part, zh, en in NOTICE:
        text = fit_text(look.t(zh, en), font(look.px(22)), room, 4)
        column.addWidget(label(look, text, 22, color=pal.tile_text, name=f"notice-{part}"))
    column.addStretch(1)
    return box


def _submitting(view: KioskView, look: Look, layout: QVBoxLayout) -> None:
    layout.addStretch(1)
    layout.addWidget(label(look, look.t("正在提交，请稍候…", "Submitting, one moment please…"),
                           56, bold=True, color=look.palette.accent,
                           align=Qt.AlignmentFlag.AlignCenter))
    layout.addStretch(2)


def _failed(view: KioskView, look: Look, layout: QVBoxLayout) -> None:
    flow = view.model.submission
    assert flow is not None
    layout.addStretch(1)
    zh, en = flow.error or ("", "")
    layout.addWidget(label(look, look.t(zh, en), 44, bold=True, color=look.palette.bad,
                           align=Qt.AlignmentFlag.AlignCenter, wrap=True, name="submit_error"))
    layout.addWidget(label(look, look.t("您填写的信息和拍摄的材料仍保留在本机，可重新提交",
                                        "What you filled in and photographed is still here: "
                                        "you can submit again"), 30,
                           align=Qt.AlignmentFlag.AlignCenter, wrap=True))
    layout.addStretch(1)
    actions: list[tuple[QWidget, int]] = []
    actions.append((button(look, look.t("重新提交", "Submit again"), flow.submit, name="retry",
                         min_height=88), 1))
    layout.addLayout(nav_row(view, look, actions))


def _receipt(view: KioskView, look: Look, layout: QVBoxLayout) -> None:
    flow, model = view.model.submission, view.model
    assert flow is not None and flow.receipt is not None
    receipt, pal, center = flow.receipt, look.palette, Qt.AlignmentFlag.AlignCenter
    info = QVBoxLayout()
    info.setSpacing(look.px(8))
    info.addWidget(label(look, look.t("申请已提交 · 回执编号", "Your application is in · "
                                      "receipt code"), 40, bold=True, color=pal.good,
                         align=center, big=True, name="receipt_head"))
    info.addWidget(label(look, str(receipt["receipt_code"]), 96, bold=True, color=pal.accent,
                         align=center, name="receipt_code", big=True))
    when = submitted_at(receipt, model.timezone())
    info.addWidget(label(look, look.t(f"提交时间 {when:%Y-%m-%d %H:%M}",
                                      f"Submitted {when:%Y-%m-%d %H:%M}"), 30, align=center))
    if receipt.get("queued"):
        info.addWidget(label(look, look.t("网络暂时中断：材料已安全保存在大厅，"
                                          "将在网络恢复后自动上传",
                                          "The network is down for now: your application is "
                                          "kept safe in the hall and will be sent when it is "
                                          "back"), 26, bold=True, color=pal.bad, align=center,
                             wrap=True, name="queued"))
    info.addWidget(_print_status(look, model.print_state))
    qr = QLabel()
    qr.setObjectName("receipt_qr")
    qr.setPixmap(qr_pixmap(str(receipt["progress_url"]), look.big(260)))
    qr.setAlignment(center)
    side = QVBoxLayout()
    side.addStretch(1)
    side.addWidget(qr, 0, center)
    side.addWidget(label(look, look.t("手机扫码查看办理进度", "Scan to follow your application"),
                         28, bold=True, align=center, wrap=True))
    side.addStretch(1)
    row = QVBoxLayout() if look.portrait else QHBoxLayout()
    row.addLayout(info, 2)
    row.addLayout(side, 1)
    layout.addLayout(row, 1)
    layout.addWidget(button(look, look.t("完成", "Done"), model.reset, size=40, name="done",
                            min_height=100))


def _print_status(look: Look, state: str) -> QLabel:
    pal = look.palette
    if state == "printed":
        text, color = look.t("请取走回执", "Please take your receipt"), pal.good
    elif state == "printing":
        text, color = look.t("正在打印回执…", "Printing your receipt…"), pal.muted
    elif state in ("failed", "no_printer"):
        text = look.t("回执未能打印：请拍下或记下上方的回执编号，或向工作人员索取纸质回执",
                      "The receipt did not print: photograph or note the code above, or ask "
                      "the staff for a printed one")
        color = pal.bad
    else:
        text, color = "", pal.muted
    status = label(look, text, 26, bold=True, color=color, wrap=True, name="print_status",
                   align=Qt.AlignmentFlag.AlignCenter)
    if state in ("failed", "no_printer"):
        status.setStyleSheet(status.styleSheet() + f"border: {look.px(4)}px solid {color};"
                             f"border-radius: {look.px(14)}px; padding: {look.px(14)}px;"
                             "background: #fff4f4;")
    return status
