"""What a scenario TOML file may say, checked with pydantic before anything is simulated.

Every table refuses keys it does not know (a misspelt key would otherwise be ignored and the
default used silently), no value changes its type (``load = "0.85"`` is refused), and every
number is range-checked: shares are fractions from 0 to 1 (``70`` is refused with a hint that
70% is ``0.7``), weights and counts are never negative, a slowdown is above 0, times of day are
``"HH:MM"`` before 24:00. :func:`check_city` then refuses what the types cannot see: two themes
with one prefix, a skill naming no theme, a theme no window serves, a hall whose issuing hours
are empty, a travel matrix of the wrong size, a city where nobody would come or nobody would be
measured. :func:`checked_file` says the first mistake in Chinese and English, naming the table
and the key (``[[halls]] #3 (id = "S02") · windows #1 · skills``), as :class:`Wrong`.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from central.estimators import ESTIMATORS
from hall.config_schema import CloudTable, Wrong, describe

_HH_MM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _time_of_day(value: Any) -> Any:
    """``"09:30"`` (or a TOML local time) as seconds of the day; before 24:00."""
    if isinstance(value, time):
        return value.hour * 3600.0 + value.minute * 60.0
    if not isinstance(value, str):
        raise Wrong(f"must be a time of day in quotes, \"HH:MM\" (got {value!r})",
                    f"应为带引号的时刻 \"HH:MM\"（现为 {value!r}）")
    match = _HH_MM.match(value)
    if match is None:
        raise Wrong(f"{value!r} is not a time of day \"HH:MM\" from 00:00 to 23:59",
                    f"{value!r} 不是 00:00 至 23:59 之间的时刻 \"HH:MM\"")
    return int(match[1]) * 3600.0 + int(match[2]) * 60.0


def _fraction(value: Any) -> Any:
    """A share: a fraction from 0 to 1 (70% is 0.7, not 70)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 1:
        raise Wrong(f"a share is a fraction from 0 to 1: 70% is 0.7 (got {value})",
                    f"比例应为 0 至 1 之间的小数：70% 写作 0.7（现为 {value}）")
    return value


#: Seconds of the day of a ``"HH:MM"`` time.
Clock = Annotated[float, BeforeValidator(_time_of_day)]
#: A share of citizens or items: 0 to 1.
Share = Annotated[float, BeforeValidator(_fraction), Field(ge=0, le=1, allow_inf_nan=False)]
#: A duration or distance that may be 0.
NonNegative = Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)]
#: A duration, speed or scale that must be more than 0.
Positive = Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False)]
#: A relative weight (demand of a hall or of a theme there).
Weight = Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]
#: A coordinate in km.
Km = Annotated[float, Field(ge=-10_000, le=10_000, allow_inf_nan=False)]
#: The relative arrival rates over the issuing hours.
Profile = Annotated[list[Weight], Field(min_length=1, max_length=96)]


class _Table(BaseModel):
    """A table of the file: unknown keys are refused, and no value changes its type."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ScenarioTable(_Table):
    """``[scenario]``: the city's name, load, hours and citizens."""

    name: str = Field(default="scenario", min_length=1, max_length=64)
    description: str = Field(default="", max_length=500)
    load: float = Field(default=0.85, gt=0, le=3, allow_inf_nan=False)
    open: Clock = 9 * 3600.0
    close: Clock = 17 * 3600.0
    cutoff_min: int = Field(default=30, ge=0, le=1440)
    profile: Profile = [1.0]
    warmup_min: NonNegative = 0.0
    anywhere_share: Share = 0.7
    remote_share: Share = 0.3
    elderly_share: Share = 0.0
    estimator: Literal[ESTIMATORS] = "queue"   # type: ignore[valid-type]
    max_service_min: float = Field(default=240.0, gt=0, le=1440, allow_inf_nan=False)


class AcceptanceTable(_Table):
    """``[acceptance]``: how likely a citizen takes another hall offered to them."""

    mode: Literal["saving", "always"] = "saving"
    p_max: Share = 0.8
    scale_min: Positive = 10.0
    min_saving_min: NonNegative = 5.0
    trip_scale_min: Positive = 60.0


class TravelTable(_Table):
    """``[travel]``: how long a trip between halls takes."""

    speed_kmh: float = Field(default=25.0, gt=0, le=500, allow_inf_nan=False)
    overhead_min: NonNegative = 10.0
    matrix_min: list[list[NonNegative]] | None = None


class RemoteTable(_Table):
    """``[remote]``: remote (video) calling."""

    slowdown: float = Field(default=1.25, gt=0, le=10, allow_inf_nan=False)
    message_delay_s: NonNegative = 1.0
    sync_delay_s: NonNegative = 0.0
    lease_ttl_s: Positive = 120.0
    booth_walk_s: NonNegative = 60.0
    min_wait_min: NonNegative = 5.0
    decline_share: Share = 0.0


class ThemeTable(_Table):
    """``[[themes]]``: a theme, its service times and the shares of its items that move."""

    prefix: str = Field(pattern=r"^[A-Za-z]{1,2}$")
    name: str = Field(default="", max_length=64)
    mean_service_min: float = Field(gt=0, le=1440, allow_inf_nan=False)
    cv: float = Field(default=0.6, ge=0, le=10, allow_inf_nan=False)
    distribution: Literal["lognormal", "exp", "fixed"] = "lognormal"
    anywhere_share: Share | None = None
    remote_share: Share | None = None


class WindowGroup(_Table):
    """``windows = [{ count = 2, skills = ["A", "C"] }]``: windows alike."""

    count: int = Field(default=1, ge=1, le=10_000)
    skills: list[str] = Field(min_length=1, max_length=26)


class HallTable(_Table):
    """``[[halls]]``: a hall (or, with ``repeat``, a ring of alike halls)."""

    id: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
    name: str = Field(default="", max_length=64)
    x_km: Km = 0.0
    y_km: Km = 0.0
    weight: Weight = 1.0
    theme_weight: dict[str, Weight] = {}
    open: Clock | None = None
    close: Clock | None = None
    profile: Profile | None = None
    video_booths: int = Field(default=2, ge=0, le=1000)
    windows: list[WindowGroup] = Field(min_length=1)
    repeat: int = Field(default=0, ge=0, le=10_000)
    weights: list[Weight] | None = Field(default=None, min_length=1)
    ring_km: list[NonNegative] | None = Field(default=None, min_length=1)


class ScenarioFile(_Table):
    """A whole scenario file."""

    scenario: ScenarioTable = ScenarioTable()
    acceptance: AcceptanceTable = AcceptanceTable()
    travel: TravelTable = TravelTable()
    remote: RemoteTable = RemoteTable()
    #: when another hall is worth the trip: the hall TOML's ``[cloud]`` keys, for every hall
    cloud: CloudTable = CloudTable()
    themes: list[ThemeTable] = Field(min_length=1)
    halls: list[HallTable] = Field(min_length=1)


# ---------------------------------------------------------------------- the city as a whole
def _hall_where(position: int, hall: HallTable, key: str) -> str:
    return f"[[halls]] #{position} (id = \"{hall.id}\") · {key}"


def check_city(file: ScenarioFile) -> None:
    """Refuse what the types alone cannot see; raise :class:`Wrong` naming the table and key."""
    top = file.scenario
    prefixes: set[str] = set()
    for position, theme in enumerate(file.themes, 1):
        prefix = theme.prefix.upper()
        if prefix in prefixes:
            raise Wrong(f"theme prefix \"{prefix}\" given twice",
                        f"主题前缀 \"{prefix}\" 重复",
                        f"[[themes]] #{position} (prefix = \"{theme.prefix}\") · prefix")
        prefixes.add(prefix)
    _check_hours("[scenario]", top.open, top.close, top.cutoff_min)
    served: set[str] = set()
    ids: set[str] = set()
    for position, hall in enumerate(file.halls, 1):
        served |= _check_windows(position, hall, prefixes)
        unknown = sorted(set(k.upper() for k in hall.theme_weight) - prefixes)
        if unknown:
            raise Wrong(f"\"{unknown[0]}\" names no theme (the themes: {sorted(prefixes)})",
                        f"\"{unknown[0]}\" 不是任何主题（现有主题：{sorted(prefixes)}）",
                        _hall_where(position, hall, "theme_weight"))
        if hall.open is not None or hall.close is not None:
            _check_hours(f"[[halls]] #{position} (id = \"{hall.id}\")",
                         top.open if hall.open is None else hall.open,
                         top.close if hall.close is None else hall.close, top.cutoff_min)
        if not hall.repeat and (hall.weights is not None or hall.ring_km is not None):
            raise Wrong("weights and ring_km go with repeat = n (a ring of n halls)",
                        "weights 与 ring_km 须与 repeat = n（n 个环形分布的大厅）同用",
                        _hall_where(position, hall, "repeat"))
        for hall_id in _ids(hall):
            if hall_id in ids:
                raise Wrong(f"hall id \"{hall_id}\" given twice", f"大厅编号 \"{hall_id}\" 重复",
                            _hall_where(position, hall, "id"))
            ids.add(hall_id)
    idle = sorted(prefixes - served)
    if idle:
        raise Wrong(f"theme \"{idle[0]}\" is served by no window of any hall",
                    f"主题 \"{idle[0]}\" 没有任何大厅的窗口办理",
                    f"[[themes]] (prefix = \"{idle[0]}\")")
    _check_demand(file, len(ids))


def _check_windows(position: int, hall: HallTable, prefixes: set[str]) -> set[str]:
    served: set[str] = set()
    for number, group in enumerate(hall.windows, 1):
        where = _hall_where(position, hall, f"windows #{number} · skills")
        skills = [s.upper() for s in group.skills]
        unknown = [s for s in skills if s not in prefixes]
        if unknown:
            raise Wrong(f"\"{unknown[0]}\" names no theme (the themes: {sorted(prefixes)})",
                        f"\"{unknown[0]}\" 不是任何主题（现有主题：{sorted(prefixes)}）", where)
        if len(set(skills)) != len(skills):
            raise Wrong("a skill is given twice", "技能重复", where)
        served |= set(skills)
    return served


def _check_hours(table: str, opens: float, closes: float, cutoff_min: int) -> None:
    """The hall gives numbers from ``opens`` to ``closes − cutoff``: that must not be empty."""
    if closes - cutoff_min * 60.0 <= opens:
        raise Wrong(f"close minus the cutoff ({cutoff_min} min) must be after open: the hall "
                    "would give no numbers",
                    f"关门时间减去停止取号提前量（{cutoff_min} 分钟）须晚于开门时间：否则不发号",
                    f"{table} · close")


def _check_demand(file: ScenarioFile, halls: int) -> None:
    top = file.scenario
    if not any(p > 0 for p in top.profile):
        raise Wrong("at least one rate must be above 0: nobody would come",
                    "至少一项须大于 0：否则没有群众来办事", "[scenario] · profile")
    for position, hall in enumerate(file.halls, 1):
        if hall.profile is not None and not any(p > 0 for p in hall.profile):
            raise Wrong("at least one rate must be above 0: nobody would come",
                        "至少一项须大于 0：否则没有群众来办事",
                        _hall_where(position, hall, "profile"))
    if not any(w > 0 for hall in file.halls for w in (hall.weights or [hall.weight])):
        raise Wrong("every hall has weight 0: nobody would come",
                    "所有大厅的 weight 都为 0：没有群众来办事", "[[halls]] · weight")
    issuing_min = (top.close - top.open) / 60.0 - top.cutoff_min
    if top.warmup_min >= issuing_min:
        raise Wrong(f"must be shorter than the issuing hours ({issuing_min:g} min): nobody "
                    "would be measured",
                    f"须短于发号时长（{issuing_min:g} 分钟）：否则没有可统计的群众",
                    "[scenario] · warmup_min")
    matrix = file.travel.matrix_min
    if matrix is not None and (len(matrix) != halls or any(len(r) != halls for r in matrix)):
        raise Wrong(f"must be {halls} rows of {halls} (one per hall, in the halls' order)",
                    f"应为 {halls} 行 × {halls} 列（每个大厅一行，按大厅顺序）",
                    "[travel] · matrix_min")


def _ids(hall: HallTable) -> list[str]:
    """The ids of the halls an entry makes (``repeat`` makes ``{id}01`` … ``{id}nn``)."""
    if not hall.repeat:
        return [hall.id]
    return [f"{hall.id}{i + 1:02d}" for i in range(hall.repeat)]


# ---------------------------------------------------------------------- one line per error
#: The key that names an entry of each list of tables.
_NAMED_BY = {"themes": "prefix", "halls": "id"}


def _where(loc: tuple[int | str, ...], data: Any) -> str:
    """``('halls', 2, 'windows', 0, 'skills')`` as
    ``[[halls]] #3 (id = "S02") · windows #1 · skills``."""
    parts = list(loc)
    if not parts:
        return "the file"
    table = str(parts.pop(0))
    if table in _NAMED_BY:
        if not parts or not isinstance(parts[0], int):
            return f"[[{table}]]"
        index = int(parts.pop(0))
        entries = data.get(table) if isinstance(data, dict) else None
        entry = entries[index] if isinstance(entries, list) and index < len(entries) else None
        named = entry.get(_NAMED_BY[table]) if isinstance(entry, dict) else None
        head = f"[[{table}]] #{index + 1}" + (f" ({_NAMED_BY[table]} = \"{named}\")"
                                              if named is not None else "")
    else:
        head = f"[{table}]"
    keys = " ".join(f"#{p + 1}" if isinstance(p, int) else f"· {p}" for p in parts)
    return f"{head} {keys}".strip()


def _said(error: ErrorDetails, data: Any) -> Wrong:
    """One of pydantic's errors in Chinese and English, with where it is."""
    where = _where(error["loc"], data)
    if error["type"] == "literal_error":
        expected = (error.get("ctx") or {}).get("expected", "")
        return Wrong(f"must be one of {expected} (got {error['input']!r})",
                     f"应为 {expected} 之一（现为 {error['input']!r}）", where)
    said = describe(error, data)
    return Wrong(said.message_en, said.message_zh, where)


def checked_file(data: Any) -> ScenarioFile:
    """The parsed TOML checked; :class:`Wrong` says the first mistake and where it is."""
    if not isinstance(data, dict):
        raise Wrong("a scenario is a table of tables", "场景文件应为表")
    try:
        checked = ScenarioFile.model_validate(data)
    except ValidationError as invalid:
        raise _said(invalid.errors()[0], data) from None
    check_city(checked)
    return checked
