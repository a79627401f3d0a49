"""The hall's configuration: themes, service items, windows, staff and rules, loaded from TOML.

A theme (主题) has a ticket prefix and is served by any comprehensive window with that skill
("one window", 一窗受理); items (事项) belong to one theme. See ``hall/example_hall.toml``.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo


class ConfigError(ValueError):
    """The hall's TOML file is wrong; the message says where."""


@dataclass(frozen=True)
class Item:
    """A service item (事项) of a theme."""

    code: str
    theme: str
    name_zh: str
    name_en: str
    department: str = ""
    mean_service_s: float = 600.0
    anywhere: bool = False   # 通办: can be served at any hall of the city
    remote: bool = False     # can be served remotely (video booth, online intake)


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
    """A member of staff who may sign in at a window with a PIN or a badge."""

    id: str
    name_zh: str
    pin_sha256: str = ""
    badge_uid: str = ""

    def pin_matches(self, pin: str) -> bool:
        """Whether ``pin`` is this person's PIN."""
        return bool(self.pin_sha256) and self.pin_sha256 == pin_digest(self.id, pin)


def pin_digest(staff_id: str, pin: str) -> str:
    """The stored form of a staff PIN (salted with the staff id)."""
    return hashlib.sha256(f"{staff_id}:{pin}".encode()).hexdigest()


@dataclass(frozen=True)
class Rules:
    """Queue rules of the hall; every duration is in the unit its name says."""

    elderly_age: int = 65                # age from which the elderly are served first
    max_recalls: int = 3                 # recalls (重呼) before staff must mark a no-show
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
    booths: tuple[Booth, ...] = ()
    location: tuple[float, float] | None = None    # (latitude, longitude), for travel times

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


def _time(text: str, where: str) -> time:
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ConfigError(f"{where}: {text!r} is not HH:MM") from None


def _rules(data: dict) -> Rules:
    hours = data.get("hours", {})
    rules = data.get("rules", {})
    return Rules(
        elderly_age=int(rules.get("elderly_age", 65)),
        max_recalls=int(rules.get("max_recalls", 3)),
        recheckin_positions=int(rules.get("recheckin_positions", 3)),
        max_recheckins=int(rules.get("max_recheckins", 1)),
        appointment_early_min=int(rules.get("appointment_early_min", 15)),
        open_time=_time(hours.get("open", "09:00"), "hours.open"),
        close_time=_time(hours.get("close", "17:30"), "hours.close"),
        open_days=tuple(hours.get("days", [1, 2, 3, 4, 5])),
        open_all_day=bool(hours.get("open_all_day", False)),
        lease_ttl_s=float(rules.get("lease_ttl_min", 3)) * 60,
        personal_data_days=_at_least_one(rules.get("personal_data_days", 30),
                                         "rules.personal_data_days"),
    )


def _at_least_one(value: object, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"{where}: a whole number of days, at least 1 (got {value!r})")
    return value


def _theme(raw: dict) -> Theme:
    try:
        prefix = str(raw["prefix"]).upper()
        mean = float(raw.get("mean_service_min", 10)) * 60
        items = tuple(
            Item(code=str(i["code"]), theme=prefix, name_zh=i["name_zh"],
                 name_en=i.get("name_en", ""), department=i.get("department", ""),
                 mean_service_s=float(i.get("mean_service_min", mean / 60)) * 60,
                 anywhere=bool(i.get("anywhere", False)), remote=bool(i.get("remote", False)))
            for i in raw.get("items", [])
        )
        return Theme(prefix=prefix, name_zh=raw["name_zh"], name_en=raw.get("name_en", ""),
                     daily_quota=int(raw.get("daily_quota", 0)),
                     per_id_daily_limit=int(raw.get("per_id_daily_limit", 2)),
                     cutoff_min=int(raw.get("cutoff_min", 30)), mean_service_s=mean, items=items)
    except KeyError as missing:
        raise ConfigError(f"theme {raw.get('prefix', '?')}: missing {missing}") from None


def parse_config(data: dict) -> HallConfig:
    """Build a :class:`HallConfig` from parsed TOML; raise :class:`ConfigError` when wrong."""
    hall = data.get("hall")
    if not hall or "id" not in hall:
        raise ConfigError("[hall] with an id is required")
    themes = {t.prefix: t for t in map(_theme, data.get("themes", []))}
    if not themes:
        raise ConfigError("at least one [[themes]] is required")
    windows: dict[str, Window] = {}
    for raw in data.get("windows", []):
        if "number" not in raw:
            raise ConfigError(f"window {raw.get('name_zh', '?')}: missing 'number'")
        number = str(raw["number"])
        skills = tuple(str(s).upper() for s in raw.get("skills", []))
        unknown = [s for s in skills if s not in themes]
        if unknown or not skills:
            raise ConfigError(f"window {number}: skills {skills} name unknown themes {unknown}")
        windows[number] = Window(number=number, skills=skills, name_zh=raw.get("name_zh", ""),
                                 name_en=raw.get("name_en", ""),
                                 video_booth=bool(raw.get("video_booth", False)))
    if any("id" not in s for s in data.get("staff", [])):
        raise ConfigError("staff: a [[staff]] entry is missing 'id'")
    staff = {
        str(s["id"]): Staff(id=str(s["id"]), name_zh=s.get("name_zh", ""),
                            pin_sha256=s.get("pin_sha256", ""), badge_uid=s.get("badge_uid", ""))
        for s in data.get("staff", [])
    }
    return HallConfig(
        hall_id=str(hall["id"]), name_zh=hall.get("name_zh", ""), name_en=hall.get("name_en", ""),
        timezone=ZoneInfo(hall.get("timezone", "Asia/Shanghai")), rules=_rules(data),
        themes=themes, windows=windows, staff=staff,
        ticket_url=hall.get("ticket_url", "http://hallq.local/t/{id}"),
        booths=_booths(data.get("booths", [])), location=_location(hall.get("location")),
    )


def _booths(raw: list[dict]) -> tuple[Booth, ...]:
    if any("id" not in b for b in raw):
        raise ConfigError("booths: a [[booths]] entry is missing 'id'")
    booths = tuple(Booth(id=str(b["id"]), name_zh=b.get("name_zh", f"视频服务区{b['id']}"),
                         name_en=b.get("name_en", f"Video booth {b['id']}")) for b in raw)
    if len({b.id for b in booths}) != len(booths):
        raise ConfigError("booths: two booths share an id")
    return booths


def _location(raw: dict | None) -> tuple[float, float] | None:
    if raw is None:
        return None
    try:
        return float(raw["lat"]), float(raw["lon"])
    except (KeyError, TypeError, ValueError):
        raise ConfigError("hall.location: expected { lat = …, lon = … }") from None


def load_config(path: Path | str) -> HallConfig:
    """Load a hall's TOML file."""
    with open(path, "rb") as handle:
        try:
            data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(f"{path}: {err}") from None
    return parse_config(data)


EXAMPLE_HALL = Path(__file__).with_name("example_hall.toml")
