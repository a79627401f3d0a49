"""大厅管理, the supervisor's pages (role ``supervisor``): the hall now — every window, each
theme's line and today's quota, cutoff and hours, the device faults and the sync lag — with its
figures refreshed every few seconds; the day so far as plots, and its export as CSV and XLSX;
the ratings (好差评) per window and per staff member over a chosen period. The changes a
supervisor makes are :mod:`hall.web.supervisor_actions`'.

The figures refresh by a small fetch every :data:`REFRESH_MS` of the "hall now" part alone
(``GET /supervisor/now``, the kit's ``data-poll``), not by the event stream: a busy hall
writes an event every second or two, and a page re-drawn for each would cost the node more
than a poll whose cost does not grow with the hall's traffic; a few seconds late is soon
enough for a person watching. The poll does not keep the session alive.
"""

from __future__ import annotations

import asyncio
import re
import time
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hall import day_export
from hall.errors import ErrorCode, QueueError
from hall.ratings import LABELS
from hall.web.site import SignInNeeded, WebSite, page_route, site_of
from hall.web.supervisor_plots import PLOTS, TITLES
from hall.web.supervisor_reads import (
    DaySoFar,
    HallNow,
    day_so_far,
    hall_now,
    period,
    ratings_over,
    with_health,
)
from hall.webkit.i18n import language, pick
from hall.webkit.roles import SUPERVISOR
from hall.webkit.sessions import StaffSession

router = APIRouter(include_in_schema=False)

#: How often the page fetches the hall's figures again (milliseconds).
REFRESH_MS = 5000
NOW_FRAGMENT = "supervisor_now.html"


#: How long the day's figures are shared by the pages and plots that ask for them (seconds):
#: the day page asks for itself and four plots at once, each would read every ticket again.
DAY_SHARED_S = 5.0


async def read_day(request: Request) -> DaySoFar:
    """The day so far, read at most once every :data:`DAY_SHARED_S` (on a worker thread: it
    reads every ticket of the day)."""
    kept: tuple[float, DaySoFar] | None = getattr(request.app.state, "supervisor_day", None)
    if kept is not None and time.monotonic() - kept[0] < DAY_SHARED_S:
        return kept[1]
    day = await asyncio.to_thread(day_so_far, site_of(request).node)
    request.app.state.supervisor_day = (time.monotonic(), day)
    return day


def read_hall_now(request: Request) -> HallNow:
    """The hall now, with its health (faults, sync lag) as ``hallq status`` shows it."""
    site = site_of(request)
    hall = site.node.read(hall_now)
    return with_health(hall, request.app.state.health, request.app.state.sync_status)


def _updated(site: WebSite, hall: HallNow) -> str:
    """When the figures were read: ``14:05:09`` in the hall's time zone."""
    return datetime.fromtimestamp(hall.at, site.node.config.timezone).strftime("%H:%M:%S")


def now_page(request: Request, session: StaffSession, error: QueueError | None = None
             ) -> Response:
    """The supervisor's page, with a refused change's error (nothing changed) if any."""
    site = site_of(request)
    site.node.refresh_staff()       # staff added with `hallq staff add`, to assign
    said = pick(language(request), error.message_zh, error.message_en) if error else None
    hall = read_hall_now(request)
    return site.page(request, "supervisor.html", session, error.status if error else 200,
                     hall=hall, updated=_updated(site, hall), error=said,
                     refresh_ms=REFRESH_MS)


@router.get("/supervisor")
@page_route
async def supervisor_page(request: Request) -> Response:
    """The hall now, and the changes a supervisor may make; the time the node took to make
    it in ``Server-Timing`` (what ``bench/bench_supervisor.py`` reads)."""
    started = time.perf_counter()
    page = now_page(request, site_of(request).session_of(request, SUPERVISOR))
    page.headers["server-timing"] = f"page;dur={(time.perf_counter() - started) * 1000:.1f}"
    return page


@router.get("/supervisor/now")
async def now_fragment(request: Request) -> Response:
    """For the page's poll: the "hall now" part again (``{"html": …}``); without a live
    supervisor's session, the sign-in page (``{"go": …}``)."""
    site = site_of(request)
    try:
        session = site.session_of(request, SUPERVISOR, touch=False)
    except (SignInNeeded, QueueError):
        return JSONResponse({"go": "/staff/sign-in?next=/supervisor"})
    started = time.perf_counter()
    hall = read_hall_now(request)
    html = _fragment(site, request, session, NOW_FRAGMENT, hall=hall,
                     updated=_updated(site, hall))
    took = f"fragment;dur={(time.perf_counter() - started) * 1000:.1f}"
    return JSONResponse({"html": html}, headers={"cache-control": "no-store",
                                                 "server-timing": took})


def _fragment(site: WebSite, request: Request, session: StaffSession, name: str,
              **context: Any) -> str:
    return site.templates.env.get_template(name).render(
        lang=language(request), session=session, csrf=session.csrf, path="/supervisor",
        **context)


@router.get("/supervisor/day")
@page_route
async def day_page(request: Request) -> Response:
    """The day so far: plots, today's figures per theme, the exports."""
    site = site_of(request)
    session = site.session_of(request, SUPERVISOR)
    day = await read_day(request)
    return site.page(request, "supervisor_day.html", session, day=day, plots=TITLES)


@router.get("/supervisor/plots/{name}.svg")
@page_route
async def plot(request: Request, name: str) -> Response:
    """One plot of the day so far as SVG (drawn in the page's language)."""
    site = site_of(request)
    site.session_of(request, SUPERVISOR)
    if name not in PLOTS:
        raise QueueError(ErrorCode.BAD_REQUEST, "没有这张图表", "No such plot", status=422)
    day = await read_day(request)
    svg = await asyncio.to_thread(PLOTS[name], day, language(request))
    return Response(svg, media_type="image/svg+xml",
                    headers={"cache-control": "no-store", "x-content-type-options": "nosniff"})


@router.get("/supervisor/export.{kind}")
@page_route
async def export(request: Request, kind: str) -> Response:
    """Today's tickets as CSV, or the day as an XLSX workbook (no personal data); a download
    named for the hall and the day."""
    site = site_of(request)
    site.session_of(request, SUPERVISOR)
    node = site.node
    day = await asyncio.to_thread(day_so_far, node)       # the export: as it is now
    zone = node.config.timezone
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"hallq-{node.config.hall_id}-{day.day}.{kind}")
    if kind == "csv":
        body = await asyncio.to_thread(day_export.tickets_csv, day.tickets, zone)
        media = "text/csv; charset=utf-8"
    elif kind == "xlsx":
        today = period(day.day, day.day, node.clock().date(), zone)
        ratings = await asyncio.to_thread(ratings_over, node.store, today)
        body = await asyncio.to_thread(day_export.day_workbook, day.day, day.tickets, zone,
                                       day.stats, day.windows, ratings)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise QueueError(ErrorCode.BAD_REQUEST, "只能导出 CSV 或 XLSX", "Export as CSV or XLSX",
                         status=422)
    return Response(body, media_type=media, headers={
        "content-disposition": f'attachment; filename="{name}"',
        "cache-control": "no-store"})


@router.get("/supervisor/ratings")
@page_route
async def ratings_page(request: Request, start: str = "", end: str = "") -> Response:
    """好差评: the ratings per window and per staff member over the days chosen (today by
    default), in the hall's time zone."""
    site = site_of(request)
    session = site.session_of(request, SUPERVISOR)
    node = site.node
    today = node.clock().astimezone(node.config.timezone).date()
    try:
        chosen = period(start, end, today, node.config.timezone)
    except QueueError as failed:
        chosen = period("", "", today, node.config.timezone)
        return _ratings(request, session, chosen, start, end, failed)
    return _ratings(request, session, chosen, chosen.first.isoformat(),
                    chosen.last.isoformat())


def _ratings(request: Request, session: StaffSession, chosen: Any, start: str, end: str,
             error: QueueError | None = None) -> Response:
    site = site_of(request)
    report = ratings_over(site.node.store, chosen) if error is None else None
    staff = {sid: s.name_zh for sid, s in site.node.config.staff.items()}
    said = pick(language(request), error.message_zh, error.message_en) if error else None
    return site.page(request, "supervisor_ratings.html", session,
                     error.status if error else 200, report=report, start=start[:10],
                     end=end[:10], staff_names=staff, labels=LABELS, error=said)
