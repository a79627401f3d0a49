"""Today's changes a supervisor makes over the TOML (``hall.day_plan``): a theme's quota, cutoff
and hours for today, a notice on the wall displays and kiosks, who sits at which window.
Reads for every device; changes for supervisor devices (and the supervisor's web page, which
runs the same operations)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from pydantic import Field

from hall import day_plan, supervision, views
from hall.api.dependencies import Body, Device, Node, allow, error_answers, run
from hall.engine import Engine
from hall.errors import ErrorCode

router = APIRouter()

HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


class ThemeTodayRequest(Body):
    """A theme's settings for today; a key left out (or null) keeps the TOML's."""

    daily_quota: int | None = Field(default=None, ge=0, le=100_000)
    cutoff_min: int | None = Field(default=None, ge=0, le=1440)
    open_time: str | None = Field(default=None, pattern=HHMM)
    close_time: str | None = Field(default=None, pattern=HHMM)


class NoticeRequest(Body):
    """A notice for the wall displays and kiosks, up for ``minutes``."""

    text_zh: str = Field(min_length=1, max_length=day_plan.NOTICE_MAX_CHARS)
    text_en: str = Field(default="", max_length=day_plan.NOTICE_MAX_CHARS)
    minutes: int = Field(default=60, ge=1, le=day_plan.NOTICE_LONGEST_MIN)


class AssignmentRequest(Body):
    """Who sits at the window today; null for nobody."""

    staff_id: str | None = Field(default=None, min_length=1, max_length=32)


@router.get("/api/v1/today", responses=error_answers())
async def today(device: Device, node: Node) -> Response:
    """Each theme's quota, cutoff and hours in force today, the notice, the assignments."""
    allow(device, "read")
    return JSONResponse(node.read(views.today_view))


@router.put("/api/v1/themes/{theme}/today",
            responses=error_answers(ErrorCode.UNKNOWN_SERVICE, ErrorCode.BAD_REQUEST))
async def adjust_theme(theme: str, body: ThemeTodayRequest, device: Device, node: Node
                       ) -> Response:
    """Change a theme's quota, cutoff or hours for today (the kiosks follow at once)."""
    allow(device, "supervise")

    def operation(engine: Engine, now: datetime) -> tuple[dict, list]:
        _, events = supervision.adjust_theme(engine, theme, now, by=device.name,
                                          **body.model_dump())
        return dict(views.today_view(engine, now)), events

    return await run(node, operation)


@router.post("/api/v1/notice", status_code=201, responses=error_answers(ErrorCode.BAD_REQUEST))
async def post_notice(body: NoticeRequest, device: Device, node: Node) -> Response:
    """Put up a notice on every wall display and kiosk (replacing the one up)."""
    allow(device, "supervise")

    def operation(engine: Engine, now: datetime) -> tuple[object, list]:
        _, events = supervision.post_notice(engine, now, by=device.name, **body.model_dump())
        return views.notice_view(engine, now), events

    return await run(node, operation, status=201)


@router.delete("/api/v1/notice", status_code=204, response_class=Response,
               responses=error_answers())
async def clear_notice(device: Device, node: Node) -> Response:
    """Take the notice down."""
    allow(device, "supervise")
    return await run(node, lambda engine, now: supervision.clear_notice(engine, now,
                                                                     by=device.name))


@router.put("/api/v1/windows/{window}/assignment",
            responses=error_answers(ErrorCode.UNKNOWN_WINDOW, ErrorCode.BAD_REQUEST))
async def assign(window: str, body: AssignmentRequest, device: Device, node: Node
                 ) -> Response:
    """Put a staff member (of the TOML or the roster) at a window for today, or nobody."""
    allow(device, "supervise")
    node.refresh_staff()

    def operation(engine: Engine, now: datetime) -> tuple[dict, list]:
        _, events = supervision.assign_staff(engine, window, body.staff_id, now, by=device.name,
                                          known_staff=frozenset(engine.config.staff))
        return dict(views.today_view(engine, now)), events

    return await run(node, operation)
