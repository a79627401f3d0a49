"""What a hall's TOML file may say, checked with pydantic: every table and key the node knows,
its type and its range. A key the schema does not know is an error (a typo would otherwise be
ignored silently), and so is a wrong type: a string where a number belongs, ``skills = "A"``
where a list belongs. Values are never converted from another type, except that an id or a
window's number may be written as a whole number (``number = 3``).

:func:`check_references` then refuses what the types alone cannot see: two windows with one
number, a window's skill naming no theme, one item code in two places. :func:`describe` turns
pydantic's first complaint into one line naming the table and the key, in Chinese and English.
``hall/config.py`` builds the node's dataclasses from the checked file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails


class Wrong(ValueError):
    """A value the schema refuses, said in English and Chinese (raised by the validators and
    :func:`check_references`); ``where`` names the table and key when it is known."""

    def __init__(self, message_en: str, message_zh: str, where: str = "") -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_zh = message_zh
        self.where = where


def _whole_number_as_text(value: Any) -> Any:
    """``number = 3`` means the window "3"; any other type is left for the type check."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


#: An id, a code or a window's number: text (or a whole number, read as its digits).
Key = Annotated[str, BeforeValidator(_whole_number_as_text), Field(min_length=1, max_length=32)]
#: A name shown to people; may be empty where a default exists.
Name = Annotated[str, Field(max_length=200)]
#: A name that must be given.
GivenName = Annotated[str, Field(min_length=1, max_length=200)]
#: Where a theme's citizens wait, short enough for one ticket line ("A 区", "二楼 B 区").
AreaName = Annotated[str, Field(max_length=16)]
#: Minutes a service takes: more than 0, at most a day, a real number.
ServiceMinutes = Annotated[float, Field(gt=0, le=1440, allow_inf_nan=False)]

_HH_MM = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


class _Table(BaseModel):
    """A table of the file: unknown keys are refused, and no value changes its type."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class LocationTable(_Table):
    """``location = { lat = …, lon = … }`` of ``[hall]``."""

    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)


#: A web address a phone can open from a QR code.
_WEB_ADDRESS = re.compile(r"^https?://[^\s/?#]+[^\s]*$")
#: The address of a site a phone page hangs under: scheme, host, port, maybe a path.
_SITE = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?(/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?$")


def _a_web_address(value: str) -> str:
    """``value`` if it is empty (none given) or a web address, else a bilingual refusal."""
    if value and not _WEB_ADDRESS.match(value):
        raise Wrong(f"{_toml(value)} is not a web address (http:// or https://, no spaces)",
                    f"{_toml(value)} 不是网址（应以 http:// 或 https:// 开头，不含空格）")
    return value


#: An optional web address a phone opens from a QR code: "" for none, else http(s)://host…
WebAddress = Annotated[str, Field(max_length=500), AfterValidator(_a_web_address)]


def _names_only(value: str, placeholder: str) -> bool:
    """Whether ``value`` holds ``{placeholder}`` and no other ``{…}`` to fill in."""
    try:
        formatted = value.format(**{placeholder: "X"})
    except (KeyError, IndexError, ValueError):
        return False
    return "{" + placeholder + "}" in value and formatted != value


class HallTable(_Table):
    """``[hall]``: who the hall is. ``ticket_url`` is the ticket's phone page (its QR code):
    ``{id}`` is filled with the ticket's link token ``<ticket id>.<mac>`` (:mod:`hall.links`),
    never the bare id, which the page does not answer for. ``phone_ticketing_url`` is where a
    citizen takes a number by phone (the wall display shows it as a QR code; none when empty).
    ``progress_url`` is the public page of a self-service submission's progress (the receipt's
    QR code, ``{code}`` the receipt code; central's ``/progress/{code}``); when empty the
    receipt links the hall node's own page on the LAN (``/s/{code}`` next to ``ticket_url``).
    ``public_phone_url`` is the city's public address of central's phone pages (``https://…``,
    no path beyond the site's): when set, the ticket's QR code points there
    (``<public_phone_url>/p/<hall id>/<public token>``, :func:`hall.links.phone_url`), so a
    phone on mobile data reaches it; ``ticket_url`` (the hall's LAN page) only when empty."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
    name_zh: Name = ""
    name_en: Name = ""
    timezone: str = "Asia/Shanghai"
    ticket_url: str = Field(default="http://hallq.local/t/{id}", max_length=500)
    phone_ticketing_url: WebAddress = ""
    progress_url: WebAddress = ""
    public_phone_url: str = Field(default="", max_length=300)
    location: LocationTable | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise Wrong(f"unknown time zone {_toml(value)} (such as \"Asia/Shanghai\")",
                        f"未知时区 {_toml(value)}（应如 \"Asia/Shanghai\"）") from None
        return value

    @field_validator("ticket_url")
    @classmethod
    def _names_the_ticket(cls, value: str) -> str:
        if not _names_only(value, "id"):
            raise Wrong("must contain {id} and no other {…}",
                        "须含 {id}，且不能有其他 {…}")
        return value

    @field_validator("progress_url")
    @classmethod
    def _names_the_code(cls, value: str) -> str:
        # after WebAddress's own check: a web address, or empty for the hall's LAN page
        if value and not _names_only(value, "code"):
            raise Wrong("must be a web address containing {code} and no other {…}",
                        "须为含 {code} 的网址，且不能有其他 {…}")
        return value

    @field_validator("public_phone_url")
    @classmethod
    def _a_site(cls, value: str) -> str:
        if value and not _SITE.match(value):
            raise Wrong(f"{_toml(value)} is not the address of a site (https://host[:port][/path],"
                        " no query, no #, no spaces)",
                        f"{_toml(value)} 不是网站地址（应如 https://主机[:端口][/路径]，"
                        "不含 ?、# 和空格）")
        return value.rstrip("/")


def _time_of_day(value: Any) -> Any:
    """``"09:00"`` (or a TOML local time, ``09:00:00``) as a :class:`datetime.time`."""
    if isinstance(value, time):
        return value
    if not isinstance(value, str):
        return value      # the type check says what is wrong
    match = _HH_MM.match(value)
    try:
        if match is None:
            raise ValueError(value)
        hours, minutes, seconds = (int(part or 0) for part in match.groups())
        return time(hours, minutes, seconds)
    except ValueError:
        raise Wrong(f"{_toml(value)} is not a time of day HH:MM",
                    f"{_toml(value)} 不是时刻 HH:MM") from None


TimeOfDay = Annotated[time, BeforeValidator(_time_of_day)]


class HoursTable(_Table):
    """``[hours]``: when the hall is open, in its time zone."""

    open: TimeOfDay = time(9, 0)
    close: TimeOfDay = time(17, 30)
    days: list[Annotated[int, Field(ge=1, le=7)]] = Field(default=[1, 2, 3, 4, 5], min_length=1)
    open_all_day: bool = False


class RulesTable(_Table):
    """``[rules]``: the queue rules; durations in minutes unless the key ends in ``_s``."""

    elderly_age: int = Field(default=65, ge=1, le=150)
    max_recalls: int = Field(default=3, ge=0, le=20)
    no_show_min_recalls: int = Field(default=1, ge=0, le=20)
    no_show_min_wait_s: float = Field(default=60.0, ge=0, le=3600, allow_inf_nan=False)
    no_show_undo_s: float = Field(default=30.0, ge=0, le=600, allow_inf_nan=False)
    recheckin_positions: int = Field(default=3, ge=0, le=1000)
    max_recheckins: int = Field(default=1, ge=0, le=20)
    appointment_early_min: int = Field(default=15, ge=0, le=240)
    lease_ttl_min: float = Field(default=3.0, gt=0, le=60, allow_inf_nan=False)
    personal_data_days: int = Field(default=30, ge=1, le=3660)
    sync_lag_limit_min: float = Field(default=10.0, gt=0, le=1440, allow_inf_nan=False)
    clock_drift_limit_s: float = Field(default=30.0, gt=0, le=3600, allow_inf_nan=False)
    device_silent_limit_s: float = Field(default=60.0, gt=0, le=3600, allow_inf_nan=False)


class GuideTable(_Table):
    """``[themes.items.guide]``: what the service guide (办事指南) says of the item."""

    summary_zh: Annotated[str, Field(max_length=2000)] = ""
    summary_en: Annotated[str, Field(max_length=2000)] = ""
    conditions_zh: list[GivenName] = Field(default=[], max_length=30)
    conditions_en: list[GivenName] = Field(default=[], max_length=30)
    fee_zh: Name = "免费"
    fee_en: Name = "Free"
    time_limit_days: int = Field(default=0, ge=0, le=365)   # working days; 0: on the spot
    self_service: bool = False                               # can be handed in at a kiosk


class MaterialTable(_Table):
    """``[[themes.items.materials]]``: a document the item needs."""

    id: Key
    name_zh: GivenName
    name_en: Name = ""
    form: Literal["original", "copy", "original_and_copy"] = "original"
    count: int = Field(default=1, ge=1, le=20)
    photo: bool = True              # photographed at the kiosk for self-service
    required: bool = True
    reusable_days: int = Field(default=0, ge=0, le=3650)     # 一证通办: 0 = never reused
    note_zh: Name = ""
    note_en: Name = ""


class FieldTable(_Table):
    """``[[themes.items.fields]]``: a field of the item's self-service form."""

    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
    label_zh: GivenName
    label_en: Name = ""
    kind: Literal["text", "number", "date", "choice", "phone", "address"] = "text"
    required: bool = True
    from_card: Literal["", "name", "id_number", "address"] = ""
    choices_zh: list[GivenName] = Field(default=[], max_length=30)
    choices_en: list[GivenName] = Field(default=[], max_length=30)
    max_length: int = Field(default=100, ge=1, le=2000)
    min_value: float | None = Field(default=None, allow_inf_nan=False)
    max_value: float | None = Field(default=None, allow_inf_nan=False)
    hint_zh: Name = ""
    hint_en: Name = ""
class CloudTable(_Table):
    """``[cloud]``: when another hall is worth the trip for a citizen of this hall (云叫号)."""

    max_travel_min: float = Field(default=60.0, gt=0, le=600, allow_inf_nan=False)
    min_saving_min: float = Field(default=5.0, ge=0, le=240, allow_inf_nan=False)
    saving_per_travel: float = Field(default=0.25, ge=0, le=10, allow_inf_nan=False)


class ItemTable(_Table):
    """``[[themes.items]]``: a service item of its theme."""

    code: Key
    name_zh: GivenName
    name_en: Name = ""
    department: Name = ""
    department_en: Name = ""      # shown in English mode; the Chinese name when empty
    mean_service_min: ServiceMinutes | None = None     # the theme's when not given
    anywhere: bool = False
    remote: bool = False
    guide: GuideTable = GuideTable()
    materials: list[MaterialTable] = Field(default=[], max_length=30)
    fields: list[FieldTable] = Field(default=[], max_length=60)


class ThemeTable(_Table):
    """``[[themes]]``: a theme with its ticket prefix (one or two letters)."""

    prefix: str = Field(pattern=r"^[A-Za-z]{1,2}$")
    name_zh: GivenName
    name_en: Name = ""
    daily_quota: int = Field(default=0, ge=0, le=100_000)
    per_id_daily_limit: int = Field(default=2, ge=0, le=1000)
    cutoff_min: int = Field(default=30, ge=0, le=1440)
    mean_service_min: ServiceMinutes = 10.0
    waiting_area_zh: AreaName = ""        # printed on the ticket: "请在 A 区等候"
    waiting_area_en: AreaName = ""        # "Wait in area A"; needs waiting_area_zh
    items: list[ItemTable] = []

    @field_validator("waiting_area_en")
    @classmethod
    def _chinese_first(cls, value: str, info: ValidationInfo) -> str:
        if value and not info.data.get("waiting_area_zh"):
            raise Wrong("needs waiting_area_zh (Chinese first), such as \"A 区\"",
                        "须先有 waiting_area_zh（中文在先），如 \"A 区\"")
        return value


class WindowTable(_Table):
    """``[[windows]]``: a window and the theme prefixes it serves, in its order."""

    number: Key
    skills: list[str] = Field(min_length=1, max_length=26)
    name_zh: Name = ""
    name_en: Name = ""
    video_booth: bool = False


class BoothTable(_Table):
    """``[[booths]]``: a video booth of the hall."""

    id: Key
    name_zh: Name | None = None
    name_en: Name | None = None


class StaffTable(_Table):
    """``[[staff]]``: a member of staff."""

    id: Key
    name_zh: Name = ""
    pin_sha256: str | None = None      # refused: PINs are kept in the hall's store
    badge_uid: str = Field(default="", max_length=64)
    #: the web pages the staff member may use (none: a window's console only)
    roles: list[Literal["desk", "supervisor", "backoffice"]] = Field(default=[], max_length=3)

    @field_validator("pin_sha256")
    @classmethod
    def _no_pin_here(cls, value: str | None) -> None:
        """PINs left the TOML: an unsalted digest cannot be turned into a slow hash."""
        raise Wrong("PINs are no longer kept in the TOML: delete this line and set the PIN "
                    "with `hallq staff set-pin STAFF_ID --data-dir DIR`",
                    "员工密码已不再保存在配置文件中：请删除此行，并用 "
                    "`hallq staff set-pin 工号 --data-dir 数据目录` 设置密码")


class HallFile(_Table):
    """A whole hall TOML file."""

    hall: HallTable
    hours: HoursTable = HoursTable()
    rules: RulesTable = RulesTable()
    cloud: CloudTable = CloudTable()
    themes: list[ThemeTable] = Field(min_length=1)
    windows: list[WindowTable] = []
    booths: list[BoothTable] = []
    staff: list[StaffTable] = []


# ---------------------------------------------------------------------- references
def check_references(file: HallFile) -> None:
    """Refuse duplicates and references to things that do not exist; raise :class:`Wrong`."""
    hours = file.hours
    if not hours.open_all_day and hours.close <= hours.open:
        raise Wrong(f"must be after open ({hours.open:%H:%M})",
                    f"须晚于开门时间（{hours.open:%H:%M}）", "[hours] · close")
    _no_repeats(((f"[hours] · days #{n}", d) for n, d in enumerate(hours.days, 1)),
                ("a day", "日"))
    rules = file.rules
    if rules.no_show_min_recalls > rules.max_recalls:
        raise Wrong(f"must be at most max_recalls ({rules.max_recalls}): a ticket is never "
                    "recalled more often",
                    f"不能大于 max_recalls（{rules.max_recalls}）：一个号码最多重呼这么多次",
                    "[rules] · no_show_min_recalls")
    prefixes = _no_repeats(_listed("themes", file.themes, "prefix", str.upper),
                           ("a theme prefix", "主题前缀"))
    codes = _no_repeats(((f"[[themes]] #{n} (prefix = {_toml(t.prefix)}) → [[themes.items]] "
                          f"#{m} · code", i.code.upper())
                         for n, t in enumerate(file.themes, 1)
                         for m, i in enumerate(t.items, 1)), ("an item code", "事项编码"))
    clash = sorted(codes & prefixes)
    if clash:
        raise Wrong(f"{_toml(clash[0])} is both an item code and a theme prefix",
                    f"{_toml(clash[0])} 既是事项编码又是主题前缀", "[[themes.items]] · code")
    _no_repeats(_listed("windows", file.windows, "number"), ("a window number", "窗口号"))
    for position, window in enumerate(file.windows, 1):
        where = f"[[windows]] #{position} (number = {_toml(window.number)}) · skills"
        skills = [s.upper() for s in window.skills]
        _no_repeats(((where, s) for s in skills), ("a skill", "技能"))
        unknown = [s for s in skills if s not in prefixes]
        if unknown:
            themes = ", ".join(_toml(p) for p in sorted(prefixes))
            raise Wrong(f"{_toml(unknown[0])} names no theme (the themes: {themes})",
                        f"{_toml(unknown[0])} 不是任何主题（现有主题：{themes}）", where)
    _no_repeats(_listed("booths", file.booths, "id"), ("a booth id", "视频服务区编号"))
    _no_repeats(_listed("staff", file.staff, "id"), ("a staff id", "工号"))
    _no_repeats(((where, badge.upper()) for where, badge in
                 _listed("staff", file.staff, "badge_uid") if badge),
                ("a badge", "工牌"))
    for n, theme in enumerate(file.themes, 1):
        for m, item in enumerate(theme.items, 1):
            _check_guide(f"[[themes]] #{n} (prefix = {_toml(theme.prefix)}) → [[themes.items]] "
                         f"#{m} (code = {_toml(item.code)})", item)


def _check_guide(where: str, item: ItemTable) -> None:
    """An item's materials and form: no repeated id or key, choices where a choice is asked,
    ranges the right way round, and something to hand in when it is marked self-service."""
    _no_repeats(((f"{where} → [[themes.items.materials]] #{k} · id", m.id)
                 for k, m in enumerate(item.materials, 1)), ("a material id", "材料编号"))
    _no_repeats(((f"{where} → [[themes.items.fields]] #{k} · key", f.key)
                 for k, f in enumerate(item.fields, 1)), ("a field key", "字段名"))
    for k, field in enumerate(item.fields, 1):
        at = f"{where} → [[themes.items.fields]] #{k} (key = {_toml(field.key)})"
        if field.kind == "choice" and not field.choices_zh:
            raise Wrong("a choice needs its choices_zh", "选择题须列出 choices_zh",
                        f"{at} · choices_zh")
        if field.choices_en and len(field.choices_en) != len(field.choices_zh):
            raise Wrong("must list as many choices as choices_zh",
                        "选项数须与 choices_zh 相同", f"{at} · choices_en")
        if (field.min_value is not None and field.max_value is not None
                and field.min_value > field.max_value):
            raise Wrong("must not be above max_value", "不能大于 max_value", f"{at} · min_value")
    if item.guide.self_service and not (item.fields or any(m.photo for m in item.materials)):
        raise Wrong("a self-service item needs a form field or a material to photograph",
                    "自助申报事项须有表单字段或需拍照的材料", f"{where} → guide · self_service")


def _listed(table: str, entries: list[Any], key: str, norm: Callable[[str], str] = str
            ) -> Iterable[tuple[str, str]]:
    """``(where, value)`` of ``key`` in each entry of a list of tables."""
    for position, entry in enumerate(entries, 1):
        yield f"[[{table}]] #{position} · {key}", norm(getattr(entry, key))


def _no_repeats(placed: Iterable[tuple[str, Any]], what: tuple[str, str]) -> set[Any]:
    """The set of the values of ``(where, value)`` pairs; :class:`Wrong` where a value is
    given a second time."""
    seen: set[Any] = set()
    for where, value in placed:
        if value in seen:
            raise Wrong(f"{what[0]} given twice: {_toml(value)}",
                        f"{what[1]}重复：{_toml(value)}", where)
        seen.add(value)
    return seen


# ---------------------------------------------------------------------- one line per error
#: pydantic's error types as a technician reads them: (English, Chinese), with the error's
#: context (``ge``, ``max_length`` …) filled in.
_SAID: dict[str, tuple[str, str]] = {
    "missing": ("is missing", "缺少此项"),
    "extra_forbidden": ("unknown key (a typo?)", "不认识的键（拼写有误？）"),
    "int_type": ("must be a whole number", "应为整数"),
    "float_type": ("must be a number", "应为数字"),
    "finite_number": ("must be a finite number", "应为有限的数字"),
    "bool_type": ("must be true or false", "应为 true 或 false"),
    "string_type": ("must be text in quotes", "应为带引号的文字"),
    "list_type": ("must be a list, such as [\"A\", \"C\"]", "应为列表，如 [\"A\", \"C\"]"),
    "model_type": ("must be a table", "应为表"),
    "model_attributes_type": ("must be a table", "应为表"),
    "time_type": ("must be a time of day HH:MM", "应为时刻 HH:MM"),
    "greater_than_equal": ("must be at least {ge}", "应不小于 {ge}"),
    "greater_than": ("must be more than {gt}", "应大于 {gt}"),
    "less_than_equal": ("must be at most {le}", "应不大于 {le}"),
    "less_than": ("must be less than {lt}", "应小于 {lt}"),
    "string_too_short": ("must not be empty", "不能为空"),
    "string_too_long": ("is too long (at most {max_length} characters)",
                        "太长（最多 {max_length} 个字符）"),
    "too_short": ("needs at least {min_length} entries", "至少要有 {min_length} 项"),
    "too_long": ("has more than {max_length} entries", "最多 {max_length} 项"),
    "string_pattern_mismatch": ("has the wrong form", "格式不对"),
}
#: What a key's value must look like, where its pattern would say it badly.
_FORMS = {"id": ("must be letters, digits and . _ : - (such as \"GD-SZ-FT-001\")",
                 "应为字母、数字和 . _ : -（如 \"GD-SZ-FT-001\"）"),
          "prefix": ("must be one or two letters (such as \"A\")",
                     "应为一两个字母（如 \"A\"）")}
#: The key that names an entry of each list of tables, for saying which one.
_NAMED_BY = {"themes": "prefix", "items": "code", "windows": "number", "booths": "id",
             "staff": "id"}


def describe(error: ErrorDetails, data: Any) -> Wrong:
    """One of pydantic's errors as :class:`Wrong`, its ``where`` naming the table and key
    (``[[windows]] #2 (number = "3") · skills``) looked up in the parsed ``data``."""
    loc = error["loc"]
    context = error.get("ctx") or {}
    cause = context.get("error")
    if isinstance(cause, Wrong):
        en, zh = cause.message_en, cause.message_zh
    elif error["type"] == "string_pattern_mismatch" and loc and loc[-1] in _FORMS:
        en, zh = _FORMS[str(loc[-1])]
    elif error["type"] == "too_short" and context.get("min_length") == 1:
        en, zh = _SAID["string_too_short"]
    elif error["type"] in _SAID:
        filled = {key: _toml(value) for key, value in context.items()}
        en, zh = (text.format(**filled) for text in _SAID[error["type"]])
    else:
        en, zh = error["msg"], "取值有误"
    if error["type"] not in ("missing", "extra_forbidden") and not isinstance(cause, Wrong):
        shown = _toml(error["input"])
        en, zh = f"{en} (got {shown})", f"{zh}（现为 {shown}）"
    if error["type"] == "extra_forbidden" and len(loc) == 1:
        en, zh = "unknown table (a typo?)", "不认识的表（拼写有误？）"
    return Wrong(en, zh, _where(loc, data))


def _where(loc: tuple[int | str, ...], data: Any) -> str:
    """``('windows', 1, 'skills')`` as ``[[windows]] #2 (number = "3") · skills``; an item
    of a theme as ``[[themes]] #1 (prefix = "A") → [[themes.items]] #3 (code = "A03")``."""
    entries: list[str] = []
    tables: list[str] = []
    keys: list[str] = []
    node = data
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        child = node.get(part) if isinstance(node, dict) and isinstance(part, str) else None
        if isinstance(part, int):
            keys.append(f"#{part + 1}")
        elif part in _NAMED_BY and isinstance(child, list) and parts and not keys:
            index = parts.pop(0)
            tables.append(part)
            node = child[index] if isinstance(index, int) and index < len(child) else None
            named = _NAMED_BY[part]
            name = node.get(named) if isinstance(node, dict) else None
            entries.append(f"[[{'.'.join(tables)}]] #{int(index) + 1}"
                           + (f" ({named} = {_toml(name)})" if name is not None else ""))
        elif not tables and not keys and isinstance(child, dict) and parts:
            tables.append(part)
            entries.append(f"[{part}]")
            node = child
        else:
            keys.append(part)
            node = child
    if not entries:
        if not keys:
            return "the file"
        listed = keys[0] in _NAMED_BY
        return f"[[{keys[0]}]]" if listed else f"[{keys[0]}]"
    head = " → ".join(entries)
    key = ".".join(keys).replace(".#", " #")
    return f"{head} · {key}" if keys else head


def _toml(value: Any) -> str:
    """A value as it would be written in TOML (near enough to recognise it)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)
