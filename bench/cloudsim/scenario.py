"""Scenarios of the city simulator: halls, themes, demand and citizens' behaviour, from TOML.

Durations in the TOML are in minutes unless the key says ``_s``; times of day are ``"HH:MM"``.
See ``bench/scenarios/district.toml`` for every key with its meaning, and
``bench/cloudsim/scenario_schema.py`` for what each may be. Demand is given by a
city-wide load ρ (offered work / window time over the issuing hours) split over halls by
their ``weight`` and over themes by the windows that serve them, shaped over the day by the
hourly ``profile`` (morning and afternoon peaks).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from bench.cloudsim.scenario_schema import HallTable, ThemeTable, Wrong, checked_file
from central.balancer import TravelTimes
from hall.config import HallConfig, Item, Rules, Theme, TripRules, Window
from hall.estimate import skill_share

TIMEZONE = ZoneInfo("Asia/Shanghai")
EVERY_DAY = (1, 2, 3, 4, 5, 6, 7)      # every simulated day is a working day


class ScenarioError(ValueError):
    """The scenario (file or option) is wrong. ``str()`` is one English line naming the file,
    the table and the key; :meth:`bilingual` says it in Chinese and English."""

    def __init__(self, message_en: str, message_zh: str, where: str = "") -> None:
        super().__init__(f"{where}: {message_en}" if where else message_en)
        self.message_en = message_en
        self.message_zh = message_zh
        self.where = where

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[str, str, str]]:
        """Pickled with its three parts: a benchmark's worker process hands it back whole."""
        return ScenarioError, (self.message_en, self.message_zh, self.where)

    def bilingual(self) -> str:
        """``where: 中文 / English`` on one line."""
        said = f"{self.message_zh} / {self.message_en}"
        return f"{self.where}: {said}" if self.where else said

    def in_file(self, path: Path | str) -> ScenarioError:
        """The same error, its place prefixed with the file's path."""
        where = f"{path} {self.where}" if self.where else str(path)
        return ScenarioError(self.message_en, self.message_zh, where)


@dataclass(frozen=True)
class ThemeSpec:
    """A theme: service-time distribution and the shares of its items that can move."""

    prefix: str
    name: str
    mean_service_s: float
    cv: float = 0.6                       # spread: standard deviation / mean
    distribution: str = "lognormal"
    anywhere_share: float | None = None   # None: the scenario's
    remote_share: float | None = None


@dataclass(frozen=True)
class HallSpec:
    """A hall: where it is, its windows (skills of each, in order of preference), its hours."""

    id: str
    name: str
    windows: tuple[tuple[str, ...], ...]
    x_km: float = 0.0
    y_km: float = 0.0
    weight: float = 1.0                   # relative demand per window
    theme_weight: dict[str, float] = field(default_factory=dict)
    open_s: float | None = None           # None: the scenario's hours
    close_s: float | None = None
    profile: tuple[float, ...] | None = None   # None: the scenario's
    video_booths: int = 2


@dataclass(frozen=True)
class Acceptance:
    """How likely a citizen takes a recommended hall, from the time it saves them and the trip.

    ``mode = "always"`` accepts every offer (for validation); ``"saving"`` accepts with
    probability ``p_max · (1 − exp(−saved / scale)) · exp(−trip / trip_scale)`` when at least
    ``min_saving_s`` is saved: a long trip puts people off even when the figures say it pays.
    """

    mode: str = "saving"
    p_max: float = 0.8
    scale_s: float = 600.0
    min_saving_s: float = 300.0
    trip_scale_s: float = 3600.0

    def probability(self, saved_s: float, trip_s: float = 0.0) -> float:
        """The chance of accepting an offer that saves ``saved_s`` seconds for a trip of
        ``trip_s`` seconds."""
        if self.mode == "always":
            return 1.0
        if saved_s < self.min_saving_s:
            return 0.0
        return (self.p_max * (1.0 - math.exp(-saved_s / self.scale_s))
                * math.exp(-trip_s / self.trip_scale_s))


@dataclass(frozen=True)
class Scenario:
    """Everything one simulated city needs; :meth:`with_load` rescales its demand."""

    name: str
    themes: tuple[ThemeSpec, ...]
    halls: tuple[HallSpec, ...]
    load: float = 0.85
    open_s: float = 9 * 3600.0
    close_s: float = 17 * 3600.0
    cutoff_s: float = 1800.0              # issuing stops this long before closing
    profile: tuple[float, ...] = (1.0,)   # relative arrival rates over the issuing hours
    warmup_s: float = 0.0                 # citizens arriving this early are not measured
    anywhere_share: float = 0.7
    remote_share: float = 0.3
    remote_slowdown: float = 1.25         # remote service takes this many times longer
    elderly_share: float = 0.0
    acceptance: Acceptance = Acceptance()
    speed_kmh: float = 25.0
    travel_overhead_s: float = 600.0
    travel_matrix_s: tuple[tuple[float, ...], ...] | None = None
    message_delay_s: float = 1.0          # hall <-> central, one way
    sync_delay_s: float = 0.0             # hall event -> central state
    lease_ttl_s: float = 120.0
    booth_walk_s: float = 60.0            # citizen walks to the video booth
    remote_min_wait_s: float = 300.0      # only tickets expected to wait longer are called
    decline_share: float = 0.0            # citizens who decline a video call
    max_service_s: float = 4 * 3600.0     # no service takes longer (drawn ones are capped)
    trip: TripRules = TripRules()         # every hall's [cloud]: when a trip is worth it
    estimator: str = "queue"
    description: str = ""

    # ------------------------------------------------------------------ derived
    @property
    def issue_end_s(self) -> float:
        """Second of the day when issuing stops."""
        return self.close_s - self.cutoff_s

    def hours(self, hall: HallSpec) -> tuple[float, float]:
        """A hall's opening and closing (seconds of the day): its own, or the scenario's."""
        return (self.open_s if hall.open_s is None else hall.open_s,
                self.close_s if hall.close_s is None else hall.close_s)

    @property
    def windows(self) -> int:
        """Windows in the city."""
        return sum(len(h.windows) for h in self.halls)

    def with_load(self, load: float) -> Scenario:
        """The same city at another load ρ."""
        return replace(self, load=load)

    def with_anywhere(self, share: float) -> Scenario:
        """The same city where ``share`` of every theme's items can be served anywhere."""
        themes = tuple(replace(t, anywhere_share=None) for t in self.themes)
        return replace(self, anywhere_share=share, themes=themes)

    def with_remote(self, share: float | None = None, slowdown: float | None = None
                    ) -> Scenario:
        """The same city where ``share`` of every theme's items can be served remotely and a
        remote service takes ``slowdown`` times as long (None keeps the scenario's)."""
        changed = self
        if share is not None:
            themes = tuple(replace(t, remote_share=None) for t in self.themes)
            changed = replace(changed, remote_share=share, themes=themes)
        if slowdown is not None:
            changed = replace(changed, remote_slowdown=slowdown)
        return changed

    def rates(self) -> np.ndarray:
        """Arrivals per second, halls × themes, at profile 1 (the day's mean rate)."""
        means = np.array([t.mean_service_s for t in self.themes])
        base = np.zeros((len(self.halls), len(self.themes)))
        for h, hall in enumerate(self.halls):
            windows = [Window(number=str(i), skills=s) for i, s in enumerate(hall.windows)]
            for t, theme in enumerate(self.themes):
                share = skill_share(windows, theme.prefix)
                base[h, t] = hall.weight * hall.theme_weight.get(theme.prefix, 1.0) * share
        base /= means
        work = float((base * means).sum())
        return base * (self.load * self.windows / work)

    def profile_rates(self, hall: HallSpec | None = None) -> np.ndarray:
        """The hourly profile (the hall's own, if it has one) normalised to mean 1."""
        own = hall.profile if hall is not None and hall.profile else None
        profile = np.array(own or self.profile, dtype=float)
        return profile / profile.mean()

    def share(self, theme: ThemeSpec, kind: str) -> float:
        """The share of a theme's citizens whose item can be served anywhere / remotely."""
        own = theme.anywhere_share if kind == "anywhere" else theme.remote_share
        if own is not None:
            return own
        return self.anywhere_share if kind == "anywhere" else self.remote_share

    def travel(self) -> TravelTimes:
        """Travel times between halls."""
        if self.travel_matrix_s is not None:
            return TravelTimes(matrix_s=np.array(self.travel_matrix_s))
        xy = np.array([(h.x_km, h.y_km) for h in self.halls])
        return TravelTimes(xy_km=xy, speed_kmh=self.speed_kmh,
                           overhead_s=self.travel_overhead_s)

    def hall_configs(self) -> list[HallConfig]:
        """The halls' catalogs, as their hall nodes would load them."""
        themes = {t.prefix: Theme(prefix=t.prefix, name_zh=t.name, name_en=t.name,
                                  per_id_daily_limit=0, cutoff_min=0,
                                  mean_service_s=t.mean_service_s, items=theme_items(t))
                  for t in self.themes}
        configs = []
        for hall in self.halls:
            windows = {str(i + 1): Window(number=str(i + 1), skills=skills)
                       for i, skills in enumerate(hall.windows)}
            served = {s for skills in hall.windows for s in skills}
            opens, closes = self.hours(hall)
            rules = Rules(open_time=clock_time(opens), close_time=clock_time(closes),
                          open_days=EVERY_DAY)
            configs.append(HallConfig(
                hall_id=hall.id, name_zh=hall.name, name_en=hall.name, timezone=TIMEZONE,
                rules=rules, windows=windows, trip=self.trip,
                themes={p: replace(t, cutoff_min=int(self.cutoff_s // 60))
                        for p, t in themes.items() if p in served}))
        return configs


def clock_time(second: float) -> time:
    """Seconds of the day as a time of day."""
    return time(int(second // 3600), int(second % 3600 // 60))


def item_code(prefix: str, anywhere: bool, remote: bool) -> str:
    """The code of the simulated item of a theme with those flags (``A1`` … ``A4``)."""
    return f"{prefix}{1 + anywhere + 2 * remote}"


def theme_items(theme: ThemeSpec) -> tuple[Item, ...]:
    """Four items per theme: local, anywhere (通办), remote, anywhere and remote."""
    return tuple(Item(code=item_code(theme.prefix, a, r), theme=theme.prefix,
                      name_zh=f"{theme.name}{'通办' if a else ''}{'远程' if r else ''}",
                      name_en="", mean_service_s=theme.mean_service_s, anywhere=a, remote=r)
                 for r in (False, True) for a in (False, True))


# ---------------------------------------------------------------------- loading
def _theme(raw: ThemeTable) -> ThemeSpec:
    return ThemeSpec(prefix=raw.prefix.upper(), name=raw.name,
                     mean_service_s=raw.mean_service_min * 60.0, cv=raw.cv,
                     distribution=raw.distribution, anywhere_share=raw.anywhere_share,
                     remote_share=raw.remote_share)


def _hall(raw: HallTable, place: dict[str, Any]) -> HallSpec:
    """A hall of the file; ``place`` overrides its id, name, position and weight (a ring)."""
    windows = tuple(skills for group in raw.windows
                    for skills in [tuple(s.upper() for s in group.skills)] * group.count)
    return HallSpec(
        id=place.get("id", raw.id), name=place.get("name", raw.name or raw.id),
        windows=windows, x_km=place.get("x_km", raw.x_km), y_km=place.get("y_km", raw.y_km),
        weight=place.get("weight", raw.weight),
        theme_weight={k.upper(): v for k, v in raw.theme_weight.items()},
        open_s=raw.open, close_s=raw.close,
        profile=tuple(raw.profile) if raw.profile is not None else None,
        video_booths=raw.video_booths)


def expand_halls(raw: HallTable) -> list[HallSpec]:
    """A hall entry with ``repeat = n`` becomes n halls ``{id}01`` … on a ring of ``ring_km``
    (radii and ``weights`` taken in turn); without it, the one hall."""
    if not raw.repeat:
        return [_hall(raw, {})]
    weights = raw.weights or [raw.weight]
    radii = raw.ring_km or [10.0]
    halls = []
    for i in range(raw.repeat):
        angle = 2 * math.pi * i / raw.repeat
        radius = radii[i % len(radii)]
        halls.append(_hall(raw, {"id": f"{raw.id}{i + 1:02d}",
                                 "name": f"{raw.name or raw.id} {i + 1}",
                                 "x_km": radius * math.cos(angle),
                                 "y_km": radius * math.sin(angle),
                                 "weight": weights[i % len(weights)]}))
    return halls


def parse_scenario(data: Any) -> Scenario:
    """Build a :class:`Scenario` from parsed TOML; :class:`ScenarioError` names the table and
    key of the first mistake (``bench/cloudsim/scenario_schema.py`` says what is allowed)."""
    try:
        checked = checked_file(data)
    except Wrong as wrong:
        raise ScenarioError(wrong.message_en, wrong.message_zh, wrong.where) from None
    top, accept, travel, remote, cloud = (checked.scenario, checked.acceptance,
                                          checked.travel, checked.remote, checked.cloud)
    matrix = travel.matrix_min
    return Scenario(
        name=top.name, description=top.description,
        themes=tuple(_theme(t) for t in checked.themes),
        halls=tuple(h for raw in checked.halls for h in expand_halls(raw)),
        load=top.load, open_s=top.open, close_s=top.close, cutoff_s=top.cutoff_min * 60.0,
        profile=tuple(top.profile), warmup_s=top.warmup_min * 60.0,
        anywhere_share=top.anywhere_share, remote_share=top.remote_share,
        elderly_share=top.elderly_share, estimator=top.estimator,
        max_service_s=top.max_service_min * 60.0,
        acceptance=Acceptance(mode=accept.mode, p_max=accept.p_max,
                              scale_s=accept.scale_min * 60.0,
                              min_saving_s=accept.min_saving_min * 60.0,
                              trip_scale_s=accept.trip_scale_min * 60.0),
        speed_kmh=travel.speed_kmh, travel_overhead_s=travel.overhead_min * 60.0,
        travel_matrix_s=(tuple(tuple(v * 60.0 for v in row) for row in matrix)
                         if matrix is not None else None),
        remote_slowdown=remote.slowdown, message_delay_s=remote.message_delay_s,
        sync_delay_s=remote.sync_delay_s, lease_ttl_s=remote.lease_ttl_s,
        booth_walk_s=remote.booth_walk_s, remote_min_wait_s=remote.min_wait_min * 60.0,
        decline_share=remote.decline_share,
        trip=TripRules(max_travel_s=cloud.max_travel_min * 60.0,
                       min_saving_s=cloud.min_saving_min * 60.0,
                       saving_per_travel=cloud.saving_per_travel))


def load_scenario(path: Path | str) -> Scenario:
    """Load a scenario TOML file; :class:`ScenarioError` names the file, the table and the
    key when it is wrong (missing, not UTF-8, not TOML, a wrong key or value)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as err:
        raise ScenarioError(f"cannot be read: {err.strerror}",
                            f"无法读取：{err.strerror}", str(path)) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ScenarioError("not UTF-8 text (save the file as UTF-8)",
                            "不是 UTF-8 文本（请以 UTF-8 保存）", str(path)) from None
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"not valid TOML: {err}", f"TOML 语法错误：{err}",
                            str(path)) from None
    try:
        return parse_scenario(data)
    except ScenarioError as wrong:
        raise wrong.in_file(path) from None
