"""Checking a self-service submission against its item's guide (:mod:`hall.guide`) before the
hall node keeps it: every field valid for its kind, every required photographed material
present (photographed or reused, 一证通办), each photo a JPEG within the limits.

Each refusal is a :class:`~hall.errors.QueueError` naming the field or material in Chinese and
English, and never repeating a citizen's value (it may be personal data).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from hall import idnumber
from hall.errors import ErrorCode, QueueError
from hall.guide import FormField, Guide, Material

#: Limits of one submission (the kiosk's photos are about 0.5-2 MB each).
MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PHOTOS = 20
MAX_TOTAL_BYTES = 60 * 1024 * 1024
MAX_PAGES = 20
#: A mainland mobile number, or a landline with its area code (the kiosk's phone keys have
#: the dash): the same rule the kiosk checks at the field (kiosk/submission_fields.py).
PHONE_RE = re.compile(r"1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}")
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
NUMBER_RE = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,6})?")
#: A date is plausible within this many years before and after today.
DATE_YEARS_BACK, DATE_YEARS_AHEAD = 150, 30
JPEG_MAGIC = b"\xff\xd8\xff"


@dataclass(frozen=True)
class Photo:
    """One photographed page of a material."""

    material_id: str
    page: int
    jpeg: bytes

    @property
    def file_name(self) -> str:
        """Its name in the outbox and at central (``<material>-<page>.jpg``)."""
        return f"{self.material_id}-{self.page}.jpg"


def invalid_field(spec: FormField, why_zh: str, why_en: str) -> QueueError:
    """The 422 of a field that is not valid, naming it."""
    label_en = spec.label_en or spec.key
    return QueueError(ErrorCode.INVALID_FIELD, f"“{spec.label_zh}”{why_zh}",
                      f"Field {spec.key} ({label_en}): {why_en}", 422)


def _check_text(spec: FormField, value: str) -> str:
    if len(value) > spec.max_length:
        raise invalid_field(spec, f"不能超过{spec.max_length}个字",
                            f"at most {spec.max_length} characters")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in value):
        raise invalid_field(spec, "含有不可见的控制字符", "holds control characters")
    return value


def _check_number(spec: FormField, value: str) -> str:
    if not NUMBER_RE.fullmatch(value):
        raise invalid_field(spec, "应为数字", "must be a number (digits 0-9, '.')")
    number = float(value)
    low = -math.inf if spec.min_value is None else spec.min_value
    high = math.inf if spec.max_value is None else spec.max_value
    if not low <= number <= high:
        shown = f"{'' if spec.min_value is None else f'{spec.min_value:g}'}–" \
                f"{'' if spec.max_value is None else f'{spec.max_value:g}'}"
        raise invalid_field(spec, f"应在 {shown} 之间", f"must be within {shown}")
    return value


def _check_date(spec: FormField, value: str, today: date) -> str:
    try:
        day = date.fromisoformat(value) if DATE_RE.fullmatch(value) else None
    except ValueError:
        day = None
    if day is None:
        raise invalid_field(spec, "应为日期，如 2024-03-01", "must be a date like 2024-03-01")
    earliest = today - timedelta(days=365 * DATE_YEARS_BACK)
    latest = today + timedelta(days=365 * DATE_YEARS_AHEAD)
    if not earliest <= day <= latest:
        raise invalid_field(spec, "日期不合理", "is not a plausible date")
    return value


def _check_choice(spec: FormField, value: str) -> str:
    if value in spec.choices_zh:
        return value
    if value in spec.choices_en:
        return spec.choices_zh[spec.choices_en.index(value)]
    raise invalid_field(spec, "请从选项中选择", f"must be one of {', '.join(spec.choices_zh)}")


def check_field(spec: FormField, value: str, today: date) -> str:
    """A field's value checked for its kind (stripped; a choice given in English becomes
    its Chinese option); QueueError naming the field."""
    value = value.strip()
    if spec.kind == "phone":
        if not PHONE_RE.fullmatch(value):
            raise invalid_field(spec, "应为11位手机号码或带区号的固定电话",
                                "must be an 11-digit mobile number or a landline with its "
                                "area code")
        return value
    if spec.kind == "number":
        return _check_number(spec, value)
    if spec.kind == "date":
        return _check_date(spec, value, today)
    if spec.kind == "choice":
        return _check_choice(spec, value)
    return _check_text(spec, value)


def check_fields(guide: Guide, fields: dict[str, str], card: dict[str, str],
                 today: date) -> dict[str, str]:
    """The form's values, checked: a field the card gives (``card``: name, id_number,
    address) takes the card's value; unknown keys and missing required fields are refused."""
    known = {spec.key for spec in guide.fields}
    for key in fields:
        if key not in known:
            raise QueueError(ErrorCode.INVALID_FIELD, f"表单没有“{key}”一项",
                             f"The form has no field {key}", 422)
    checked: dict[str, str] = {}
    for spec in guide.fields:
        value = card.get(spec.from_card) if spec.from_card else None
        value = (value if value else fields.get(spec.key, "")).strip()
        if not value:
            if spec.required:
                raise invalid_field(spec, "为必填项", "is required")
            continue
        if spec.from_card == "id_number":
            try:
                value = idnumber.normalize(value, today)
            except idnumber.InvalidIdNumber as err:
                raise invalid_field(spec, f"无效：{err.message_zh}", f"invalid: {err}") from None
            checked[spec.key] = value
            continue
        checked[spec.key] = check_field(spec, value, today)
    return checked


def _material_name(material: Material) -> tuple[str, str]:
    return material.name_zh, material.name_en or material.id


def check_photos(guide: Guide, photos: list[Photo], reused: set[str]) -> None:
    """The photos (and the materials reused) cover every required photographed material;
    each is a JPEG of a material the item asks for, within the limits."""
    if len(photos) > MAX_PHOTOS:
        raise QueueError(ErrorCode.SUBMISSION_TOO_LARGE, f"照片不能超过{MAX_PHOTOS}张",
                         f"At most {MAX_PHOTOS} photos", 413)
    materials = {m.id: m for m in guide.photographed}
    seen: set[tuple[str, int]] = set()
    for photo in photos:
        material = materials.get(photo.material_id)
        if material is None:
            raise QueueError(ErrorCode.MISSING_MATERIAL, f"本事项不需要材料“{photo.material_id}”",
                             f"The item needs no material {photo.material_id}", 422)
        zh, en = _material_name(material)
        if not 1 <= photo.page <= MAX_PAGES or (photo.material_id, photo.page) in seen:
            raise QueueError(ErrorCode.BAD_REQUEST, f"“{zh}”的页码有误",
                             f"Material {photo.material_id} ({en}): bad or repeated page "
                             f"{photo.page}", 422)
        seen.add((photo.material_id, photo.page))
        if len(photo.jpeg) > MAX_PHOTO_BYTES:
            raise QueueError(ErrorCode.SUBMISSION_TOO_LARGE,
                             f"“{zh}”的照片超过{MAX_PHOTO_BYTES // 2**20}MB",
                             f"Material {photo.material_id} ({en}): a photo is over "
                             f"{MAX_PHOTO_BYTES // 2**20} MB", 413)
        if not photo.jpeg.startswith(JPEG_MAGIC):
            raise QueueError(ErrorCode.NOT_JPEG, f"“{zh}”的照片不是JPEG图片",
                             f"Material {photo.material_id} ({en}): the photo is not a JPEG",
                             422)
    if sum(len(p.jpeg) for p in photos) > MAX_TOTAL_BYTES:
        raise QueueError(ErrorCode.SUBMISSION_TOO_LARGE,
                         f"照片合计超过{MAX_TOTAL_BYTES // 2**20}MB",
                         f"The photos are over {MAX_TOTAL_BYTES // 2**20} MB in all", 413)
    given = {p.material_id for p in photos} | reused
    for material in guide.photographed:
        if material.required and material.id not in given:
            zh, en = _material_name(material)
            raise QueueError(ErrorCode.MISSING_MATERIAL, f"缺少材料“{zh}”，请拍摄",
                             f"Material {material.id} ({en}) is missing: photograph it", 422)
