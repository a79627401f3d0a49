"""A hall's event log at central: the sync agent pushes batches (ingest, ``central/ingest.py``),
which cloud calling's live city state then follows; the hall reads where its log stands and
the events stored."""

import logging
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from central import event_bell, fastjson, ingest
from central.api.dependencies import Caller, Cloud, Db
from central.api.error_handlers import error_answers
from central.errors import CentralError, bad_request
from hall.bounds import MAX_SEQ, is_seq
from hall.errors import ErrorCode

log = logging.getLogger("hallq.central.api")

router = APIRouter()


@router.post("/api/v1/halls/{hall_id}/events", responses=error_answers())
async def push_events(hall_id: str, request: Request, who: Caller, db: Db, cloud: Cloud
                      ) -> dict:
    """Ingest a batch ``{"events": [{seq, kind, ts, data}], "head_seq": n}`` (or a bare
    list) in seq order; idempotent on (hall, seq). Only the hall itself may push."""
    if who.hall_id != hall_id:
        raise CentralError(403, ErrorCode.FORBIDDEN, "只能上传本大厅的事件",
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
    if not is_seq(head):
        raise bad_request("head_seq must be an integer from 0 to 2^63-1")
    result = await run_in_threadpool(ingest.ingest, db, hall_id, batch, head)
    try:
        if cloud.follows(hall_id):
            await run_in_threadpool(cloud.feed, hall_id, batch, result.acked)
    except Exception:  # the events are stored: the balancer catches up at its next refresh
        log.exception("cloud calling could not follow %s's events", hall_id)
        cloud.invalidate(rebuild=True)
    if result.stored:
        await run_in_threadpool(event_bell.announce, db, hall_id)   # the other workers
    return result.to_dict()


@router.get("/api/v1/halls/{hall_id}/sync", responses=error_answers())
def hall_sync(hall_id: str, who: Caller, db: Db) -> dict:
    """Where the hall's log stands at central."""
    who.require_hall(hall_id)
    return ingest.sync_state(db, hall_id)


@router.get("/api/v1/halls/{hall_id}/events", responses=error_answers())
def hall_events(hall_id: str, who: Caller, db: Db,
                after: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
                limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> dict:
    """The hall's stored events after ``after``, oldest first."""
    who.require_hall(hall_id)
    return {"events": ingest.events_after(db, hall_id, after, limit)}
