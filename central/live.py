"""The live city view: per hall and theme, people waiting, open windows and the expected wait.

Read from the small projections the ingest keeps (``live_themes``, ``live_windows``) and the
halls' published catalogs (which windows serve which theme, configured service times), never
by scanning the event log. The expected wait of a newcomer uses the hall node's own estimator
(``hall.estimate``): ``(waiting + 1) · mean service / open skill share``; it is ``None`` when no
window serving the theme is open. Without a catalog every open window counts for every theme.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from central.catalog import parse_hall_catalog
from central.db import Database, Tx
from central.errors import CentralError
from hall.config import HallConfig
from hall.estimate import expected_wait_s, skill_share

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


def city_view(db: Database, hall_id: str | None = None) -> list[dict[str, Any]]:
    """The live view of every hall (or of one)."""
    where, params = _where(hall_id)
    with db.transaction() as tx:
        halls = tx.all("SELECT hall_id, acked, head_seq, last_event_ts, last_push_at FROM halls"
                       + where + " ORDER BY hall_id", params)
        themes = tx.all("SELECT hall_id, theme, waiting, service_count, service_sum FROM "
                        "live_themes" + where + " ORDER BY hall_id, theme", params)
        windows = tx.all("SELECT hall_id, window_no FROM live_windows" + where +
                         (" AND" if where else " WHERE") + " status = 'open'", params)
        versions = dict(tx.all("SELECT hall_id, version FROM catalogs" + where, params))
        configs = {h: _config(tx, h, v) for h, v in versions.items()}
    open_by_hall: dict[str, set[str]] = {}
    for hall, window in windows:
        open_by_hall.setdefault(hall, set()).add(window)
    by_hall: dict[str, list[tuple]] = {}
    for row in themes:
        by_hall.setdefault(row[0], []).append(row)
    view = []
    for hall, acked, head, last_ts, last_push in halls:
        config = configs.get(hall)
        open_windows = open_by_hall.get(hall, set())
        view.append({
            "hall_id": hall, "name_zh": config.name_zh if config else "",
            "open_windows": len(open_windows), "acked_seq": acked,
            "events_behind": max(0, head - acked), "last_event_ts": last_ts,
            "last_push_at": last_push,
            "themes": [_theme_view(config, open_windows, row) for row in by_hall.get(hall, [])],
        })
    return view


def _theme_view(config: HallConfig | None, open_windows: set[str], row: tuple
                ) -> dict[str, Any]:
    _, theme, waiting, served, service_sum = row
    mean = service_sum / served if served else DEFAULT_SERVICE_S
    share = float(len(open_windows))
    name = ""
    if config is not None:
        live = [w for n, w in config.windows.items() if n in open_windows]
        share = skill_share(live, theme)
        known = config.themes.get(theme)
        if known is not None:
            name = known.name_zh
            if not served:
                mean = known.mean_service_s
    open_for_theme = share if config is None else sum(
        1 for n, w in config.windows.items() if n in open_windows and theme in w.skills)
    return {"theme": theme, "name_zh": name, "waiting": max(0, waiting),
            "open_windows": int(open_for_theme), "mean_service_s": round(mean, 1),
            "expected_wait_s": expected_wait_s(max(0, waiting), share, mean) if share else None}
