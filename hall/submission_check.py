"""Checking a self-service submission against its item's guide (:mod:`hall.guide`) before the
hall node keeps it: every field valid by the form's rules (:mod:`hall.field_rules`, the same
the kiosk checks at the field), every required photographed material present (photographed or
reused, 一证通办), each photo a JPEG within the limits.

Each refusal is a :class:`~hall.errors.QueueError` naming the field or material in Chinese and
English, and never repeating a citizen's value (it may be personal data).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from hall.config import Item
from hall.errors import ErrorCode, QueueError, not_found
from hall.field_rules import Message, accepted_value, field_problem
from hall.guide import FormField, Guide, Material
from hall.state import Appointment

#: Limits of one submission (the kiosk's photos are about 0.5-2 MB each).
MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PHOTOS = 20
MAX_TOTAL_BYTES = 60 * 1024 * 1024
MAX_PAGES = 20
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


def invalid_field(spec: FormField, problem: Message) -> QueueError:
    """The 422 of a field that is not valid, naming it (the sentence the kiosk shows at the
    field, :mod:`hall.field_rules`)."""
    why_zh, why_en = problem
    return QueueError(ErrorCode.INVALID_FIELD, why_zh, f"Field {spec.key}: {why_en}", 422)


def check_field(spec: FormField, value: str, today: date) -> str:
    """A field's value checked by the form's rules, as kept (:func:`~hall.field_rules.
    accepted_value`); QueueError naming the field."""
    problem = field_problem(spec, value, today)
    if problem is not None:
        raise invalid_field(spec, problem)
    return accepted_value(spec, value, today)


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
        value = check_field(spec, value if value else fields.get(spec.key, ""), today)
        if value:
            checked[spec.key] = value
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


def check_appointment_holder(appointment: Appointment | None, item: Item, id_hash: str | None,
                             today: date, timezone: tzinfo, used: bool) -> None:
    """An appointment QR code stands in for the ID card only when the appointment is known,
    today's, not checked in and not ``used`` for a submission, for this item (or its theme),
    and booked with the ID number typed (``id_hash``, its keyed hash; None: the form takes no
    ID number, and the appointment vouches for nobody)."""
    if appointment is None:
        raise not_found(ErrorCode.UNKNOWN_APPOINTMENT, "预约", "Appointment")
    if datetime.fromtimestamp(appointment.slot_start, timezone).date() != today:
        raise QueueError(ErrorCode.APPOINTMENT_NOT_TODAY, "该预约不是今天的，请刷身份证办理",
                         "The appointment is for another day: please use your ID card")
    if appointment.ticket_id is not None or used:
        raise QueueError(ErrorCode.APPOINTMENT_USED, "该预约已使用，请刷身份证办理",
                         "The appointment was used already: please use your ID card")
    if appointment.item not in (None, item.code) or appointment.theme != item.theme:
        raise QueueError(ErrorCode.APPOINTMENT_MISMATCH, "预约的事项不是本事项",
                         "The appointment is for another item", 422)
    if id_hash is None:
        return
    if not appointment.id_hash:
        raise QueueError(ErrorCode.APPOINTMENT_ANONYMOUS,
                         "该预约未登记身份证号码，无法核验身份，请刷身份证办理",
                         "The appointment was booked without an ID number, so it cannot "
                         "vouch for you: please use your ID card")
    if appointment.id_hash != id_hash:
        raise QueueError(ErrorCode.APPOINTMENT_MISMATCH, "身份证号码与预约人不符，请核对",
                         "The ID number is not the one the appointment was booked with: "
                         "please check it", 422)
