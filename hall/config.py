"""The hall's configuration: themes, service items, windows, staff and rules, loaded from TOML.

A theme (主题) has a ticket prefix and is served by any comprehensive window with that skill
("one window", 一窗受理); items (事项) belong to one theme. See ``hall/example_hall.toml``.
What the file may say is checked by ``hall/config_schema.py``; the rest of the code uses the
dataclasses here.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from hall.guide import FormField, Guide, Material

if TYPE_CHECKING:
    from hall.config_schema import HallFile, ItemTable


class ConfigError(ValueError):
    """The hall's TOML file is wrong. ``str()`` is one English line naming the file, the table
    and the key; :meth:`bilingual` says it in Chinese and English for a person."""

    def __init__(self, message_en: str, message_zh: str = "", where: str = "") -> None:
        super().__init__(f"{where}: {message_en}" if where else message_en)
        self.message_en = message_en
        self.message_zh = message_zh or message_en
        self.where = where

    def bilingual(self) -> str:
        """``where: 中文 / English`` on one line."""
        said = f"{self.message_zh} / {self.message_en}"
        return f"{self.where}: {said}" if self.where else said

    def in_file(self, path: Path | str) -> ConfigError:
        """The same error, its place prefixed with the file's path."""
        where = f"{path} {self.where}" if self.where else str(path)
        return ConfigError(self.message_en, self.message_zh, where)


@dataclass(frozen=True)
class Item:
    """A service item (事项) of a theme."""

    code: str
    theme: str
    name_zh: str
    name_en: str
    department: str = ""
    department_en: str = ""  # its English name (empty: not given)
    mean_service_s: float = 600.0
    anywhere: bool = False   # 通办: can be served at any hall of the city
    remote: bool = False     # can be served remotely (video booth, online intake)
    guide: Guide = Guide()   # 办事指南, and the form and materials of self-service


@dataclass(frozen=True)
class Theme:
    """A theme with its ticket prefix, quota and per-ID limit."""

    prefix: str
    name_zh: str
    name_en: str
    daily_quota: int = 0              # tickets a day; 0 = no quota
    per_id_daily_limit: int = 2       # real-name tickets a day per ID number; 0 = no limit
    cutoff_min: int = 30              # issuing stops this many minutes before closing
    mean_service_s: float = 600.0
    items: tuple[Item, ...] = ()
    waiting_area_zh: str = ""         # where its citizens wait ("A 区"), "" when not said
    waiting_area_en: str = ""         # in English ("area A"), "" when not said


@dataclass(frozen=True)
class Window:
    """A window and the themes it serves, in its order of preference."""

    number: str
    skills: tuple[str, ...]
    name_zh: str = ""
    name_en: str = ""
    video_booth: bool = False


@dataclass(frozen=True)
class Booth:
    """A video booth (视频服务区) where a citizen of this hall is served by a remote window."""

    id: str
    name_zh: str
    name_en: str = ""


@dataclass(frozen=True)
class Staff:
    """A member of staff who may sign in at a window with a PIN or a badge. The PIN is kept
    in the hall's store (``hallq staff set-pin``), never here; a badge set there replaces
    ``badge_uid``."""

    id: str
    name_zh: str
    badge_uid: str = ""
    #: What the staff member may do on the web pages (``hall.webkit.roles``): ``desk``
    #: (服务台), ``supervisor`` (大厅管理), ``backoffice`` (后台受理); none: windows only.
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rules:
    """Queue rules of the hall; every duration is in the unit its name says."""

    elderly_age: int = 65                # age from which the elderly are served first
    max_recalls: int = 3                 # recalls (重呼) before staff must mark a no-show
    no_show_min_recalls: int = 1         # a no-show (过号) is allowed after this many recalls …
    no_show_min_wait_s: float = 60.0     # … or this long after the call, whichever comes first
    no_show_undo_s: float = 30.0         # the window may undo its no-show for this long
    recheckin_positions: int = 3         # a no-show who checks in again goes this many places back
    max_recheckins: int = 1              # re-check-ins allowed per ticket
    appointment_early_min: int = 15      # an appointment counts as "in its slot" this early
    open_time: time = time(9, 0)
    close_time: time = time(17, 30)
    open_days: tuple[int, ...] = (1, 2, 3, 4, 5)   # ISO weekdays
    open_all_day: bool = False           # ignore hours and cutoff (demo, 24h halls)
    lease_ttl_s: float = 180.0           # a ticket leased to a remote window comes back unless
                                         # the citizen reached the video booth by then
    personal_data_days: int = 30         # ID hashes and masked numbers kept this many days
    sync_lag_limit_s: float = 600.0      # health is "degraded" when central is further behind
    clock_drift_limit_s: float = 30.0    # … or a reported clock is further off the node's
    device_silent_limit_s: float = 60.0  # … or a paired app was not heard for longer (open hours)


@dataclass(frozen=True)
class TripRules:
    """When another hall is worth the trip (云叫号 recommendations): it is at most
    ``max_travel_s`` away and saves, travel included, at least ``min_saving_s`` and at least
    ``saving_per_travel`` times the trip (a 40-minute trip must save 10 minutes at 0.25)."""

    max_travel_s: float = 3600.0
    min_saving_s: float = 300.0
    saving_per_travel: float = 0.25

    def worth(self, saving_s: float, travel_s: float) -> bool:
        """Whether a hall ``travel_s`` away that saves ``saving_s`` may be offered."""
        return (travel_s <= self.max_travel_s
                and saving_s >= max(self.min_saving_s, self.saving_per_travel * travel_s))


@dataclass(frozen=True)
class HallConfig:
    """Everything a hall node needs to know about its hall."""

    hall_id: str
    name_zh: str
    name_en: str
    timezone: ZoneInfo
    rules: Rules
    themes: dict[str, Theme]
    windows: dict[str, Window]
    staff: dict[str, Staff] = field(default_factory=dict)
    ticket_url: str = "http://hallq.local/t/{id}"
    phone_ticketing_url: str = ""    # where a phone takes a number (the wall's QR); "" for none
    progress_url: str = ""           # a submission's public progress page ({code}); "" for the LAN
    public_phone_url: str = ""       # central's public phone pages; "" for the LAN ticket_url
    booths: tuple[Booth, ...] = ()
    location: tuple[float, float] | None = None    # (latitude, longitude), for travel times
    trip: TripRules = TripRules()     # when another hall is worth the trip for its citizens

    @property
    def items(self) -> dict[str, Item]:
        """Every item of every theme, by code."""
        return {item.code: item for theme in self.themes.values() for item in theme.items}

    def resolve_service(self, service: str) -> tuple[Theme, Item | None] | None:
        """Find a theme by prefix or an item by code (case-insensitive)."""
        key = service.strip().upper()
        if key in self.themes:
            return self.themes[key], None
        for item in self.items.values():
            if item.code.upper() == key:
                return self.themes[item.theme], item
        return None


def parse_config(data: dict) -> HallConfig:
    """Build a :class:`HallConfig` from parsed TOML (or its JSON, as central keeps it); raise
    :class:`ConfigError` naming the table and key of the first mistake."""
    # pydantic and the file's models load only when a file is read, not in every app that
    # uses the dataclasses below
    from pydantic import ValidationError

    from hall.config_schema import HallFile, Wrong, check_references, describe

    if not isinstance(data, dict):
        raise ConfigError("a hall configuration is a table of tables", "大厅配置应为表")
    try:
        checked = HallFile.model_validate(data)
        check_references(checked)
    except ValidationError as invalid:
        wrong = describe(invalid.errors()[0], data)
        raise ConfigError(wrong.message_en, wrong.message_zh, wrong.where) from None
    except Wrong as wrong:
        raise ConfigError(wrong.message_en, wrong.message_zh, wrong.where) from None
    return _built(checked)


def _built(checked: HallFile) -> HallConfig:
    """The node's dataclasses from a checked file."""
    hall = checked.hall
    themes = {}
    for raw in checked.themes:
        prefix = raw.prefix.upper()
        items = tuple(
            Item(code=i.code, theme=prefix, name_zh=i.name_zh, name_en=i.name_en,
                 department=i.department, department_en=i.department_en,
                 mean_service_s=(i.mean_service_min or raw.mean_service_min) * 60,
                 anywhere=i.anywhere, remote=i.remote, guide=_guide(i))
            for i in raw.items)
        themes[prefix] = Theme(prefix=prefix, name_zh=raw.name_zh, name_en=raw.name_en,
                               daily_quota=raw.daily_quota,
                               per_id_daily_limit=raw.per_id_daily_limit,
                               cutoff_min=raw.cutoff_min,
                               mean_service_s=raw.mean_service_min * 60, items=items,
                               waiting_area_zh=raw.waiting_area_zh,
                               waiting_area_en=raw.waiting_area_en)
    windows = {w.number: Window(number=w.number, skills=tuple(s.upper() for s in w.skills),
                                name_zh=w.name_zh, name_en=w.name_en, video_booth=w.video_booth)
               for w in checked.windows}
    staff = {s.id: Staff(id=s.id, name_zh=s.name_zh, badge_uid=s.badge_uid,
                         roles=tuple(s.roles)) for s in checked.staff}
    booths = tuple(Booth(id=b.id, name_zh=b.name_zh or f"视频服务区{b.id}",
                         name_en=b.name_en or f"Video booth {b.id}") for b in checked.booths)
    location = (hall.location.lat, hall.location.lon) if hall.location else None
    return HallConfig(
        hall_id=hall.id, name_zh=hall.name_zh, name_en=hall.name_en,
        timezone=ZoneInfo(hall.timezone), rules=_rules(checked), themes=themes,
        windows=windows, staff=staff, ticket_url=hall.ticket_url,
        phone_ticketing_url=hall.phone_ticketing_url, progress_url=hall.progress_url,
        public_phone_url=hall.public_phone_url,
        booths=booths, location=location,
        trip=TripRules(max_travel_s=checked.cloud.max_travel_min * 60,
                       min_saving_s=checked.cloud.min_saving_min * 60,
                       saving_per_travel=checked.cloud.saving_per_travel))


def _guide(item: ItemTable) -> Guide:
    """An item's service guide, materials and self-service form from its checked tables."""
    g = item.guide
    return Guide(
        summary_zh=g.summary_zh, summary_en=g.summary_en,
        conditions_zh=tuple(g.conditions_zh), conditions_en=tuple(g.conditions_en),
        fee_zh=g.fee_zh, fee_en=g.fee_en, time_limit_days=g.time_limit_days,
        self_service=g.self_service,
        materials=tuple(Material(**m.model_dump()) for m in item.materials),
        fields=tuple(FormField(**{**f.model_dump(), "choices_zh": tuple(f.choices_zh),
                                  "choices_en": tuple(f.choices_en)})
                     for f in item.fields))


def _rules(checked: HallFile) -> Rules:
    hours, rules = checked.hours, checked.rules
    return Rules(
        elderly_age=rules.elderly_age, max_recalls=rules.max_recalls,
        no_show_min_recalls=rules.no_show_min_recalls,
        no_show_min_wait_s=rules.no_show_min_wait_s, no_show_undo_s=rules.no_show_undo_s,
        recheckin_positions=rules.recheckin_positions, max_recheckins=rules.max_recheckins,
        appointment_early_min=rules.appointment_early_min,
        open_time=hours.open, close_time=hours.close, open_days=tuple(hours.days),
        open_all_day=hours.open_all_day, lease_ttl_s=rules.lease_ttl_min * 60,
        personal_data_days=rules.personal_data_days,
        sync_lag_limit_s=rules.sync_lag_limit_min * 60,
        clock_drift_limit_s=rules.clock_drift_limit_s,
        device_silent_limit_s=rules.device_silent_limit_s)


def load_config(path: Path | str) -> HallConfig:
    """Load a hall's TOML file; :class:`ConfigError` names the file, table and key when it is
    wrong (not TOML, not UTF-8, a wrong key or value). A missing file is an ``OSError``."""
    with open(path, "rb") as handle:
        raw = handle.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        raise ConfigError(f"not UTF-8 text: byte 0x{raw[err.start]:02x} on line {line} "
                          "(save the file as UTF-8)",
                          f"不是 UTF-8 文本：第 {line} 行有字节 0x{raw[err.start]:02x}"
                          "（请以 UTF-8 保存）", str(path)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"not valid TOML: {err}", f"TOML 语法错误：{err}", str(path)) from None
    try:
        return parse_config(data)
    except ConfigError as wrong:
        raise wrong.in_file(path) from None


EXAMPLE_HALL = Path(__file__).with_name("example_hall.toml")


def window_order(number: str) -> tuple[bool, int, str]:
    """Sort key of window numbers: numeric order ("2" before "10"), names after them."""
    return (not number.isdigit(), int(number) if number.isdigit() else 0, number)
