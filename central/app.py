"""The central platform's API (FastAPI), versioned under ``/api/v1``. Stateless: every worker
holds only a database pool and a short credential cache, so any number of workers can serve
behind a load balancer over one database. Cloud calling adds what may be lost (the live city
state, rebuilt from the database; the relay's mailboxes and holds, which the lease protocol's
retries replace): send ``/api/v1/remote/*``, ``/api/v1/recommend`` and ``/api/v1/phone/*``
to one worker (``central/api/cloud.py``).

Authentication: ``Authorization: Bearer hq_…`` (``hallq central add-hall`` / ``add-admin`` /
``add-phone`` / ``add-office``). A hall credential may touch only ``/halls/<its id>/…`` and its
own appointments, submissions and statistics; an admin credential sees the city; a phone
credential (the city's citizen app) only ``/phone/…``; a back-office credential only the
submissions. Citizens reach two public reads with a code
they hold: an appointment by its code, a submission's progress by its receipt code.
Errors are ``{"code", "message_zh", "message_en"}`` with a 4xx/5xx status, like the hall API.

Routes (all under /api/v1):
  GET  /health                                   liveness (no credential)
  GET  /whoami                                   the caller's role and hall
  POST /halls/{hall}/events                      ingest a batch → {acked, missing, stored}
  GET  /halls/{hall}/sync                        {acked, missing, max_seq, head_seq, …}
  GET  /halls/{hall}/events?after=&limit=        stored events
  GET  /halls/{hall}/live, GET /city             live view (a hall; the city: admin)
  GET  /halls/{hall}/catalog, PUT (admin)        a hall's catalog (windows, quotas, items)
  GET  /catalog, PUT (admin)                     the city's catalog
  POST /appointments                             book; GET/DELETE /appointments/{code}
  GET  /appointments?id_hash=                    look up by keyed ID hash
  GET  /halls/{hall}/appointments?day=           a hall's day list
  POST /halls/{hall}/submissions                 create (idempotent on client_id)
  GET  /halls/{hall}/submissions?updated_after=  a hall's submissions and their status
  POST /halls/{hall}/reusable                    a citizen's documents given before (一证通办)
  GET  /submissions?status=&hall_id=             the back office's list (office, admin)
  GET  /submissions/{id}                         status, files' progress, reused documents
  GET/PUT /submissions/{id}/files/{name}?offset= resumable upload, SHA-256 checked
  GET  /submissions/{id}/files/{name}/content    a verified file (office, admin)
  POST /submissions/{id}/status                  back office moves it on (office, admin)
  GET  /public/submissions/{receipt}             a citizen's view of the progress
  GET  /progress/{receipt}                       the same as the phone page of the receipt's QR
  GET  /stats?by=hall,theme&hall_id=&day_from=&day_to=   waits, service times, ratings
  POST /remote/choose, POST/GET /remote/messages, POST /remote/referrals[/{id}/result],
  GET  /remote/referrals/{id}, GET /recommend     cloud calling (云叫号, central/api/cloud.py)
  GET  /phone/halls, POST /phone/tickets, GET /phone/tickets/{id}, POST …/cancel
                                                 taking a number by phone (central/api/phone.py)
  PUT  /halls/{hall}/phone-key                   the hall's public link key (its sync agent)

Outside /api/v1, for citizens' phones (no credential; the token in the QR code is the key):
  GET  /p/{hall}/{token}, GET …/events (SSE), POST …/cancel, POST …/rating
                                                 the ticket's live phone page
                                                 (central/api/phone_page.py)

The back office's web pages (``/office``, ``/staff/sign-in``: ``central/web/``) are served
by the same app. Each resource's routes are a router of ``central/api/``; this module builds
the app, puts what the routes reach on ``app.state`` (``central/api/dependencies.py``) and
includes the routers.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from central.api import (
    appointments,
    basics,
    catalogs,
    cloud,
    events,
    phone,
    phone_page,
    stats,
    submissions,
)
from central.api.dependencies import API_VERSION
from central.api.error_handlers import add_error_handlers
from central.auth import Authenticator
from central.city import CityService, RemoteSettings
from central.data_key import DataKey
from central.db import Database, DatabaseUnavailable
from central.event_bell import EventListener
from central.mailbox import Mailbox
from central.phone_page import HallBells, PhoneKeys
from central.web import add_office_pages

log = logging.getLogger("hallq.central.api")

#: Central's routers, in the order their routes are matched and documented.
ROUTERS = (basics.router, events.router, stats.router, catalogs.router, appointments.router,
           submissions.router, cloud.router, phone.router, phone_page.router)


def create_central_app(db: Database, remote: RemoteSettings | None = None,
                       id_key: bytes | None = None, *, data_key: DataKey) -> FastAPI:
    """The central API over an opened (and migrated) database; closes it at shutdown.
    ``remote``: settings of cloud calling (default: ``RemoteSettings.from_env()``);
    ``id_key``: the city's key for hashing ID numbers (the halls'), without which no number
    can be taken by phone; ``data_key``: central's key sealing the submissions' personal
    parts (``central.data_key.open_data_key``)."""
    city = CityService(db, remote or RemoteSettings.from_env())
    bells = HallBells()
    city.on_change = bells.ring_threadsafe

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            await run_in_threadpool(city.rebuild)
        except DatabaseUnavailable as err:  # built at the first decision instead
            log.error("cloud calling state not built at start: %s", err)
        bells.bind(asyncio.get_running_loop())
        following = asyncio.create_task(_follow_others(city))
        listener = EventListener(db.url, city.catch_up).start() \
            if db.dialect == "postgresql" else None
        yield
        following.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await following
        if listener is not None:
            await run_in_threadpool(listener.stop)
        db.close()

    app = FastAPI(title="hallq central platform", version=API_VERSION, lifespan=lifespan,
                  description="City central platform of hallq halls (中心平台)")
    app.state.db = db
    app.state.auth = Authenticator(db)
    app.state.cloud = city
    app.state.mailbox = Mailbox(city.settings.mailbox_size)
    app.state.id_key = id_key
    app.state.data_key = data_key
    app.state.phone_keys = PhoneKeys(db)
    app.state.phone_bells = bells
    add_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    add_office_pages(app, db, data_key)
    return app


async def _follow_others(city: CityService) -> None:
    """Follow what other workers ingested and start the halls' new days, every
    ``refresh_s``, so that the open phone pages hear of it (``central/phone_page.py``)."""
    while True:
        await asyncio.sleep(city.settings.refresh_s)
        try:
            await run_in_threadpool(city.refresh)
        except DatabaseUnavailable as err:
            log.info("phone pages: cannot follow the halls now: %s", err)
