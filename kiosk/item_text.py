"""How the kiosk names what an item's tile says beside its name."""

from __future__ import annotations

from hall.schemas import ServiceItemBody
from ui.look import Look


def department(look: Look, item: ServiceItemBody) -> str:
    """The department that handles an item, in the screen's language (Chinese when the hall
    gives no English name)."""
    zh = item.get("department", "")
    return look.t(zh, item.get("department_en") or zh)
