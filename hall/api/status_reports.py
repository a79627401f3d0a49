"""What the hall's machines report about themselves: a device that needs attention (paper
out …), each app's heartbeat (its devices' states and its clock, every ~20 s), and the sync
agent's lag behind the hall (shown as "sync" in ``/api/v1/health``). All count in health
(``hall/health.py``): a fault until the device reports it is fine again, an app silent or a
lag or a clock past the hall's ``[rules]`` limits."""

import time
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field, Strict

from hall.api.dependencies import Body, Device, Node, allow, error_answers, run
from hall.bounds import Count, Duration, PosixTime, Seq
from hall.device_book import DeviceReport
from hall.engine import Engine

router = APIRouter()


class DeviceStatusRequest(Body):
    """POST /api/v1/devices/status: a device needs attention (or is fine again)."""

    device: str = Field(min_length=1, max_length=64)
    state: str = Field(min_length=1, max_length=32)
    where: str = Field("", max_length=64)
    detail: str = Field("", max_length=200)


class AttachedState(Body):
    """One device of an app in a heartbeat, and its state (``ready``, ``paper_out`` …)."""

    device: str = Field(min_length=1, max_length=64)
    state: str = Field(min_length=1, max_length=32)
    detail: str = Field("", max_length=200)


class HeartbeatRequest(Body):
    """POST /api/v1/devices/heartbeat: an app is alive; its clock and its devices' states."""

    clock: PosixTime
    """The app's clock (POSIX seconds) as it sends; health compares it with the node's."""
    where: str = Field("", max_length=64)
    """The name its devices are reported under (default: the token's device name)."""
    devices: list[AttachedState] = Field(default_factory=list, max_length=16)


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
    node.device_book.heard_app(device.name, device.role, time.time())

    def operation(engine: Engine, now: datetime) -> tuple[dict, list]:
        return {"ok": True}, engine.device_status(body.device, body.state, now, where,
                                                  body.detail)
    return await run(node, operation, 201)


@router.post("/api/v1/devices/heartbeat", responses=error_answers())
async def heartbeat(body: HeartbeatRequest, device: Device, node: Node) -> Response:
    """An app says it is alive, what time it has, and how its devices are; a state new to the
    node is written as a ``device.status`` event (an unchanged one writes nothing)."""
    allow(device, "device_status")
    where = body.where or device.name
    now = time.time()
    node.device_book.heard_app(device.name, device.role, now, body.clock)
    changed = node.device_book.heard_devices(
        where, [DeviceReport(d.device, d.state, d.detail) for d in body.devices], now)
    if not changed:
        return JSONResponse({"ok": True})

    def operation(engine: Engine, at: datetime) -> tuple[dict, list]:
        return {"ok": True}, [event for d in changed for event in engine.device_status(
            d.device, d.state, at, where, d.detail)]
    return await run(node, operation)


@router.post("/api/v1/sync/status", responses=error_answers())
async def sync_status(body: SyncStatusRequest, device: Device, request: Request) -> dict:
    """The sync agent reports its lag; shown as "sync" in /api/v1/health."""
    allow(device, "sync_status")
    request.app.state.sync_status = {**body.model_dump(),
                                     "reported_at": datetime.now(UTC).isoformat()}
    return {"ok": True}
