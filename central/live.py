"""The live city view: per hall and theme, people waiting, open windows and the expected wait.

Read from the small projections the ingest keeps (``live_themes``, ``live_windows``) and the
halls' published catalogs (which windows serve which theme, configured service times), never
by scanning the event log. The expected wait of a newcomer is the hall node's own figure
(``hall.estimate.theme_wait``: open and paused windows by their real share of the theme, after
the backlog of the themes they prefer); the projections do not say who is at a window, so
every live window counts as busy, half-way through a service. It is ``None`` when no window
serving the theme is open. Without a catalog every open window counts for every theme,
``(waiting + 1) · mean / windows``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from central.catalog import parse_hall_catalog
from central.db import Database, Tx
from central.errors import CentralError
from hall.config import HallConfig
from hall.estimate import expected_wait_s, skill_lines, theme_wait
from hall.state import WindowStatus

DEFAULT_SERVICE_S = 600.0

_configs: dict[tuple[str, int], HallConfig | None] = {}
_configs_lock = threading.Lock()


def _config(tx: Tx, hall_id: str, version: int) -> HallConfig | None:
    """A hall's parsed catalog, cached by version (catalogs change rarely)."""
    with _configs_lock:
        if (hall_id, version) in _configs:
            return _configs[(hall_id, version)]
    row = tx.one("SELECT body FROM catalogs WHERE hall_id = ? AND version = ?",
                 (hall_id, version))
    config = None
    if row is not None:
        try:
            config = parse_hall_catalog(hall_id, json.loads(row[0]))
        except CentralError:
            config = None
    with _configs_lock:
        if len(_configs) > 20_000:
            _configs.clear()
        _configs[(hall_id, version)] = config
    return config


def _where(hall_id: str | None) -> tuple[str, tuple]:
    return (" WHERE hall_id = ?", (hall_id,)) if hall_id else ("", ())


def city_view(db: Database, hall_id: str | None = None,
              learned: Mapping[str, Mapping[str, float]] | None = None) -> list[dict[str, Any]]:
    """The live view of every hall (or of one). ``learned`` are the mean service times per
    hall and theme that cloud calling learned robustly (``CityService.learned_means``); a
    theme without one takes the projection's plain mean, else the catalog's."""
    where, params = _where(hall_id)
    with db.transaction() as tx:
        halls = tx.all("SELECT hall_id, acked, head_seq, last_event_ts, last_push_at FROM halls"
                       + where + " ORDER BY hall_id", params)
        themes = tx.all("SELECT hall_id, theme, waiting, service_count, service_sum FROM "
                        "live_themes" + where + " ORDER BY hall_id, theme", params)
        windows = tx.all("SELECT hall_id, window_no, status FROM live_windows" + where +
                         (" AND" if where else " WHERE") + " status IN ('open', 'paused')",
                         params)
        versions = dict(tx.all("SELECT hall_id, version FROM catalogs" + where, params))
        configs = {h: _config(tx, h, v) for h, v in versions.items()}
    live_by_hall: dict[str, dict[str, WindowStatus]] = {}
    for hall, window, status in windows:
        live_by_hall.setdefault(hall, {})[window] = WindowStatus(status)
    by_hall: dict[str, list[tuple]] = {}
    for row in themes:
        by_hall.setdefault(row[0], []).append(row)
    view = []
    for hall, acked, head, last_ts, last_push in halls:
        config = configs.get(hall)
        live_windows = live_by_hall.get(hall, {})
        open_windows = {n for n, s in live_windows.items() if s is WindowStatus.OPEN}
        rows = by_hall.get(hall, [])
        view.append({
            "hall_id": hall, "name_zh": config.name_zh if config else "",
            "open_windows": len(open_windows), "acked_seq": acked,
            "events_behind": max(0, head - acked), "last_event_ts": last_ts,
            "last_push_at": last_push,
            "themes": [_theme_view(config, live_windows, rows, row,
                                   (learned or {}).get(hall, {})) for row in rows],
        })
    return view


def _mean_s(config: HallConfig | None, row: tuple, learned: Mapping[str, float]) -> float:
    """A theme's mean service time: learned robustly, else the plain mean of the services
    central saw, else the catalog's."""
    _, theme, _, served, service_sum = row
    if theme in learned:
        return float(learned[theme])
    if served:
        return float(service_sum / served)
    known = config.themes.get(theme) if config is not None else None
    return known.mean_service_s if known is not None else DEFAULT_SERVICE_S


def _theme_view(config: HallConfig | None, live_windows: dict[str, WindowStatus],
                rows: list[tuple], row: tuple, learned: Mapping[str, float]) -> dict[str, Any]:
    theme, waiting = row[1], max(0, row[2])
    mean = _mean_s(config, row, learned)
    open_windows = [n for n, s in live_windows.items() if s is WindowStatus.OPEN]
    name = ""
    if config is None:
        count = len(open_windows)
        wait = expected_wait_s(waiting, count, mean) if count else None
    else:
        known = config.themes.get(theme)
        name = known.name_zh if known is not None else ""
        count = sum(1 for n in open_windows if n in config.windows
                    and theme in config.windows[n].skills)
        estimate = theme_wait(theme, skill_lines(config.windows.values()), live_windows,
                              set(live_windows), {r[1]: max(0, r[2]) for r in rows},
                              {r[1]: _mean_s(config, r, learned) for r in rows})
        wait = estimate.figure(waiting).seconds if count else None
    return {"theme": theme, "name_zh": name, "waiting": waiting, "open_windows": count,
            "mean_service_s": round(mean, 1), "expected_wait_s": wait}
