"""Data shaped exactly as the example hall's API returns it, for the screens rendered without a
hall (screenshots, docs, tests)."""

from __future__ import annotations

import functools

from hall.config import EXAMPLE_HALL, HallConfig, load_config, window_order
from hall.item_view import item_body
from hall.schemas import HallBody, ServiceBody

#: People waiting per theme in the pictures, and the wait a new ticket would get.
_WAITING = {"A": (6, 1320), "B": (2, 1500), "C": (9, 720)}


@functools.cache
def example_hall() -> HallConfig:
    """The example hall's configuration (read once)."""
    return load_config(EXAMPLE_HALL)


def sample_hall() -> HallBody:
    """``GET /hall`` of the example hall."""
    config = example_hall()
    return {"hall_id": config.hall_id, "name_zh": config.name_zh, "name_en": config.name_en,
            "timezone": str(config.timezone), "open": "09:00", "close": "18:00",
            "open_all_day": False, "elderly_age": config.rules.elderly_age,
            "max_recalls": config.rules.max_recalls,
            "max_recheckins": config.rules.max_recheckins,
            "phone_ticketing_url": config.phone_ticketing_url, "notice": None,
            "device": {"role": "kiosk", "window": None, "name": "kiosk-1"}}


def sample_services(guide: bool = False) -> list[ServiceBody]:
    """``GET /services`` of the example hall with a few people waiting (``guide``: as
    ``GET /services?guide=true``, each item with its service guide)."""
    config = example_hall()
    services: list[ServiceBody] = []
    for theme in config.themes.values():
        waiting, wait_s = _WAITING.get(theme.prefix, (0, 0))
        issued = waiting + 11
        windows = sorted((number for number, window in config.windows.items()
                          if theme.prefix in window.skills), key=window_order)
        services.append({
            "prefix": theme.prefix, "name_zh": theme.name_zh, "name_en": theme.name_en,
            "waiting": waiting, "expected_wait_s": wait_s,
            "wait_kind": "about" if waiting else "now", "quota": theme.daily_quota,
            "issued_today": issued,
            "quota_left": theme.daily_quota - issued if theme.daily_quota else None,
            "per_id_daily_limit": theme.per_id_daily_limit, "windows": windows,
            "waiting_area_zh": theme.waiting_area_zh, "waiting_area_en": theme.waiting_area_en,
            "items": [item_body(i, guide) for i in theme.items]})
    return services
