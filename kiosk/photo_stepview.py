"""The photo step of a self-service submission: which page of which material to lay on the
tray, "拍照"; then the straightened page shown with "保留" and "重拍", or the reason it was
refused (too dark, blurred, no page found) with "重拍". The pages kept so far are ticked in a
strip on the left.

Object names: ``shot_title``, ``shot_note``, ``reuse_unavailable``, ``shots``, ``preview``,
``refusal``, ``take_photo``, ``keep_photo``, ``retake_photo``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk.photo_step import PhotoStep
from kiosk.submission_nav import nav_row
from ui.look import Look, button, label

if TYPE_CHECKING:
    from kiosk.view import KioskView


def photo_screen(view: KioskView, look: Look, layout: QVBoxLayout) -> None:
    """The page to photograph, the shot or its refusal, and the buttons that go with it."""
    flow = view.model.submission
    assert flow is not None
    photos, pal = flow.photos, look.palette
    shot = photos.shot
    if shot is None:
        return
    material = shot.material
    name = look.t(material.name_zh, material.name_en or material.name_zh)
    pages = look.t(f"（第 {shot.page}/{material.count} 页）", f" (page {shot.page} of "
                   f"{material.count})") if material.count > 1 else ""
    body = QVBoxLayout() if look.portrait else QHBoxLayout()
    body.setSpacing(look.px(32))
    left = QVBoxLayout()
    left.setSpacing(look.px(10))
    left.addWidget(label(look, look.t(f"请将“{material.name_zh}”{pages}平放在下方拍摄区",
                                      f"Lay “{name}”{pages} flat on the tray below"),
                         40, bold=True, wrap=True, color=pal.title, name="shot_title"))
    if material.note_zh:
        left.addWidget(label(look, look.t(material.note_zh, material.note_en or
                                          material.note_zh), 28, wrap=True, name="shot_note"))
    if flow.reuse_unavailable and material.reusable_days > 0:
        left.addWidget(label(look, look.t("暂时无法查询您以前提交过的材料，本项请拍摄",
                                          "Documents you gave before cannot be looked up "
                                          "just now: please photograph this one"), 28,
                             wrap=True, color=pal.accent, name="reuse_unavailable"))
    left.addWidget(label(look, look.t("放平、对齐、不要遮挡，点“拍照”后保持不动",
                                      "Flat, whole page in view, nothing over it; keep still "
                                      "after touching Take photo"), 26, color=pal.muted,
                         wrap=True))
    left.addWidget(_strip(look, photos))
    left.addStretch(1)
    body.addLayout(left, 4)
    body.addWidget(_preview(look, photos, view.height()), 5)
    layout.addLayout(body, 1)
    actions: list[tuple[QWidget, int]] = []
    if photos.current is not None:
        actions.append((button(look, look.t("重拍", "Retake"), flow.retake_photo, kind="plain",
                             name="retake_photo", min_height=88), 1))
        actions.append((button(look, look.t("清晰，保留", "Clear: keep it"), flow.keep_photo,
                             name="keep_photo", min_height=88), 2))
    else:
        text = look.t("重拍", "Take again") if photos.refusal else look.t("拍照", "Take photo")
        actions.append((button(look, text, flow.take_photo, name="take_photo", min_height=88,
                             enabled=not photos.taking, size=38), 2))
    layout.addLayout(nav_row(view, look, actions))


def _strip(look: Look, photos: PhotoStep) -> QWidget:
    """Every page to photograph: ✓ kept, ▶ now, ○ still to come."""
    lines = []
    for index, shot in enumerate(photos.shots):
        mark = "✓" if index < photos.index else ("▶" if index == photos.index else "○")
        name = look.t(shot.material.name_zh, shot.material.name_en or shot.material.name_zh)
        page = f" {shot.page}/{shot.material.count}" if shot.material.count > 1 else ""
        lines.append(f"{mark} {name}{page}")
    strip = label(look, "\n".join(lines), 26, wrap=True, name="shots")
    return strip


def _preview(look: Look, photos: PhotoStep, view_height: int) -> QWidget:
    frame = QFrame()
    frame.setObjectName("preview_box")
    frame.setStyleSheet(f"QFrame#preview_box {{ background: #2b2b2b; border-radius: "
                        f"{look.px(16)}px; }}")
    column = QVBoxLayout(frame)
    column.setContentsMargins(look.px(16), look.px(16), look.px(16), look.px(16))
    center = Qt.AlignmentFlag.AlignCenter
    if photos.current is not None:
        pixmap = QPixmap()
        pixmap.loadFromData(photos.current.jpeg, "JPG")
        screen = view_height if view_height > 10 else 1080
        height = max(200, screen // 2 - look.px(420) if look.portrait else screen - look.px(640))
        picture = QLabel()
        picture.setObjectName("preview")
        picture.setPixmap(pixmap.scaledToHeight(height, Qt.TransformationMode.SmoothTransformation))
        picture.setAlignment(center)
        column.addWidget(picture, 1)
        column.addWidget(label(look, look.t("请确认文字清晰、页面完整", "Check the writing is "
                                            "sharp and the page whole"), 26, bold=True,
                               color="#ffffff", align=center))
        return frame
    if photos.taking:
        text, color = look.t("正在拍照，请保持不动…", "Taking the photo, keep still…"), "#ffffff"
    elif photos.refusal is not None:
        text, color = look.t(*photos.refusal), "#ffb3b3"
    else:
        text, color = look.t("拍摄后将在此显示照片", "The photo shows here"), "#cccccc"
    column.addStretch(1)
    column.addWidget(label(look, text, 34, bold=True, color=color, align=center, wrap=True,
                           name="refusal" if photos.refusal else "preview_hint"))
    column.addStretch(1)
    return frame
