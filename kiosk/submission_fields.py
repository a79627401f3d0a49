"""How the kiosk checks one field of a self-service form, and shows what the ID card filled in.

Each :class:`~hall.guide.FormField` kind has its rule (the hall node checks the same again);
a broken rule is a (Chinese, English) sentence naming the field, shown under it. Values the card
gave are shown masked: the name as 张*, the ID number as 4403**********1234, the address with
only its first characters.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from devices.idcard.parse import mask_id, mask_name
from hall.guide import FormField
from hall.submission_check import DATE_YEARS_AHEAD, DATE_YEARS_BACK

Message = tuple[str, str]

_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")
_NUMBER = re.compile(r"\d{1,12}(\.\d{1,2})?")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
#: Characters of an address the card shows before the stars.
ADDRESS_SHOWN = 6


def field_label(field: FormField) -> Message:
    """The field's label in Chinese and English (the Chinese again when it has no English)."""
    return field.label_zh, field.label_en or field.label_zh


def check_field(field: FormField, value: str, today: date) -> Message | None:
    """What is wrong with ``value`` for ``field`` (None: nothing)."""
    zh, en = field_label(field)
    value = value.strip()
    if not value:
        if not field.required:
            return None
        return (f"请选择{zh}", f"Please choose {en}") if field.kind == "choice" else \
            (f"请填写{zh}", f"Please fill in {en}")
    if field.kind in ("text", "address") and len(value) > field.max_length:
        return (f"{zh}最多 {field.max_length} 个字", f"{en}: at most {field.max_length} "
                "characters")
    if field.kind == "phone" and not (_MOBILE.fullmatch(value) or _LANDLINE.fullmatch(value)):
        return (f"{zh}应为 11 位手机号码或带区号的固定电话",
                f"{en}: an 11-digit mobile number or a landline with its area code")
    if field.kind == "number":
        return _check_number(field, value)
    if field.kind == "date":
        return _check_date(field, value, today)
    if field.kind == "choice" and value not in field.choices_zh:
        return f"请选择{zh}", f"Please choose {en}"
    return None


def _check_number(field: FormField, value: str) -> Message | None:
    zh, en = field_label(field)
    try:
        number = Decimal(value) if _NUMBER.fullmatch(value) else None
    except InvalidOperation:
        number = None
    if number is None:
        return (f"{zh}应为数字（最多两位小数）", f"{en}: a number (at most two decimals)")
    low, high = field.min_value, field.max_value
    if (low is not None and number < Decimal(str(low))) or \
            (high is not None and number > Decimal(str(high))):
        low_text = _plain(low) if low is not None else "—"
        high_text = _plain(high) if high is not None else "—"
        return (f"{zh}应在 {low_text} 至 {high_text} 之间",
                f"{en}: between {low_text} and {high_text}")
    return None


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _check_date(field: FormField, value: str, today: date) -> Message | None:
    zh, en = field_label(field)
    match = _DATE.fullmatch(value)
    try:
        day = date(*(int(part) for part in match.groups())) if match else None
    except ValueError:
        day = None
    if day is None or day.year < 1900:
        return (f"{zh}应为有效日期，如 2024-05-01", f"{en}: a real date such as 2024-05-01")
    if not today - timedelta(days=365 * DATE_YEARS_BACK) <= day <= \
            today + timedelta(days=365 * DATE_YEARS_AHEAD):   # the hall node's bounds
        return f"{zh}的年份不对", f"{en}: the year is wrong"
    return None


def typed_date(value: str, digit: str) -> str:
    """The date field after one more digit: dashes come by themselves (2024-05-01)."""
    digits = value.replace("-", "") + digit
    if len(digits) > 8:
        return value
    parts = [digits[:4], digits[4:6], digits[6:]]
    return "-".join(part for part in parts if part) if len(digits) > 4 else digits


def masked_card_value(source: str, value: str) -> str:
    """A value the card gave, as the screen shows it."""
    if source == "id_number":
        return mask_id(value)
    if source == "name":
        return mask_name(value)
    if source == "address":
        return value[:ADDRESS_SHOWN] + "*" * min(8, max(0, len(value) - ADDRESS_SHOWN))
    return value
