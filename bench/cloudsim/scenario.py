"""Scenarios of the city simulator: halls, themes, demand and citizens' behaviour, from TOML.

Durations in the TOML are in minutes unless the key says ``_s``; times of day are ``"HH:MM"``.
See ``bench/scenarios/district.toml`` for every key with its meaning. Demand is given by a
city-wide load ρ (offered work / window time over the issuing hours) split over halls by
their ``weight`` and over themes by the windows that serve them, shaped over the day by the
hourly ``profile`` (morning and afternoon peaks).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from central.balancer import TravelTimes
from central.estimators import ESTIMATORS
from hall.config import HallConfig, Item, Rules, Theme, Window
from hall.estimate import skill_share

DISTRIBUTIONS = ("lognormal", "exp", "fixed")
TIMEZONE = ZoneInfo("Asia/Shanghai")


class ScenarioError(ValueError):
    """The scenario file is wrong; the message says where."""


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
    """How likely a citizen takes a recommended hall, from the time it saves them.

    ``mode = "always"`` accepts every offer (for validation); ``"saving"`` accepts with
    probability ``p_max · (1 − exp(−saved / scale))`` when at least ``min_saving_s`` is saved.
    """

    mode: str = "saving"
    p_max: float = 0.8
    scale_s: float = 600.0
    min_saving_s: float = 300.0

    def probability(self, saved_s: float) -> float:
        """The chance of accepting an offer that saves ``saved_s`` seconds."""
        if self.mode == "always":
            return 1.0
        if saved_s < self.min_saving_s:
            return 0.0
        return self.p_max * (1.0 - math.exp(-saved_s / self.scale_s))


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
    estimator: str = "queue"
    description: str = ""

    # ------------------------------------------------------------------ derived
    @property
    def issue_end_s(self) -> float:
        """Second of the day when issuing stops."""
        return self.close_s - self.cutoff_s

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
            configs.append(HallConfig(
                hall_id=hall.id, name_zh=hall.name, name_en=hall.name, timezone=TIMEZONE,
                rules=Rules(open_all_day=True), windows=windows,
                themes={p: t for p, t in themes.items() if p in served}))
        return configs


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
def _clock(text: str, where: str) -> float:
    try:
        hours, minutes = str(text).split(":")
        return int(hours) * 3600.0 + int(minutes) * 60.0
    except ValueError:
        raise ScenarioError(f"{where}: {text!r} is not HH:MM") from None


def _theme(raw: dict[str, Any]) -> ThemeSpec:
    try:
        spec = ThemeSpec(prefix=str(raw["prefix"]).upper(), name=str(raw.get("name", "")),
                         mean_service_s=float(raw["mean_service_min"]) * 60.0,
                         cv=float(raw.get("cv", 0.6)),
                         distribution=str(raw.get("distribution", "lognormal")),
                         anywhere_share=raw.get("anywhere_share"),
                         remote_share=raw.get("remote_share"))
    except KeyError as missing:
        raise ScenarioError(f"theme {raw.get('prefix', '?')}: missing {missing}") from None
    if spec.distribution not in DISTRIBUTIONS:
        raise ScenarioError(f"theme {spec.prefix}: distribution is one of {DISTRIBUTIONS}")
    return spec


def _windows(raw: dict[str, Any], themes: set[str]) -> tuple[tuple[str, ...], ...]:
    windows: list[tuple[str, ...]] = []
    for group in raw.get("windows", []):
        skills = tuple(str(s).upper() for s in group.get("skills", []))
        if not skills or not set(skills) <= themes:
            raise ScenarioError(f"hall {raw.get('id')}: skills {skills} name unknown themes")
        windows += [skills] * int(group.get("count", 1))
    if not windows:
        raise ScenarioError(f"hall {raw.get('id')}: no windows")
    return tuple(windows)


def _hall(raw: dict[str, Any], themes: set[str]) -> HallSpec:
    if "id" not in raw:
        raise ScenarioError("a [[halls]] entry has no id")
    hall_id = str(raw["id"])
    return HallSpec(
        id=hall_id, name=str(raw.get("name", hall_id)), windows=_windows(raw, themes),
        x_km=float(raw.get("x_km", 0.0)), y_km=float(raw.get("y_km", 0.0)),
        weight=float(raw.get("weight", 1.0)),
        theme_weight={str(k).upper(): float(v) for k, v in raw.get("theme_weight", {}).items()},
        open_s=_clock(raw["open"], f"hall {hall_id}") if "open" in raw else None,
        close_s=_clock(raw["close"], f"hall {hall_id}") if "close" in raw else None,
        profile=tuple(float(p) for p in raw["profile"]) if "profile" in raw else None,
        video_booths=int(raw.get("video_booths", 2)))


def expand_halls(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """Hall entries with ``repeat = n`` become n halls ``{id}{i}`` on a ring of ``ring_km``."""
    halls = []
    for entry in raw.get("halls", []):
        repeat = int(entry.get("repeat", 0))
        if not repeat:
            halls.append(entry)
            continue
        weights = entry.get("weights", [entry.get("weight", 1.0)])
        radii = entry.get("ring_km", [10.0])
        for i in range(repeat):
            angle = 2 * math.pi * i / repeat
            radius = float(radii[i % len(radii)])
            halls.append({**entry, "id": f"{entry['id']}{i + 1:02d}",
                          "name": f"{entry.get('name', entry['id'])} {i + 1}",
                          "x_km": radius * math.cos(angle), "y_km": radius * math.sin(angle),
                          "weight": float(weights[i % len(weights)])})
    return halls


def parse_scenario(data: dict[str, Any]) -> Scenario:
    """Build a :class:`Scenario` from parsed TOML; raise :class:`ScenarioError` when wrong."""
    top = data.get("scenario", {})
    themes = tuple(_theme(t) for t in data.get("themes", []))
    if not themes:
        raise ScenarioError("at least one [[themes]] is required")
    prefixes = {t.prefix for t in themes}
    halls = tuple(_hall(h, prefixes) for h in expand_halls(data))
    if not halls:
        raise ScenarioError("at least one [[halls]] is required")
    accept = data.get("acceptance", {})
    travel = data.get("travel", {})
    remote = data.get("remote", {})
    matrix = travel.get("matrix_min")
    scenario = Scenario(
        name=str(top.get("name", "scenario")), description=str(top.get("description", "")),
        themes=themes, halls=halls, load=float(top.get("load", 0.85)),
        open_s=_clock(top.get("open", "09:00"), "scenario.open"),
        close_s=_clock(top.get("close", "17:00"), "scenario.close"),
        cutoff_s=float(top.get("cutoff_min", 30)) * 60.0,
        profile=tuple(float(p) for p in top.get("profile", [1.0])),
        warmup_s=float(top.get("warmup_min", 0)) * 60.0,
        anywhere_share=float(top.get("anywhere_share", 0.7)),
        remote_share=float(top.get("remote_share", 0.3)),
        elderly_share=float(top.get("elderly_share", 0.0)),
        estimator=str(top.get("estimator", "queue")),
        acceptance=Acceptance(mode=str(accept.get("mode", "saving")),
                              p_max=float(accept.get("p_max", 0.8)),
                              scale_s=float(accept.get("scale_min", 10)) * 60.0,
                              min_saving_s=float(accept.get("min_saving_min", 5)) * 60.0),
        speed_kmh=float(travel.get("speed_kmh", 25.0)),
        travel_overhead_s=float(travel.get("overhead_min", 10)) * 60.0,
        travel_matrix_s=(tuple(tuple(float(v) * 60.0 for v in row) for row in matrix)
                         if matrix is not None else None),
        remote_slowdown=float(remote.get("slowdown", 1.25)),
        message_delay_s=float(remote.get("message_delay_s", 1.0)),
        sync_delay_s=float(remote.get("sync_delay_s", 0.0)),
        lease_ttl_s=float(remote.get("lease_ttl_s", 120.0)),
        booth_walk_s=float(remote.get("booth_walk_s", 60.0)),
        remote_min_wait_s=float(remote.get("min_wait_min", 5)) * 60.0,
    )
    _check(scenario)
    return scenario


def _check(scenario: Scenario) -> None:
    if scenario.acceptance.mode not in ("always", "saving"):
        raise ScenarioError("acceptance.mode is 'always' or 'saving'")
    if scenario.estimator not in ESTIMATORS:
        raise ScenarioError(f"scenario.estimator is one of {ESTIMATORS}")
    if not scenario.open_s < scenario.issue_end_s <= scenario.close_s:
        raise ScenarioError("scenario: open < close − cutoff is required")
    if scenario.travel_matrix_s is not None and (
            len(scenario.travel_matrix_s) != len(scenario.halls)
            or any(len(r) != len(scenario.halls) for r in scenario.travel_matrix_s)):
        raise ScenarioError("travel.matrix_min must be halls × halls")
    if len({h.id for h in scenario.halls}) != len(scenario.halls):
        raise ScenarioError("hall ids must be unique")


def load_scenario(path: Path | str) -> Scenario:
    """Load a scenario TOML file."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{path}: {err}") from None
    return parse_scenario(data)
