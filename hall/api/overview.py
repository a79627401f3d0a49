"""The hall at a glance: health (no token), the hall and its calling rules, the services with
their waits, and today's figures."""

import time
from datetime import UTC, datetime
from functools import partial

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from hall import views
from hall.api.dependencies import API_VERSION, Device, Hub, Node, allow, error_answers

router = APIRouter()


@router.get("/api/v1/health", responses=error_answers(token=False))
async def health(request: Request, node: Node, hub: Hub) -> dict:
    """Liveness, and whether the hall works as it should: ``ok``, or ``degraded`` with the
    reasons (``hall/health.py``); no token needed."""
    sync = request.app.state.sync_status
    now = time.time()
    watch = request.app.state.health
    reasons = watch.reasons(sync, now)
    return {"status": "degraded" if reasons else "ok", "reasons": reasons,
            "hall_id": node.config.hall_id, "api_version": API_VERSION,
            "last_seq": node.store.last_seq,
            "time": datetime.fromtimestamp(now, UTC).isoformat(),
            "subscribers": hub.subscribers, "writes": node.write_stats, "sync": sync,
            "timezone": str(node.config.timezone), "devices": watch.devices()}


@router.get("/api/v1/hall", responses=error_answers())
async def hall_info(device: Device, node: Node) -> dict:
    """The hall's name and the calling rules in force."""
    allow(device, "read")
    rules = node.config.rules
    return {"hall_id": node.config.hall_id, "name_zh": node.config.name_zh,
            "name_en": node.config.name_en, "timezone": str(node.config.timezone),
            "open": rules.open_time.strftime("%H:%M"),
            "close": rules.close_time.strftime("%H:%M"), "open_all_day": rules.open_all_day,
            "elderly_age": rules.elderly_age, "max_recalls": rules.max_recalls,
            "max_recheckins": rules.max_recheckins,
            "phone_ticketing_url": node.config.phone_ticketing_url,
            "notice": node.read(views.notice_view),
            "device": {"role": device.role, "window": device.window, "name": device.name}}


@router.get("/api/v1/services", responses=error_answers())
async def services(device: Device, node: Node, guide: bool = False) -> Response:
    """Themes and items with people waiting and the wait a new ticket would get; with
    ``guide=true`` each item's service guide (办事指南: materials, fees, time limit, the
    self-service form), which the kiosk asks for once and other readers never need."""
    allow(device, "read")
    return JSONResponse(node.read(partial(views.services_view, guide=guide)))


@router.get("/api/v1/stats/today", responses=error_answers())
async def stats(device: Device, node: Node) -> Response:
    """Today's figures per theme and the rating shares."""
    allow(device, "read")
    return JSONResponse(node.read(views.stats_view))
