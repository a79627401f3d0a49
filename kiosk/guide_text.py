"""How the kiosk words an item's service guide (办事指南), on screen and on the printed slip:
each phrase as a (Chinese, English) pair, from the bodies of ``GET /services?guide=true``."""

from __future__ import annotations

from devices.printer.ticket import window_ranges
from hall.guide import MATERIAL_FORM_TEXT
from hall.schemas import GuideBody, MaterialBody, ServiceBody, ServiceItemBody

Pair = tuple[str, str]


def time_limit(guide: GuideBody) -> Pair:
    """"3 个工作日" / "3 working days", or "即办" / "On the spot"."""
    days = guide["time_limit_days"]
    if days <= 0:
        return "即办（当场办结）", "On the spot"
    return f"{days} 个工作日", f"{days} working day{'s' if days > 1 else ''}"


def fee(guide: GuideBody) -> Pair:
    """The fee as the guide says it (English: the Chinese when the guide gives none)."""
    return guide["fee_zh"], guide["fee_en"] or guide["fee_zh"]


def material_form(material: MaterialBody) -> Pair:
    """"原件 1 份" / "original, 1"; "复印件 2 份" / "copy, 2"."""
    zh, en = MATERIAL_FORM_TEXT.get(material["form"], ("", ""))
    return f"{zh} {material['count']} 份", f"{en}, {material['count']}"


def material_name(material: MaterialBody) -> Pair:
    """The material's name, "（选交）" / "(if it applies)" for one not always needed."""
    zh, en = material["name_zh"], material["name_en"] or material["name_zh"]
    if not material["required"]:
        return f"{zh}（选交）", f"{en} (if it applies)"
    return zh, en


def where(theme: ServiceBody | None, item: ServiceItemBody) -> Pair:
    """"综合服务 · C 区 · 12、13、20-28 号窗口" / "General services · area C · windows 12, 13,
    20-28", with the department first."""
    zh = [item["department"]] if item["department"] else []
    en = [item["department_en"] or item["department"]] if item["department"] else []
    if theme is not None:
        zh.append(theme["name_zh"])
        en.append(theme["name_en"] or theme["name_zh"])
        if theme["waiting_area_zh"]:
            zh.append(theme["waiting_area_zh"])
            en.append(theme["waiting_area_en"] or theme["waiting_area_zh"])
        if theme["windows"]:
            ranges = window_ranges(tuple(theme["windows"]))
            zh.append(f"{'、'.join(ranges)} 号窗口")
            en.append(("window " if len(theme["windows"]) == 1 else "windows ")
                      + ", ".join(ranges))
    return " · ".join(zh), " · ".join(en)


def ways(item: ServiceItemBody, guide: GuideBody) -> list[Pair]:
    """Where else than at a window it can be done: here by self-service (自助申报), at any hall
    of the city (通办), remotely; at a window only when none."""
    out: list[Pair] = []
    if guide["self_service"]:
        out.append(("可在本机自助申报", "Apply at this kiosk"))
    if item["anywhere"]:
        out.append(("全市通办：可到任一大厅办理", "At any hall of the city"))
    if item["remote"]:
        out.append(("可远程视频或网上办理", "Remotely, by video or online"))
    return out or [("须到窗口办理", "At a window only")]
