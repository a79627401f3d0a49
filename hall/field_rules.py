"""The rules of a self-service form's fields (:class:`~hall.guide.FormField`), one set for the
kiosk, which checks each field as the citizen leaves it, and the hall node, which checks them
all again before it keeps a submission (:mod:`hall.submission_check`).

A broken rule is a (Chinese, English) sentence naming the field by its label, never repeating
the value (it may be personal data). A field the ID card fills (``from_card = "id_number"``),
when typed instead (the citizen came with an appointment QR code), is held to the ID number's
own rules: 18 characters and the GB 11643 check digit (:mod:`hall.idnumber`).

Pure: no I/O, no Qt.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from hall import idnumber
from hall.guide import FormField

Message = tuple[str, str]

#: A mainland mobile number, or a landline with its area code (the kiosk's phone keys have
#: the dash).
PHONE_RE = re.compile(r"1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}")
#: A number as the kiosk's keys type it: digits and at most two decimals.
NUMBER_RE = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")
DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
#: A date is plausible within this many years before and after today.
DATE_YEARS_BACK, DATE_YEARS_AHEAD = 150, 30
#: Characters that have no place in a typed value (controls, format marks, unassigned).
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def field_label(field: FormField) -> Message:
    """The field's label in Chinese and English (the Chinese again when it has no English)."""
    return field.label_zh, field.label_en or field.label_zh


def field_problem(field: FormField, value: str, today: date) -> Message | None:
    """What is wrong with ``value`` for ``field`` (None: nothing)."""
    zh, en = field_label(field)
    value = value.strip()
    if not value:
        if not field.required:
            return None
        return (f"请选择{zh}", f"Please choose {en}") if field.kind == "choice" else \
            (f"请填写{zh}", f"Please fill in {en}")
    if field.from_card == "id_number":
        return _id_number_problem(field, value, today)
    if field.kind in ("text", "address"):
        return _text_problem(field, value)
    if field.kind == "phone" and not PHONE_RE.fullmatch(value):
        return (f"{zh}应为 11 位手机号码或带区号的固定电话",
                f"{en}: an 11-digit mobile number or a landline with its area code")
    if field.kind == "number":
        return _number_problem(field, value)
    if field.kind == "date":
        return _date_problem(field, value, today)
    if field.kind == "choice" and value not in field.choices_zh + field.choices_en:
        return f"请选择{zh}", f"Please choose {en}"
    return None


def accepted_value(field: FormField, value: str, today: date) -> str:
    """The value as the hall keeps it, once :func:`field_problem` found nothing: stripped, a
    choice given in English as its Chinese option, an ID number with a capital X."""
    value = value.strip()
    if field.from_card == "id_number" and value:
        return idnumber.normalize(value, today)
    if field.kind == "choice" and value not in field.choices_zh and value in field.choices_en:
        return field.choices_zh[field.choices_en.index(value)]
    return value


def _id_number_problem(field: FormField, value: str, today: date) -> Message | None:
    zh, en = field_label(field)
    try:
        idnumber.normalize(value, today)
    except idnumber.InvalidIdNumber as err:
        return f"{zh}无效：{err.message_zh}", f"{en} is not valid: {err}"
    return None


def _text_problem(field: FormField, value: str) -> Message | None:
    zh, en = field_label(field)
    if len(value) > field.max_length:
        return (f"{zh}最多 {field.max_length} 个字", f"{en}: at most {field.max_length} "
                "characters")
    if any(unicodedata.category(c) in HIDDEN_CATEGORIES for c in value):
        return f"{zh}含有不可见的控制字符", f"{en} holds control characters"
    return None


def _number_problem(field: FormField, value: str) -> Message | None:
    zh, en = field_label(field)
    try:
        number = Decimal(value) if NUMBER_RE.fullmatch(value) else None
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


def _date_problem(field: FormField, value: str, today: date) -> Message | None:
    zh, en = field_label(field)
    match = DATE_RE.fullmatch(value)
    try:
        day = date(*(int(part) for part in match.groups())) if match else None
    except ValueError:
        day = None
    if day is None or day.year < 1900:
        return (f"{zh}应为有效日期，如 2024-05-01", f"{en}: a real date such as 2024-05-01")
    if not today - timedelta(days=365 * DATE_YEARS_BACK) <= day <= \
            today + timedelta(days=365 * DATE_YEARS_AHEAD):
        return f"{zh}的年份不对", f"{en}: the year is wrong"
    return None
