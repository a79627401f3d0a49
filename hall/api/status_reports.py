"""What the hall's machines report about themselves: a device that needs attention (paper
out …) and the sync agent's lag behind the hall (shown as "sync" in ``/api/v1/health``). Both
count in health (``hall/health.py``): a fault until the device reports it is fine again, a lag
or a clock past the hall's ``[rules]`` limits."""

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from pydantic import Field

from hall.api.dependencies import Body, Device, Node, allow, error_answers, run
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

    events_behind: int = Field(ge=0)
    seconds_behind: float = Field(ge=0)
    acked_seq: int = Field(0, ge=0)
    hall_seq: int = Field(0, ge=0)
    central_reachable: bool | None = None
    last_error: str = Field("", max_length=200)
    last_push_at: float | None = None
    pending_submissions: int = Field(0, ge=0)
    clock: float | None = Field(None, ge=0, allow_inf_nan=False)
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
