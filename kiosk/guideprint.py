"""The service guide of an item as a printed slip (:class:`~devices.printer.slip.SlipContent`):
what it is, who may apply, the materials (original or copy, how many), the fee, the time limit,
where it is served and how else it can be done — Chinese first, English under it. Nothing
personal is on it. How each line fits the paper is the printer's business."""

from __future__ import annotations

from datetime import datetime

from devices.printer.slip import SlipContent, SlipSection
from hall.schemas import GuideBody, HallBody, ServiceBody, ServiceItemBody
from kiosk import guide_text


def guide_slip(item: ServiceItemBody, guide: GuideBody, theme: ServiceBody | None,
               hall: HallBody | None, now: datetime) -> SlipContent:
    """The slip of ``item``'s guide, printed ``now`` (in the hall's time) at ``hall``."""
    conditions: list[str] = []
    for n, zh in enumerate(guide["conditions_zh"], 1):
        conditions.append(f"{n}. {zh}")
        if n <= len(guide["conditions_en"]):
            conditions.append(guide["conditions_en"][n - 1])
    materials: list[str] = []
    for n, material in enumerate(guide["materials"], 1):
        name, form = guide_text.material_name(material), guide_text.material_form(material)
        materials += [f"{n}. {name[0]}（{form[0]}）", f"{name[1]} ({form[1]})"]
        if material["note_zh"]:
            materials.append(f"* {material['note_zh']} / {material['note_en']}")
    where = guide_text.where(theme, item)
    sections = [
        SlipSection("事项说明 / What it is", (guide["summary_zh"], guide["summary_en"])),
        SlipSection("申请条件 / Who may apply", tuple(conditions) or ("无 / None",)),
        SlipSection("申请材料 / What to bring", tuple(materials) or ("无 / None",)),
        SlipSection("收费标准 / Fee", (" / ".join(guide_text.fee(guide)),)),
        SlipSection("法定时限 / Time limit", (" / ".join(guide_text.time_limit(guide)),)),
        SlipSection("办理地点 / Where", (where[0], where[1])),
        SlipSection("办理方式 / How", tuple(" / ".join(way)
                                            for way in guide_text.ways(item, guide))),
    ]
    hall_name = str(hall.get("name_zh") or "") if hall else ""
    return SlipContent(
        title=f"办事指南 · {item['name_zh']}",
        subtitle=f"Service guide · {item['name_en'] or item['name_zh']}",
        sections=tuple(sections),
        footer=tuple(line for line in (hall_name, f"打印时间 {now:%Y-%m-%d %H:%M}") if line))
