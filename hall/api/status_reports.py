"""What the hall's machines report about themselves: a device that needs attention (paper
out …) and the sync agent's lag behind the hall (shown as "sync" in ``/api/v1/health``). Both
count in health (``hall/health.py``): a fault until the device reports it is fine again, a lag
or a clock past the hall's ``[rules]`` limits."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import Field, Strict

from hall.api.dependencies import Body, Device, Node, allow, error_answers, run
from hall.bounds import Count, Duration, PosixTime, Seq
from hall.engine import Engine

router = APIRouter()


class DeviceStatusRequest(Body):
    """POST /api/v1/devices/status: a device needs attention (or is fine again)."""

    device: str = Field(min_length=1, max_length=64)
    state: str = Field(min_length=1, max_length=32)
    where: str = Field("", max_length=64)
    detail: str = Field("", max_length=200)


class SyncStatusRequest(Body):
    """POST /api/v1/sync/status: the sync agent's lag behind the hall."""

    #: every field strict: ``false`` is not 0, ``"3"`` not 3
    events_behind: Seq
    seconds_behind: Duration
    acked_seq: Seq = 0
    hall_seq: Seq = 0
    central_reachable: Annotated[bool, Strict()] | None = None
    last_error: str = Field("", max_length=200)
    last_push_at: PosixTime | None = None
    pending_submissions: Count = 0
    clock: PosixTime | None = None
    """The agent's clock (POSIX seconds) as it sends; health compares it with the node's."""


@router.post("/api/v1/devices/status", status_code=201, responses=error_answers())
async def device_status(body: DeviceStatusRequest, device: Device, node: Node) -> Response:
    """A device tells staff and technicians it needs attention (paper out …)."""
    allow(device, "device_status")
    where = body.where or device.name

    def operation(engine: Engine, now: datetime) -> tuple[dict, list]:
        return {"ok": True}, engine.device_status(body.device, body.state, now, where,
                                                  body.detail)
    return await run(node, operation, 201)


@router.post("/api/v1/sync/status", responses=error_answers())
async def sync_status(body: SyncStatusRequest, device: Device, request: Request) -> dict:
    """The sync agent reports its lag; shown as "sync" in /api/v1/health."""
    allow(device, "sync_status")
    request.app.state.sync_status = {**body.model_dump(),
                                     "reported_at": datetime.now(UTC).isoformat()}
    return {"ok": True}
