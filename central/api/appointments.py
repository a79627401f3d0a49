"""Appointments at central (``central/appointments.py``): booked by a hall (or an admin) for a
slot, read and cancelled by the citizen with its code, found by keyed ID hash, listed per
hall and day."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from central import appointments
from central.api.dependencies import ID_FIELD, Body, Caller, Db
from central.api.error_handlers import error_answers
from hall.bounds import PosixTime
from hall.errors import ErrorCode

router = APIRouter()


class BookingRequest(Body):
    """POST /api/v1/appointments."""

    hall_id: str = ID_FIELD
    service: str = Field(min_length=1, max_length=32, description="theme prefix or item code")
    slot_start: PosixTime
    slot_end: PosixTime
    id_hash: str | None = Field(None, pattern=r"^[0-9a-f]{64}$",
                                description="keyed hash of the ID number, never the number")


@router.post("/api/v1/appointments", status_code=201,
             responses=error_answers(ErrorCode.UNKNOWN_SERVICE))
def book(body: BookingRequest, who: Caller, db: Db) -> dict:
    """Book a slot at a hall (admin, or the hall itself for its own slots)."""
    who.require_hall(body.hall_id)
    return appointments.book(db, body.hall_id, body.service, body.slot_start,
                             body.slot_end, body.id_hash)


@router.get("/api/v1/appointments/{code}",
            responses=error_answers(ErrorCode.NOT_FOUND, credential=False))
def appointment(code: str, db: Db) -> dict:
    """An appointment by its code (the code is the citizen's secret)."""
    found = appointments.get(db, code)
    found.pop("id_hash")
    return found


@router.delete("/api/v1/appointments/{code}",
               responses=error_answers(ErrorCode.NOT_FOUND, credential=False))
def cancel_appointment(code: str, db: Db) -> dict:
    """Cancel an appointment by its code."""
    found = appointments.cancel(db, code)
    found.pop("id_hash")
    return found


@router.get("/api/v1/appointments", responses=error_answers())
def appointments_by_id_hash(who: Caller, db: Db, id_hash: Annotated[str, Query(
        pattern=r"^[0-9a-f]{64}$")]) -> dict:
    """Appointments booked with a keyed ID hash: a hall sees its own, an admin all."""
    hall = None if who.is_admin else who.hall_id
    return {"appointments": appointments.find_by_id_hash(db, id_hash, hall)}


@router.get("/api/v1/halls/{hall_id}/appointments", responses=error_answers())
def day_list(hall_id: str, who: Caller, db: Db,
             day: Annotated[str, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")]) -> dict:
    """The hall's appointments of a day, cancelled ones included."""
    who.require_hall(hall_id)
    return {"hall_id": hall_id, "day": day,
            "appointments": appointments.day_list(db, hall_id, day)}
