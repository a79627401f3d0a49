"""The central platform's API (FastAPI), versioned under ``/api/v1``. Stateless: every worker
holds only a database pool and a short credential cache, so any number of workers can serve
behind a load balancer over one database. Cloud calling adds what may be lost (the live city
state, rebuilt from the database; the relay's mailboxes and holds, which the lease protocol's
retries replace): send ``/api/v1/remote/*``, ``/api/v1/recommend`` and ``/api/v1/phone/*``
to one worker (``central/cloud.py``).

Authentication: ``Authorization: Bearer hq_…`` (``hallq central add-hall`` / ``add-admin`` /
``add-phone``). A hall credential may touch only ``/halls/<its id>/…`` and its own
appointments, submissions and statistics; an admin credential sees the city; a phone credential
(the city's citizen app) only ``/phone/…``. Citizens reach two public reads with a code
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
  GET  /halls/{hall}/submissions                 a hall's submissions and their status
  GET  /submissions/{id}                         status and files' progress
  GET/PUT /submissions/{id}/files/{name}?offset= resumable upload, SHA-256 checked
  GET  /submissions/{id}/files/{name}/content    a verified file (admin)
  POST /submissions/{id}/status                  back office moves it on (admin)
  GET  /public/submissions/{receipt}             a citizen's view of the progress
  GET  /stats?by=hall,theme&hall_id=&day_from=&day_to=   waits, service times, ratings
  POST /remote/choose, POST/GET /remote/messages, POST /remote/referrals[/{id}/result],
  GET  /remote/referrals/{id}, GET /recommend     cloud calling (云叫号, central/cloud.py)
  GET  /phone/halls, POST /phone/tickets, GET /phone/tickets/{id}, POST …/cancel
                                                 taking a number by phone (central/phone.py)
"""


import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from central import appointments, catalog, fastjson, ingest, live, stats, submissions
from central.auth import Authenticator, Principal
from central.cloud import CityService, RemoteSettings, add_remote_routes
from central.db import Database, DatabaseUnavailable
from central.errors import CentralError, bad_request, unauthorized
from central.phone import PHONE_PATHS, add_phone_routes

log = logging.getLogger("hallq.central.api")

API_VERSION = "1"
_ID = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")


class Body(BaseModel):
    """Base of request bodies: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")


class BookingRequest(Body):
    """POST /api/v1/appointments."""

    hall_id: str = _ID
    service: str = Field(min_length=1, max_length=32, description="theme prefix or item code")
    slot_start: float
    slot_end: float
    id_hash: str | None = Field(None, pattern=r"^[0-9a-f]{64}$",
                                description="keyed hash of the ID number, never the number")


class FileSpec(Body):
    """A file a submission will upload."""

    name: str = Field(min_length=1, max_length=64)
    size: int
    sha256: str


class SubmissionRequest(Body):
    """POST /api/v1/halls/{hall}/submissions."""

    client_id: str = _ID
    form: str = Field(min_length=1, max_length=64, description="the form's code")
    fields: dict[str, Any]
    files: list[FileSpec] = []


class StatusRequest(Body):
    """POST /api/v1/submissions/{id}/status."""

    status: str = Field(pattern=r"^(accepted|in_progress|done|rejected)$")
    note: str = Field("", max_length=500)


def create_central_app(db: Database, remote: RemoteSettings | None = None,
                       id_key: bytes | None = None) -> FastAPI:
    """The central API over an opened (and migrated) database; closes it at shutdown.
    ``remote``: settings of cloud calling (default: ``RemoteSettings.from_env()``);
    ``id_key``: the city's key for hashing ID numbers (the halls'), without which no number
    can be taken by phone."""
    cloud = CityService(db, remote or RemoteSettings.from_env())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            await run_in_threadpool(cloud.rebuild)
        except DatabaseUnavailable as err:  # built at the first decision instead
            log.error("cloud calling state not built at start: %s", err)
        yield
        db.close()

    app = FastAPI(title="hallq central platform", version=API_VERSION, lifespan=lifespan,
                  description="City central platform of hallq halls (中心平台)")
    app.state.db = db
    app.state.cloud = cloud
    auth = Authenticator(db)

    @app.exception_handler(CentralError)
    async def _refused(_: Request, err: CentralError) -> JSONResponse:
        return JSONResponse(err.to_dict(), status_code=err.status)

    @app.exception_handler(DatabaseUnavailable)
    async def _db_down(_: Request, err: DatabaseUnavailable) -> JSONResponse:
        log.error("database unavailable: %s", err)
        refusal = CentralError(503, "database_unavailable", "中心数据库暂不可用，请稍后重试",
                               "The central database is unavailable; retry later")
        return JSONResponse(refusal.to_dict(), status_code=503)

    @app.exception_handler(RequestValidationError)
    async def _bad_body(_: Request, err: RequestValidationError) -> JSONResponse:
        where = "; ".join(".".join(str(p) for p in e["loc"]) + ": " + e["msg"]
                          for e in err.errors())
        return JSONResponse(bad_request(f"Bad request: {where}").to_dict(), status_code=422)

    async def caller(request: Request) -> Principal:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            raise unauthorized()
        token = token.strip()
        principal = auth.cached(token) or await run_in_threadpool(auth.principal, token)
        if principal is None:
            raise unauthorized()
        if principal.is_phone and not request.url.path.startswith(PHONE_PATHS):
            raise CentralError(403, "forbidden", "手机取号凭据只能用于手机取号接口",
                               "A phone channel credential may use only /api/v1/phone/…")
        return principal

    Caller = Annotated[Principal, Depends(caller)]

    # ------------------------------------------------------------------ basics
    @app.get("/api/v1/health")
    def health() -> dict:
        """Liveness; no credential needed."""
        return {"status": "ok", "api_version": API_VERSION, "database": db.dialect,
                "time": time.time()}

    @app.get("/api/v1/whoami")
    def whoami(who: Caller) -> dict:
        """The caller's credential id, role and hall."""
        return {"credential": who.credential_id, "role": who.role, "hall_id": who.hall_id}

    # ------------------------------------------------------------------ event log
    @app.post("/api/v1/halls/{hall_id}/events")
    async def push_events(hall_id: str, request: Request, who: Caller) -> dict:
        """Ingest a batch ``{"events": [{seq, kind, ts, data}], "head_seq": n}`` (or a bare
        list) in seq order; idempotent on (hall, seq). Only the hall itself may push."""
        if who.hall_id != hall_id:
            raise CentralError(403, "forbidden", "只能上传本大厅的事件",
                               "A hall may push only its own events")
        try:
            body = fastjson.loads(await request.body())
        except ValueError:
            raise bad_request("the body is not JSON") from None
        head = 0
        if isinstance(body, dict):
            head = body.get("head_seq") or 0
            body = body.get("events")
        batch = ingest.validate_batch(body)
        if type(head) is not int:
            raise bad_request("head_seq must be an integer")
        result = await run_in_threadpool(ingest.ingest, db, hall_id, batch, head)
        try:
            if cloud.follows(hall_id):
                await run_in_threadpool(cloud.feed, hall_id, batch, result.acked)
        except Exception:  # the events are stored: the balancer catches up at its next refresh
            log.exception("cloud calling could not follow %s's events", hall_id)
            cloud.invalidate(rebuild=True)
        return result.to_dict()

    @app.get("/api/v1/halls/{hall_id}/sync")
    def hall_sync(hall_id: str, who: Caller) -> dict:
        """Where the hall's log stands at central."""
        who.require_hall(hall_id)
        return ingest.sync_state(db, hall_id)

    @app.get("/api/v1/halls/{hall_id}/events")
    def hall_events(hall_id: str, who: Caller, after: Annotated[int, Query(ge=0)] = 0,
                    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> dict:
        """The hall's stored events after ``after``, oldest first."""
        who.require_hall(hall_id)
        return {"events": ingest.events_after(db, hall_id, after, limit)}

    # ------------------------------------------------------------------ live view
    @app.get("/api/v1/halls/{hall_id}/live")
    def hall_live(hall_id: str, who: Caller) -> dict:
        """This hall's live view."""
        who.require_hall(hall_id)
        found = live.city_view(db, hall_id)
        return found[0] if found else {"hall_id": hall_id, "themes": [], "open_windows": 0}

    @app.get("/api/v1/city")
    def city(who: Caller) -> dict:
        """Every hall's live view (admin)."""
        who.require_admin()
        return {"halls": live.city_view(db), "time": time.time()}

    # ------------------------------------------------------------------ catalogs
    @app.get("/api/v1/halls/{hall_id}/catalog")
    def hall_catalog(hall_id: str, who: Caller) -> dict:
        """The hall's published catalog (themes, items, windows, quotas, hours)."""
        who.require_hall(hall_id)
        found = catalog.get_catalog(db, hall_id)
        if found is None:
            raise CentralError(404, "not_found", "该大厅尚未发布服务目录",
                               "No catalog was published for this hall")
        return found

    @app.put("/api/v1/halls/{hall_id}/catalog")
    def put_hall_catalog(hall_id: str, body: dict[str, Any], who: Caller) -> dict:
        """Publish a hall's catalog (admin); returns its version."""
        who.require_admin()
        version = catalog.put_catalog(db, hall_id, body)
        cloud.invalidate()
        return {"hall_id": hall_id, "version": version}

    @app.get("/api/v1/catalog")
    def city_catalog(who: Caller) -> dict:
        """The city's catalog of service items."""
        found = catalog.get_catalog(db, catalog.CITY)
        if found is None:
            raise CentralError(404, "not_found", "尚未发布全市服务目录",
                               "No city catalog was published")
        return found

    @app.put("/api/v1/catalog")
    def put_city_catalog(body: dict[str, Any], who: Caller) -> dict:
        """Publish the city's catalog (admin)."""
        who.require_admin()
        return {"version": catalog.put_catalog(db, catalog.CITY, body)}

    # ------------------------------------------------------------------ appointments
    @app.post("/api/v1/appointments", status_code=201)
    def book(body: BookingRequest, who: Caller) -> dict:
        """Book a slot at a hall (admin, or the hall itself for its own slots)."""
        who.require_hall(body.hall_id)
        return appointments.book(db, body.hall_id, body.service, body.slot_start,
                                 body.slot_end, body.id_hash)

    @app.get("/api/v1/appointments/{code}")
    def appointment(code: str) -> dict:
        """An appointment by its code (the code is the citizen's secret)."""
        found = appointments.get(db, code)
        found.pop("id_hash")
        return found

    @app.delete("/api/v1/appointments/{code}")
    def cancel_appointment(code: str) -> dict:
        """Cancel an appointment by its code."""
        found = appointments.cancel(db, code)
        found.pop("id_hash")
        return found

    @app.get("/api/v1/appointments")
    def appointments_by_id_hash(who: Caller, id_hash: Annotated[str, Query(
            pattern=r"^[0-9a-f]{64}$")]) -> dict:
        """Appointments booked with a keyed ID hash: a hall sees its own, an admin all."""
        hall = None if who.is_admin else who.hall_id
        return {"appointments": appointments.find_by_id_hash(db, id_hash, hall)}

    @app.get("/api/v1/halls/{hall_id}/appointments")
    def day_list(hall_id: str, who: Caller,
                 day: Annotated[str, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")]) -> dict:
        """The hall's appointments of a day, cancelled ones included."""
        who.require_hall(hall_id)
        return {"hall_id": hall_id, "day": day,
                "appointments": appointments.day_list(db, hall_id, day)}

    # ------------------------------------------------------------------ submissions
    @app.post("/api/v1/halls/{hall_id}/submissions", status_code=201)
    def create_submission(hall_id: str, body: SubmissionRequest, who: Caller) -> dict:
        """Create a submission (idempotent on the hall's ``client_id``)."""
        who.require_hall(hall_id)
        return submissions.create(db, hall_id, body.client_id, body.form, body.fields,
                                  [f.model_dump() for f in body.files])

    @app.get("/api/v1/halls/{hall_id}/submissions")
    def hall_submissions(hall_id: str, who: Caller) -> dict:
        """The hall's latest submissions and their status."""
        who.require_hall(hall_id)
        return {"submissions": submissions.list_for_hall(db, hall_id)}

    def own_submission(who: Principal, sub_id: str) -> None:
        who.require_hall(submissions.hall_of(db, sub_id))

    @app.get("/api/v1/submissions/{sub_id}")
    def submission(sub_id: str, who: Caller) -> dict:
        """Status and files' progress; the form's fields only for an admin."""
        own_submission(who, sub_id)
        return submissions.get(db, sub_id, with_fields=who.is_admin)

    @app.get("/api/v1/submissions/{sub_id}/files/{name}")
    def file_progress(sub_id: str, name: str, who: Caller) -> dict:
        """Bytes received so far: where an interrupted upload resumes."""
        own_submission(who, sub_id)
        return submissions.file_progress(db, sub_id, name)

    @app.put("/api/v1/submissions/{sub_id}/files/{name}")
    async def put_chunk(sub_id: str, name: str, request: Request, who: Caller,
                        offset: Annotated[int, Query(ge=0)]) -> dict:
        """A chunk of a file at ``offset`` (body: the bytes; optional header
        ``X-Chunk-SHA256``). The last chunk triggers the whole file's SHA-256 check."""
        await run_in_threadpool(own_submission, who, sub_id)
        data = await request.body()
        return await run_in_threadpool(submissions.put_chunk, db, sub_id, name, offset, data,
                                       request.headers.get("x-chunk-sha256"))

    @app.get("/api/v1/submissions/{sub_id}/files/{name}/content")
    def file_content(sub_id: str, name: str, who: Caller) -> StreamingResponse:
        """A verified file's bytes (admin: back office)."""
        who.require_admin()
        chunks = submissions.file_content(db, sub_id, name)
        first = next(chunks, b"")
        return StreamingResponse(_prepend(first, chunks), media_type="application/octet-stream")

    @app.post("/api/v1/submissions/{sub_id}/status")
    def submission_status(sub_id: str, body: StatusRequest, who: Caller) -> dict:
        """Move a submission on: accepted, in_progress, done or rejected (admin)."""
        who.require_admin()
        return submissions.set_status(db, sub_id, body.status, body.note)

    @app.get("/api/v1/public/submissions/{receipt}")
    def public_progress(receipt: str) -> dict:
        """A citizen's view of a submission's progress by receipt code."""
        return submissions.progress_by_receipt(db, receipt)

    # ------------------------------------------------------------------ statistics
    @app.get("/api/v1/stats")
    def statistics(who: Caller, by: str = "hall,theme", hall_id: str | None = None,
                   day_from: str | None = None, day_to: str | None = None) -> dict:
        """Waits, service times and rating shares grouped by hall, theme, item, channel,
        window, day."""
        if not who.is_admin:
            if hall_id is not None and hall_id != who.hall_id:
                who.require_hall(hall_id)
            hall_id = who.hall_id
        groups = [g.strip() for g in by.split(",") if g.strip()]
        return {"by": groups, "rows": stats.statistics(db, groups, hall_id, day_from, day_to)}

    mailbox = add_remote_routes(app, db, cloud, caller)
    add_phone_routes(app, db, cloud, mailbox, caller, id_key)
    return app


def _prepend(first: bytes, rest: Any) -> Any:
    yield first
    yield from rest
