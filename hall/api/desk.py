"""The service desk's reader (``hallq desk-agent`` beside the desk's PC): an ID card swiped
there reaches the desk's web page (``hall/web/desk.py``) of the staff member signed in at that
desk. The node keeps the card's keyed hash and masked number only (:mod:`hall.desk_cards`)."""

from datetime import datetime

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field

from hall.api.dependencies import Body, Device, Node, allow, error_answers
from hall.desk_cards import DeskCards
from hall.engine import Engine
from hall.errors import ErrorCode
from hall.state import Person

router = APIRouter()


class CardRequest(Body):
    """POST /api/v1/desk/card: the ID number the desk's reader read."""

    id_number: str = Field(min_length=1, max_length=32, description="resident ID number")


@router.get("/api/v1/desk", responses=error_answers())
async def this_desk(device: Device) -> dict[str, str]:
    """This desk device's name: the ``printer`` a reprint at this desk names
    (``ticket.printed``)."""
    allow(device, "desk_card")
    return {"name": device.name}


@router.post("/api/v1/desk/card", responses=error_answers(ErrorCode.INVALID_ID_NUMBER))
async def card_swiped(body: CardRequest, device: Device, node: Node, request: Request
                      ) -> Response:
    """An ID card swiped at this desk: the desk's page shows the citizen's tickets of today.
    Answers the swipe's number, the masked ID number and how many tickets it has today."""
    allow(device, "desk_card")
    person, count = node.read(lambda engine, now: _person_and_count(engine, body.id_number,
                                                                     now))
    cards: DeskCards = request.app.state.desk_cards
    swipe = cards.swiped(device.name, person.id_hash, person.id_masked,
                         node.clock().timestamp())
    return JSONResponse({"swipe": swipe.number, "id_masked": person.id_masked,
                         "tickets_today": count})


def _person_and_count(engine: Engine, id_number: str, now: datetime) -> tuple[Person, int]:
    """Who the card names, and how many tickets they took today."""
    person = engine.person(id_number, now.astimezone(engine.config.timezone).date())
    return person, len(engine.state.by_id_hash.get(person.id_hash, ()))
