"""How the kiosk shows a self-service form's values: what the ID card filled in, masked (the
name as 张*, the ID number as 4403**********1234, the address with only its first characters),
and a date as it is typed (its dashes come by themselves).

The rules each field is checked by are the hall's (:mod:`hall.field_rules`): the kiosk checks
them at the field and the hall node again before it keeps a submission.
"""

from __future__ import annotations

from devices.idcard.parse import mask_id, mask_name
from hall.field_rules import Message

__all__ = ["ADDRESS_SHOWN", "Message", "masked_card_value", "typed_date"]

#: Characters of an address the card shows before the stars.
ADDRESS_SHOWN = 6


def typed_date(value: str, digit: str) -> str:
    """The date field after one more digit: dashes come by themselves (2024-05-01)."""
    digits = value.replace("-", "") + digit
    if len(digits) > 8:
        return value
    parts = [digits[:4], digits[4:6], digits[6:]]
    return "-".join(part for part in parts if part) if len(digits) > 4 else digits


def masked_card_value(source: str, value: str) -> str:
    """A value the card gave (or the citizen typed in its place), as the screen shows it."""
    if source == "id_number":
        return mask_id(value)
    if source == "name":
        return mask_name(value)
    if source == "address":
        return value[:ADDRESS_SHOWN] + "*" * min(8, max(0, len(value) - ADDRESS_SHOWN))
    return value
