"""The hall node's API for cloud calling (云叫号): the lease protocol's messages and the remote
windows' outbox (for the sync agent), a window calling another hall (for its console), and
recommendations and referrals to other halls (for the kiosks). The protocol's own types are
``hall/protocol/``; see ``docs/cloud.md``.
"""

import logging
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from pydantic import Field, model_validator
from starlette.requests import HTTPConnection

from hall import views
from hall.api.dependencies import Body, Device, Node, allow, error_answers, run
from hall.api.tickets import RATE_ERRORS
from hall.bounds import PosixTime, WholeNumber
from hall.engine import Engine
from hall.errors import ErrorCode, QueueError, unknown_service
from hall.protocol.bodies import (
    HallId,
    ItemCode,
    Recommendation,
    ReferralError,
    ReferredPerson,
    ReferredTicket,
    RemoteChoice,
)
from hall.protocol.messages import Message, is_phone, message_from_dict, message_to_dict
from hall.schemas import TicketBody
from hall.state import Person

log = logging.getLogger("hallq.hall.remote")

router = APIRouter()

#: What a referred citizen's ticket may be refused with (``Engine.issue`` without an ID
#: number or an appointment).
INCOMING_ERRORS = (ErrorCode.UNKNOWN_SERVICE, ErrorCode.CLOSED, ErrorCode.CUTOFF,
                   ErrorCode.QUOTA_REACHED, ErrorCode.ID_LIMIT_REACHED)
#: What acting on the ticket of a referral may be refused with besides (``_referred``).
REFERRED_ERRORS = (ErrorCode.UNKNOWN_TICKET, ErrorCode.NOT_REFERRED, ErrorCode.WRONG_REFERRAL)

#: Recommendations older than this are not offered (the agent refreshes them every ~15 s).
RECOMMENDATIONS_FRESH_S = 60.0
#: Recommendations dated later than this ahead of the node's clock are refused (a few minutes
#: of clock skew between central and the node are allowed).
RECOMMENDATIONS_AHEAD_S = 300.0


class ChoiceRequest(Body):
    """POST /api/v1/leases/choices: central's answer to a window asking for remote work."""

    request: str = Field(min_length=1, max_length=128)
    window: str = Field(min_length=1, max_length=16)
    choice: RemoteChoice | None = None


class MessagesRequest(Body):
    """POST /api/v1/leases/messages: lease protocol messages relayed by central (each checked
    on its own: see the route)."""

    messages: list[Any] = Field(max_length=1000)


class RecommendationsRequest(Body):
    """PUT /api/v1/sync/recommendations: the city's best halls for each 通办 item."""

    at: PosixTime = Field(description="when central worked them out (Unix seconds)")
    items: dict[ItemCode, Annotated[list[Recommendation], Field(max_length=100)]] = Field(
        max_length=1000)


class ReferralRequest(Body):
    """POST /api/v1/referrals: send the citizen to another hall for an item."""

    item: str = Field(min_length=1, max_length=32)
    hall: HallId
    id_number: str | None = Field(None, max_length=32, description="from the ID card")


class IncomingReferral(Body):
    """POST /api/v1/referrals/incoming: issue the ticket of a citizen another hall referred
    here (the sync agent, once per referral central handed out)."""

    referral: str = Field(min_length=1, max_length=128)
    item: str = Field(min_length=1, max_length=32)
    from_hall: str = Field(min_length=1, max_length=64)
    person: ReferredPerson | None = None


class CancelReferred(Body):
    """POST /api/v1/referrals/incoming/cancel: the ticket issued for a withdrawn referral
    (none given: whichever this hall issued for it, if any)."""

    referral: str = Field(min_length=1, max_length=128)
    ticket: str | None = Field(None, min_length=1, max_length=64)


class RateReferred(Body):
    """POST /api/v1/referrals/incoming/rating: the citizen's rating, given on the phone, of
    the service of the ticket issued for a referral."""

    referral: str = Field(min_length=1, max_length=128)
    ticket: str = Field(min_length=1, max_length=64)
    level: WholeNumber = Field(ge=1, le=5)


class ReferralResult(Body):
    """POST /api/v1/referrals/{id}/result: the chosen hall's ticket, or why it refused
    (exactly one)."""

    ticket: ReferredTicket | None = None
    error: ReferralError | None = None

    @model_validator(mode="after")
    def _one(self) -> "ReferralResult":
        if (self.ticket is None) == (self.error is None):
            raise ValueError("give exactly one of ticket and error")
        return self


class Recommendations:
    """The latest recommendations pushed by the sync agent (kept in memory: they are
    refreshed every few seconds and are worth nothing once old)."""

    def __init__(self) -> None:
        self.at = 0.0
        self.items: dict[str, list[dict]] = {}

    def put(self, at: float, items: dict[str, list[dict]]) -> None:
        """Replace them all."""
        self.at, self.items = at, items

    def fresh(self, now: float) -> bool:
        """Whether they are recent enough to offer."""
        return now - self.at <= RECOMMENDATIONS_FRESH_S


async def recommendations_of(connection: HTTPConnection) -> Recommendations:
    """The app's latest recommendations (``app.state.recommendations``)."""
    return connection.app.state.recommendations


Latest = Annotated[Recommendations, Depends(recommendations_of)]


# ------------------------------------------------------------------ the sync agent
@router.get("/api/v1/leases/outbox", responses=error_answers())
async def outbox(device: Device, node: Node) -> Response:
    """What the agent must send now (remote windows' requests and lease messages, referrals).
    Calling it drives the protocol's retries: the agent calls it every second or so."""
    allow(device, "relay", None)
    return await run(node, lambda engine, now: engine.leasing.outbox(now))


@router.post("/api/v1/leases/choices",
             responses=error_answers(ErrorCode.UNKNOWN_REQUEST))
async def choices(body: ChoiceRequest, device: Device, node: Node) -> Response:
    """Central chose a ticket of another hall for a window (or none)."""
    allow(device, "relay", None)

    choice = body.choice.model_dump() if body.choice is not None else None

    def operation(engine: Engine, now: datetime) -> tuple[dict, list]:
        call, events = engine.leasing.remote_choice(body.window, body.request, choice, now)
        return engine.leasing.remote_view(call.window), events
    return await run(node, operation)


@router.post("/api/v1/leases/messages", responses=error_answers())
async def messages(body: MessagesRequest, device: Device, node: Node) -> Response:
    """Lease messages for this hall: requests are answered, answers taken note of.

    Each message is its own request, taken out of central's mailbox with the others: one
    that is not a lease message is refused alone (listed in ``refused`` with its index
    and the reason, changing nothing) and the others are handled. Refusing the whole
    batch would lose the good ones too (central's mailbox hands each out once) and stop
    the agent from acting on the rest of its mail."""
    allow(device, "relay", None)
    parsed: list[Message] = []
    refused: list[dict[str, Any]] = []
    reasons: list[str] = []
    for index, raw in enumerate(body.messages):
        try:
            parsed.append(message_from_dict(raw))
        except ValueError as err:
            reasons.append(f"#{index} {err}")
            refused.append({"index": index, "code": str(ErrorCode.BAD_REQUEST),
                            "message_zh": "租约消息格式有误", "message_en": str(err)})
    if refused:
        log.warning("%d of %d lease messages refused: %s", len(refused),
                    len(body.messages), "; ".join(reasons[:5]))
    if not parsed:
        return JSONResponse({"answers": [], "refused": refused})

    def operation(engine: Engine, now: datetime) -> tuple[dict, list]:
        answers, events = engine.leasing.handle(parsed, now)
        return {"answers": [message_to_dict(a) for a in answers], "refused": refused}, events
    return await run(node, operation)


@router.put("/api/v1/sync/recommendations", responses=error_answers())
async def put_recommendations(body: RecommendationsRequest, device: Device, node: Node,
                              recommendations: Latest) -> dict:
    """The city's best halls for this hall's 通办 items (from central, via the agent)."""
    allow(device, "relay", None)
    if body.at - node.clock().timestamp() > RECOMMENDATIONS_AHEAD_S:
        raise QueueError(
            ErrorCode.BAD_REQUEST,
            f"推荐数据的时间超前本机时钟{RECOMMENDATIONS_AHEAD_S:.0f}秒以上，请检查时钟",
            f"The recommendations are dated more than {RECOMMENDATIONS_AHEAD_S:.0f} s "
            "ahead of this node's clock; check the clocks", 422)
    recommendations.put(body.at, {code: [r.model_dump() for r in recs]
                                  for code, recs in body.items.items()})
    return {"items": len(body.items)}


@router.post("/api/v1/referrals/incoming", status_code=201,
             responses=error_answers(*INCOMING_ERRORS))
async def incoming_referral(body: IncomingReferral, device: Device, node: Node) -> Response:
    """A citizen referred here by another hall: their ticket (real-name when the other
    hall read their ID card: priority and per-ID limit as for a ticket taken here).
    Asked again for the same referral (central hands out one not answered), the same
    ticket."""
    allow(device, "relay", None)
    person = Person(**body.person.model_dump()) if body.person else None
    channel = "phone" if is_phone(body.from_hall) else "referral"
    log.info("referral %s from %s for %s", body.referral, body.from_hall, body.item)

    def operation(engine: Engine, now: datetime) -> tuple[TicketBody, list]:
        issued, events = engine.issue(body.item, now, channel=channel, person=person,
                                      referral=body.referral)
        return views.ticket_view(engine, issued.ticket, now, issued.ahead), events
    return await run(node, operation, 201)


@router.post("/api/v1/referrals/incoming/cancel",
             responses=error_answers(*REFERRED_ERRORS))
async def cancel_incoming(body: CancelReferred, device: Device, node: Node) -> Response:
    """The referring hall gave the citizen up: their ticket here is cancelled if it still
    waits (the answer says the ticket's status)."""
    allow(device, "relay", None)
    log.info("referral %s withdrawn: cancelling %s", body.referral, body.ticket)

    def operation(engine: Engine, now: datetime) -> tuple[TicketBody | dict, list]:
        ticket, events = engine.leasing.cancel_referred(body.ticket, now, body.referral)
        if ticket is None:
            return {"referral": body.referral, "status": "not_issued"}, events
        return views.ticket_view(engine, ticket, now), events
    return await run(node, operation)


@router.post("/api/v1/referrals/incoming/rating",
             responses=error_answers(*REFERRED_ERRORS, *RATE_ERRORS))
async def rate_incoming(body: RateReferred, device: Device, node: Node) -> Response:
    """A citizen referred here rated the finished service on the phone (好差评)."""
    allow(device, "relay", None)
    log.info("referral %s: rating of %s", body.referral, body.ticket)

    def operation(engine: Engine, now: datetime) -> tuple[TicketBody, list]:
        ticket, events = engine.leasing.rate_referred(body.ticket, body.level, now,
                                                      body.referral)
        return views.ticket_view(engine, ticket, now), events
    return await run(node, operation)


@router.post("/api/v1/referrals/{referral_id}/withdrawn",
             responses=error_answers(ErrorCode.UNKNOWN_REFERRAL))
async def referral_withdrawn(referral_id: str, device: Device, node: Node) -> Response:
    """Central has this hall's withdrawal of a referral answered too late."""
    allow(device, "relay", None)

    def operation(engine: Engine, now: datetime) -> tuple[dict, list]:
        referral, events = engine.leasing.referral_withdrawn(referral_id, now)
        return referral.public(), events
    return await run(node, operation)


@router.post("/api/v1/referrals/{referral_id}/result",
             responses=error_answers(ErrorCode.UNKNOWN_REFERRAL))
async def referral_result(referral_id: str, body: ReferralResult, device: Device, node: Node
                          ) -> Response:
    """The chosen hall issued the referred citizen's ticket (or refused)."""
    allow(device, "relay", None)
    ticket = body.ticket.model_dump(exclude_unset=True) if body.ticket else None
    error = body.error.model_dump() if body.error else None

    def operation(engine: Engine, now: datetime) -> tuple[dict, list]:
        referral, events = engine.leasing.referral_result(referral_id, ticket, error, now)
        return referral.public(), events
    return await run(node, operation)


# ------------------------------------------------------------------ the kiosk
@router.get("/api/v1/recommend", responses=error_answers(ErrorCode.UNKNOWN_SERVICE))
async def recommend(item: str, device: Device, node: Node, recommendations: Latest
                    ) -> dict:
    """Other halls where a 通办 item would be done sooner (travel + wait), best first: only
    those worth the trip by the hall's ``[cloud]`` settings (``TripRules``)."""
    allow(device, "read", None)

    def read(engine: Engine, now: datetime) -> dict:
        found = engine.config.items.get(item)
        if found is None:
            raise unknown_service(item)
        ahead = engine.lines.in_line(found.theme)
        here = engine.expected_wait(found.theme, ahead, now)
        fresh = recommendations.fresh(now.timestamp())
        trip = engine.config.trip
        halls = [r for r in recommendations.items.get(found.code, [])
                 if r["hall"] != engine.config.hall_id
                 and trip.worth(here - r["expected_total_s"], r["travel_s"])] if (
            found.anywhere and fresh) else []
        return {"item": found.code, "here": {"hall": engine.config.hall_id,
                                             "wait_s": here},
                "halls": sorted(halls, key=lambda r: r["expected_total_s"]),
                "at": recommendations.at, "stale": not fresh}
    return node.read(read)


@router.post("/api/v1/referrals", status_code=202, responses=error_answers(
    ErrorCode.UNKNOWN_SERVICE, ErrorCode.NOT_ANYWHERE, ErrorCode.INVALID_ID_NUMBER))
async def refer(body: ReferralRequest, device: Device, node: Node) -> Response:
    """Send the citizen to another hall: its ticket is issued there (跨厅取号)."""
    allow(device, "issue", None)

    def operation(engine: Engine, now: datetime) -> tuple[dict, list]:
        referral, events = engine.leasing.refer(body.item, body.hall, now, body.id_number)
        return referral.public(), events
    return await run(node, operation, 202)


@router.get("/api/v1/referrals/{referral_id}",
            responses=error_answers(ErrorCode.UNKNOWN_REFERRAL))
async def get_referral(referral_id: str, device: Device, node: Node) -> dict:
    """A referral's state: pending, issued (with the other hall's ticket), refused, or
    withdrawing / withdrawn (answered too late: the citizen takes a number here)."""
    allow(device, "read", None)
    return node.read(lambda engine, now: engine.leasing.referral(referral_id).public())


# ------------------------------------------------------------------ the console
@router.get("/api/v1/windows/{window}/remote",
            responses=error_answers(ErrorCode.UNKNOWN_WINDOW))
async def remote_state(window: str, device: Device, node: Node) -> dict:
    """The window's remote call (远程叫号): idle, choosing, requesting, calling, …"""
    allow(device, "read", None)
    return node.read(lambda engine, now: engine.leasing.remote_view(window))


@router.post("/api/v1/windows/{window}/remote-call", status_code=202, responses=error_answers(
    ErrorCode.UNKNOWN_WINDOW, ErrorCode.NO_VIDEO, ErrorCode.WINDOW_CLOSED,
    ErrorCode.WINDOW_PAUSED, ErrorCode.WINDOW_BUSY, ErrorCode.REMOTE_BUSY))
async def remote_call(window: str, device: Device, node: Node) -> Response:
    """Nobody waits here: ask central for a ticket waiting at another hall."""
    allow(device, "window", window)

    def operation(engine: Engine, now: datetime) -> tuple[dict, list]:
        call, events = engine.leasing.remote_call(window, now)
        return engine.leasing.remote_view(call.window), events
    return await run(node, operation, 202)


def _remote_step_endpoint(step: str) -> Any:
    async def endpoint(window: str, device: Device, node: Node) -> Response:
        allow(device, "window", window)

        def operation(engine: Engine, now: datetime) -> tuple[dict, list]:
            call, events = engine.leasing.remote_step(window, step, now)
            return engine.leasing.remote_view(call.window), events
        return await run(node, operation)
    endpoint.__doc__ = {"at_booth": "The citizen is at the home hall's video booth: start.",
                        "served": "The remote service is over.",
                        "give_up": "Stop the remote call before serving."}[step]
    return endpoint


#: The console's steps of a remote call: ``POST /api/v1/windows/{window}/<path>`` → the
#: ``RemoteLease`` step.
REMOTE_STEPS = {"remote-start": "at_booth", "remote-finish": "served",
                "remote-cancel": "give_up"}
for path, step in REMOTE_STEPS.items():
    router.add_api_route(f"/api/v1/windows/{{window}}/{path}", _remote_step_endpoint(step),
                         methods=["POST"], name=f"window_remote_{step}",
                         responses=error_answers(ErrorCode.UNKNOWN_WINDOW, ErrorCode.BAD_STATE))
