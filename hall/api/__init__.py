"""The hall node's LAN API (FastAPI), versioned under ``/api/v1``.

Every call but ``/api/v1/health``, the phone page, following a ticket and claiming a pairing
code needs a paired device token (``Authorization: Bearer …``, from ``hallq pair``) whose role
allows it; a caller's token is bound to its window. Errors are JSON ``{"code", "message_zh",
"message_en"}`` with a 4xx status.

:func:`create_app` builds the app of one node from one router per resource:

=====================  ===========================================================
``dependencies``       the node, the hub, the device of a token and what it may do,
                       running a write, the error answers (shared by every router)
``overview``           health, the hall, services, today's figures
``windows``            windows, their lines, the console's actions, staff sign-in
``tickets``            taking a number, a ticket's status, rating, re-check-in, …
``appointments``       bookings made at central or by staff
``status_reports``     devices needing attention, the sync agent's lag
``events``             the event log and its WebSocket stream
``follow``             ``/api/v1/follow/{token}``, a phone following its own ticket
``phone_page``         ``/t/{token}``, the page behind the ticket's QR code
``cloud``              cloud calling: leases, referrals, recommendations
``pairing``            pairing a device by a short code (no token needed to claim)
``today``              a supervisor's changes of the day: quota, cutoff, hours, notice,
                       who sits where (``hall/day_plan.py``)
``desk``               an ID card swiped at the service desk's reader
``submissions``        self-service submissions (自助申报): receipts, progress, reuse
=====================  ===========================================================

The staff's web pages (``hall/web/``: sign-in, the service desk) are served by the same app.
The hottest routes are also served by ``hall/fastpath.py`` in front of the app.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from hall.api import (
    appointments,
    cloud,
    desk,
    events,
    follow,
    overview,
    pairing,
    phone_page,
    status_reports,
    submissions,
    tickets,
    today,
    windows,
)
from hall.api.dependencies import API_VERSION, DeviceTokens, add_error_handlers
from hall.desk_cards import DeskCards
from hall.follow import Followers
from hall.health import HallHealth
from hall.hub import EventHub
from hall.node import HallNode
from hall.staff_auth import SignInGuard
from hall.web import add_web_pages

__all__ = ["API_VERSION", "create_app"]

ROUTERS = (overview.router, windows.router, tickets.router, appointments.router,
           status_reports.router, events.router, follow.router, phone_page.router,
           cloud.router, pairing.router, today.router, desk.router, submissions.router)


def create_app(node: HallNode, hub: EventHub | None = None) -> FastAPI:
    """The API of one hall node (the node must be started by the caller)."""
    hub = hub or EventHub(node.config.hall_id)
    followers = Followers(node.config.hall_id,
                          lambda: node.read(lambda engine, now: engine.positions(now)))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        hub.bind(asyncio.get_running_loop())
        followers.bind(asyncio.get_running_loop())
        yield
        app.state.submissions.book.close()

    # The routers' routes are the app's own rather than included: FastAPI ≥ 0.16x matches an
    # included router as a branch on every request, which cost about 50 µs of CPU a request.
    app = FastAPI(title="hallq hall node", version=API_VERSION, lifespan=lifespan,
                  description="LAN API of a hallq hall node (政务服务大厅叫号)",
                  routes=[route for router in ROUTERS for route in router.routes])
    app.state.node = node
    app.state.hub = hub
    app.state.followers = followers
    app.state.sync_status = None
    app.state.health = HallHealth(node)
    app.state.device_tokens = DeviceTokens(node)
    app.state.sign_in_guard = SignInGuard(lambda: node.clock().timestamp())
    app.state.recommendations = cloud.Recommendations()
    app.state.submissions = submissions.SubmissionDesk(node)
    app.state.pairing_guard = pairing.ClaimGuard(lambda: node.clock().timestamp())
    app.state.desk_cards = DeskCards()
    node.add_listener(hub.publish_threadsafe)
    node.add_listener(followers.committed)
    add_error_handlers(app)
    add_web_pages(app, node)
    return app
