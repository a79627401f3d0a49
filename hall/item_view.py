"""How the hall API shows an item of the hall's catalog: its name, department, where it can be
done, and when asked its service guide (办事指南) with materials and self-service form.

Plain functions of the configuration (no engine, no state): the node's ``GET /services`` and
the apps' canned samples build the same bodies.
"""

from __future__ import annotations

from hall.config import Item
from hall.guide import Guide
from hall.schemas import FormFieldBody, GuideBody, MaterialBody, ServiceItemBody


def item_body(item: Item, guide: bool = False) -> ServiceItemBody:
    """An item of ``GET /services``; with its guide when ``guide``."""
    body: ServiceItemBody = {
        "code": item.code, "name_zh": item.name_zh, "name_en": item.name_en,
        "department": item.department, "department_en": item.department_en,
        "anywhere": item.anywhere, "remote": item.remote}
    if guide:
        body["guide"] = guide_body(item.guide)
    return body


def guide_body(guide: Guide) -> GuideBody:
    """The guide of an item as JSON."""
    materials: list[MaterialBody] = [
        {"id": m.id, "name_zh": m.name_zh, "name_en": m.name_en, "form": m.form,
         "count": m.count, "photo": m.photo, "required": m.required,
         "reusable_days": m.reusable_days, "note_zh": m.note_zh, "note_en": m.note_en}
        for m in guide.materials]
    fields: list[FormFieldBody] = [
        {"key": f.key, "label_zh": f.label_zh, "label_en": f.label_en, "kind": f.kind,
         "required": f.required, "from_card": f.from_card, "choices_zh": list(f.choices_zh),
         "choices_en": list(f.choices_en), "max_length": f.max_length,
         "min_value": f.min_value, "max_value": f.max_value, "hint_zh": f.hint_zh,
         "hint_en": f.hint_en}
        for f in guide.fields]
    return {"summary_zh": guide.summary_zh, "summary_en": guide.summary_en,
            "conditions_zh": list(guide.conditions_zh),
            "conditions_en": list(guide.conditions_en), "fee_zh": guide.fee_zh,
            "fee_en": guide.fee_en, "time_limit_days": guide.time_limit_days,
            "self_service": guide.self_service, "materials": materials, "fields": fields}
