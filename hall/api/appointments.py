"""Appointments the central platform or staff booked, recorded so that their holders can check
in for a priority ticket."""

from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import Field

from hall.api.dependencies import Body, Device, Node, allow, error_answers, run
from hall.bounds import PosixTime
from hall.engine import Engine
from hall.errors import ErrorCode, unknown_service
from hall.state import Appointment

router = APIRouter()


class AppointmentRequest(Body):
    """POST /api/v1/appointments: a booking the central platform or staff made."""

    id: str = Field(min_length=1, max_length=64)
    service: str = Field(min_length=1, max_length=32)
    slot_start: PosixTime
    slot_end: PosixTime
    id_hash: str | None = Field(None, max_length=128)


@router.post("/api/v1/appointments", status_code=201,
             responses=error_answers(ErrorCode.UNKNOWN_SERVICE))
async def save_appointment(body: AppointmentRequest, device: Device, node: Node) -> Response:
    """Record an appointment so that its holder can check in for a priority ticket."""
    allow(device, "appointments")

    def operation(engine: Engine, now: datetime) -> tuple[dict, list]:
        found = engine.config.resolve_service(body.service)
        if found is None:
            raise unknown_service(body.service)
        theme, item = found
        appointment = Appointment(id=body.id, theme=theme.prefix,
                                  item=item.code if item else None,
                                  slot_start=body.slot_start, slot_end=body.slot_end,
                                  id_hash=body.id_hash)
        return {"id": body.id, "service": theme.prefix}, engine.save_appointment(
            appointment, now)
    return await run(node, operation, 201)
