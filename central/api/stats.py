"""What the halls' events add up to at central: each hall's live view (the city's, for an
admin) and the statistics of waits, service times and ratings."""

import time

from fastapi import APIRouter

from central import live, stats
from central.api.dependencies import Caller, Cloud, Db
from central.api.error_handlers import error_answers

router = APIRouter()


@router.get("/api/v1/halls/{hall_id}/live", responses=error_answers())
def hall_live(hall_id: str, who: Caller, db: Db, cloud: Cloud) -> dict:
    """This hall's live view."""
    who.require_hall(hall_id)
    found = live.city_view(db, hall_id, cloud.learned_means())
    return found[0] if found else {"hall_id": hall_id, "themes": [], "open_windows": 0}


@router.get("/api/v1/city", responses=error_answers())
def city(who: Caller, db: Db, cloud: Cloud) -> dict:
    """Every hall's live view (admin)."""
    who.require_admin()
    return {"halls": live.city_view(db, learned=cloud.learned_means()), "time": time.time()}


@router.get("/api/v1/stats", responses=error_answers())
def statistics(who: Caller, db: Db, by: str = "hall,theme", hall_id: str | None = None,
               day_from: str | None = None, day_to: str | None = None) -> dict:
    """Waits, service times and rating shares grouped by hall, theme, item, channel,
    window, day."""
    if not who.is_admin:
        if hall_id is not None and hall_id != who.hall_id:
            who.require_hall(hall_id)
        hall_id = who.hall_id
    groups = [g.strip() for g in by.split(",") if g.strip()]
    return {"by": groups, "rows": stats.statistics(db, groups, hall_id, day_from, day_to)}
