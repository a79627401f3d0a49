"""The hall node's LAN API (FastAPI), versioned under ``/api/v1``.

Every call but ``/api/v1/health`` and the phone page needs a paired device token
(``Authorization: Bearer …``, from ``hallq pair``) whose role allows it; a caller's token is
bound to its window. Errors are JSON ``{"code", "message_zh", "message_en"}`` with a 4xx status.
"""


import asyncio
import html
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Query, Request, Response, WebSocket, WebSocketDisconnect
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from hall import views
from hall.api_cloud import add_remote_routes
from hall.engine import Engine
from hall.errors import QueueError
from hall.hub import EventHub
from hall.node import HallNode, InternalError, Operation
from hall.state import Appointment
from hall.store import PairedDevice, StoreError

log = logging.getLogger("hallq.api")

API_VERSION = "1"
ALL_ROLES = frozenset({"kiosk", "caller", "display", "sync", "admin"})
#: What each kind of call needs. A caller may act only on its own window.
PERMISSIONS: dict[str, frozenset[str]] = {
    "read": ALL_ROLES,
    "issue": frozenset({"kiosk", "caller", "sync", "admin"}),   # sync: referred citizens
    "ticket": frozenset({"kiosk", "caller", "admin"}),
    "green": frozenset({"caller", "admin"}),
    "window": frozenset({"caller", "admin"}),
    "appointments": frozenset({"sync", "admin"}),
    "device_status": ALL_ROLES,
    "sync_status": frozenset({"sync", "admin"}),
    "relay": frozenset({"sync", "admin"}),      # cloud calling: what central relays
}
STORE_UNAVAILABLE = ("store_unavailable", "系统暂时无法保存，请稍后重试",
                     "The hall cannot save right now; try again")
INTERNAL_ERROR = ("internal_error", "系统内部错误，请重试", "Internal error; try again")


def bearer_token(header: str) -> str | None:
    """The token of an ``Authorization: Bearer …`` header; None for any other scheme."""
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


#: Seconds a token's device is trusted before the store is asked again: ``hallq revoke``
#: (from another process) takes effect within this long, without a restart.
TOKEN_RECHECK_S = 5.0


class DeviceTokens:
    """The paired device of each token, looked up in the store at most every
    ``TOKEN_RECHECK_S`` seconds per token (so a revoked device is refused soon after)."""

    def __init__(self, node: HallNode) -> None:
        self._node = node
        self._known: dict[str, tuple[PairedDevice, float]] = {}

    def device_of(self, token: str | None) -> PairedDevice:
        """The device paired with ``token``; a 401 QueueError when there is none."""
        if not token:
            raise QueueError("unauthorized", "设备未配对", "A paired device token is required",
                             status=401)
        known = self._known.get(token)
        now = time.monotonic()
        if known is not None and now - known[1] < TOKEN_RECHECK_S:
            return known[0]
        device = self._node.store.device_for(token)
        if device is None:
            self._known.pop(token, None)
            raise QueueError("unauthorized", "设备令牌无效", "Unknown device token",
                             status=401)
        self._known[token] = (device, now)
        return device


def _still_paired(tokens: DeviceTokens, token: str | None) -> bool:
    """Whether ``token`` still belongs to a paired device (checked against the store at most
    every ``TOKEN_RECHECK_S``)."""
    try:
        tokens.device_of(token)
    except QueueError:
        return False
    return True


def allow(device: PairedDevice, what: str, window: str | None = None) -> None:
    """Refuse (403) unless the device's role may do ``what``; a caller only on its window."""
    if device.role not in PERMISSIONS[what]:
        raise QueueError("forbidden", "该设备无权执行此操作",
                         f"A {device.role} device may not do this", status=403)
    if window is not None and device.role == "caller" and device.window != window:
        raise QueueError("forbidden", "只能操作本窗口",
                         f"This console is paired to window {device.window}", status=403)


class Body(BaseModel):
    """Base of request bodies: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")


class TicketRequest(Body):
    """POST /api/v1/tickets."""

    service: str = Field(min_length=1, max_length=32, description="theme prefix or item code")
    id_number: str | None = Field(None, max_length=32, description="resident ID number")
    channel: Literal["kiosk", "appointment", "phone", "staff", "referral"] = "kiosk"
    appointment_id: str | None = Field(None, max_length=64)


class RatingRequest(Body):
    """POST /api/v1/tickets/{id}/rating."""

    level: int = Field(ge=1, le=5, strict=True, description="5 非常满意 … 1 非常不满意")


class TransferRequest(Body):
    """POST /api/v1/windows/{window}/transfer: exactly one of the two."""

    to_service: str | None = Field(None, max_length=32)
    to_window: str | None = Field(None, max_length=16)


class OpenRequest(Body):
    """POST /api/v1/windows/{window}/open (optionally naming the staff member)."""

    staff_id: str | None = Field(None, max_length=32)


class SignInRequest(Body):
    """POST /api/v1/windows/{window}/sign-in: a PIN or a badge UID."""

    staff_id: str | None = Field(None, max_length=32)
    pin: str | None = Field(None, max_length=32)
    badge_uid: str | None = Field(None, max_length=64)


class GreenRequest(Body):
    """POST /api/v1/tickets/{id}/green."""

    green: bool = True


class AppointmentRequest(Body):
    """POST /api/v1/appointments: a booking the central platform or staff made."""

    id: str = Field(min_length=1, max_length=64)
    service: str = Field(min_length=1, max_length=32)
    slot_start: float
    slot_end: float
    id_hash: str | None = Field(None, max_length=128)


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


def _error(status: int, code: str, zh: str, en: str) -> JSONResponse:
    return JSONResponse({"code": code, "message_zh": zh, "message_en": en}, status_code=status)


def create_app(node: HallNode, hub: EventHub | None = None) -> FastAPI:
    """The API of one hall node (the node must be started by the caller)."""
    hub = hub or EventHub(node.config.hall_id)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        hub.bind(asyncio.get_running_loop())
        yield

    app = FastAPI(title="hallq hall node", version=API_VERSION, lifespan=lifespan,
                  description="LAN API of a hallq hall node (政务服务大厅叫号)")
    app.state.node = node
    app.state.hub = hub
    app.state.sync_status = None
    node.add_listener(hub.publish_threadsafe)
    app.state.device_tokens = device_tokens = DeviceTokens(node)
    device_of = device_tokens.device_of

    # ------------------------------------------------------------------ errors
    @app.exception_handler(QueueError)
    async def _queue_error(_: Request, err: QueueError) -> JSONResponse:
        return JSONResponse(err.to_dict(), status_code=err.status)

    @app.exception_handler(RequestValidationError)
    async def _bad_body(_: Request, err: RequestValidationError) -> JSONResponse:
        where = "; ".join(".".join(str(p) for p in e["loc"]) + ": " + e["msg"]
                          for e in err.errors())
        return _error(422, "bad_request", "请求内容有误", f"Bad request: {where}")

    @app.exception_handler(StoreError)
    async def _store_error(_: Request, err: StoreError) -> JSONResponse:
        return _error(503, *STORE_UNAVAILABLE)

    @app.exception_handler(InternalError)
    async def _internal(_: Request, err: InternalError) -> JSONResponse:
        return _error(500, *INTERNAL_ERROR)

    # ------------------------------------------------------------------ auth
    async def bearer(request: Request) -> PairedDevice:
        return device_of(bearer_token(request.headers.get("authorization", "")))

    Device = Annotated[PairedDevice, Depends(bearer)]

    async def run(operation: Any, status: int = 200) -> Response:
        """Run a write through the node; the answer is sent once it is on disk."""
        result = await node.submit_async(operation)
        if result is None:
            return Response(status_code=204)
        return JSONResponse(result, status_code=status)

    # ------------------------------------------------------------------ reads
    @app.get("/api/v1/health")
    async def health() -> dict:
        """Liveness; no token needed."""
        return {"status": "ok", "hall_id": node.config.hall_id, "api_version": API_VERSION,
                "last_seq": node.store.last_seq, "time": datetime.now(UTC).isoformat(),
                "subscribers": hub.subscribers, "writes": node.write_stats,
                "sync": app.state.sync_status}

    @app.get("/api/v1/hall")
    async def hall_info(device: Device) -> dict:
        """The hall's name and the calling rules in force."""
        allow(device, "read")
        rules = node.config.rules
        return {"hall_id": node.config.hall_id, "name_zh": node.config.name_zh,
                "name_en": node.config.name_en, "timezone": str(node.config.timezone),
                "open": rules.open_time.strftime("%H:%M"),
                "close": rules.close_time.strftime("%H:%M"), "open_all_day": rules.open_all_day,
                "elderly_age": rules.elderly_age, "max_recalls": rules.max_recalls,
                "device": {"role": device.role, "window": device.window, "name": device.name}}

    @app.get("/api/v1/services")
    async def services(device: Device) -> Response:
        """Themes and items with people waiting and the wait a new ticket would get."""
        allow(device, "read")
        return JSONResponse(node.read(views.services_view))

    @app.get("/api/v1/windows")
    async def windows(device: Device) -> Response:
        """Every window: skills, status, current ticket."""
        allow(device, "read")
        return JSONResponse(node.read(lambda engine, now: views.windows_view(engine)))

    @app.get("/api/v1/windows/{window}/queue")
    async def window_queue(window: str, device: Device) -> Response:
        """The numbers waiting for this window's skills, in calling order."""
        allow(device, "read")

        def read(engine: Engine, now: datetime) -> list[dict]:
            engine._window(window)
            return views.window_queue_view(engine, window, now)
        return JSONResponse(node.read(read))

    @app.get("/api/v1/stats/today")
    async def stats(device: Device) -> Response:
        """Today's figures per theme and the rating shares."""
        allow(device, "read")
        return JSONResponse(node.read(views.stats_view))

    @app.get("/api/v1/tickets/{ticket_id}")
    async def get_ticket(ticket_id: str, device: Device) -> Response:
        """A ticket's status and position."""
        allow(device, "read")
        return JSONResponse(_ticket_or_404(node, ticket_id))

    @app.get("/api/v1/events")
    async def events(device: Device, after: Annotated[int, Query(ge=0)] = 0,
                     limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> Response:
        """Committed events after a sequence number, oldest first."""
        allow(device, "read")
        found = await asyncio.to_thread(node.store.events_after, after, limit)
        return JSONResponse({"events": [_event_dict(node, e) for e in found],
                             "last_seq": node.store.last_seq})

    # ------------------------------------------------------------------ tickets
    @app.post("/api/v1/tickets", status_code=201)
    async def issue(body: TicketRequest, device: Device) -> Response:
        """Take a number (取号)."""
        allow(device, "issue")
        return await run(issue_operation(body), 201)

    async def ticket_op(ticket_id: str, method: str, *args: Any) -> Response:
        def operation(engine: Engine, now: datetime) -> tuple[dict, list]:
            ticket, events = getattr(engine, method)(ticket_id, *args, now) if method == "rate" \
                else getattr(engine, method)(ticket_id, now, *args)
            return views.ticket_view(engine, ticket, now), events
        return await run(operation)

    @app.post("/api/v1/tickets/{ticket_id}/rating")
    async def rate(ticket_id: str, body: RatingRequest, device: Device) -> Response:
        """Rate a finished service on five levels."""
        allow(device, "ticket")
        return await ticket_op(ticket_id, "rate", body.level)

    @app.post("/api/v1/tickets/{ticket_id}/recheck-in")
    async def recheck_in(ticket_id: str, device: Device) -> Response:
        """A no-show checks in again and goes a few places back."""
        allow(device, "ticket")
        return await ticket_op(ticket_id, "recheck_in")

    @app.post("/api/v1/tickets/{ticket_id}/cancel")
    async def cancel(ticket_id: str, device: Device) -> Response:
        """Give up a waiting ticket."""
        allow(device, "ticket")
        return await ticket_op(ticket_id, "cancel")

    @app.post("/api/v1/tickets/{ticket_id}/green")
    async def green(ticket_id: str, body: GreenRequest, device: Device) -> Response:
        """Put a waiting ticket on (or off) the green channel."""
        allow(device, "green")
        return await ticket_op(ticket_id, "set_green", body.green)

    # ------------------------------------------------------------------ windows
    async def window_op(window: str, method: str, **kwargs: Any) -> Response:
        return await run(window_operation(window, method, **kwargs))

    @app.post("/api/v1/windows/{window}/call", responses={204: {"description": "nobody waits"}})
    async def call(window: str, device: Device) -> Response:
        """Call the next ticket for this window's skills; 204 when nobody waits."""
        allow(device, "window", window)
        return await window_op(window, "call_next")

    for path, method in (("recall", "recall"), ("serve", "start_serving"),
                         ("no-show", "no_show"), ("finish", "finish"), ("pause", "pause"),
                         ("resume", "resume"), ("close", "close_window")):
        app.add_api_route(f"/api/v1/windows/{{window}}/{path}", _window_endpoint(
            method, allow, window_op, bearer), methods=["POST"], name=f"window_{method}")

    @app.post("/api/v1/windows/{window}/transfer")
    async def transfer(window: str, body: TransferRequest, device: Device) -> Response:
        """Transfer the current ticket to a theme or a named window, keeping its arrival."""
        allow(device, "window", window)
        return await window_op(window, "transfer", to_service=body.to_service,
                               to_window=body.to_window)

    @app.post("/api/v1/windows/{window}/open")
    async def open_window(window: str, device: Device, body: OpenRequest | None = None) -> Response:
        """Open the window."""
        allow(device, "window", window)
        return await window_op(window, "open_window", staff_id=body.staff_id if body else None)

    @app.post("/api/v1/windows/{window}/sign-in")
    async def sign_in(window: str, body: SignInRequest, device: Device) -> Response:
        """Staff sign in with a PIN or a badge; the window opens with them."""
        allow(device, "window", window)
        staff_id = _check_staff(node, body)
        return await window_op(window, "open_window", staff_id=staff_id)

    # ------------------------------------------------------------------ others
    @app.post("/api/v1/appointments", status_code=201)
    async def save_appointment(body: AppointmentRequest, device: Device) -> Response:
        """Record an appointment so that its holder can check in for a priority ticket."""
        allow(device, "appointments")

        def operation(engine: Engine, now: datetime) -> tuple[dict, list]:
            found = engine.config.resolve_service(body.service)
            if found is None:
                raise QueueError("unknown_service", "没有该业务",
                                 f"No such service: {body.service}", status=404)
            theme, item = found
            appointment = Appointment(id=body.id, theme=theme.prefix,
                                      item=item.code if item else None,
                                      slot_start=body.slot_start, slot_end=body.slot_end,
                                      id_hash=body.id_hash)
            return {"id": body.id, "service": theme.prefix}, engine.save_appointment(
                appointment, now)
        return await run(operation, 201)

    @app.post("/api/v1/devices/status", status_code=201)
    async def device_status(body: DeviceStatusRequest, device: Device) -> Response:
        """A device tells staff and technicians it needs attention (paper out …)."""
        allow(device, "device_status")
        where = body.where or device.name

        def operation(engine: Engine, now: datetime) -> tuple[dict, list]:
            return {"ok": True}, engine.device_status(body.device, body.state, now, where,
                                                      body.detail)
        return await run(operation, 201)

    @app.post("/api/v1/sync/status")
    async def sync_status(body: SyncStatusRequest, device: Device) -> dict:
        """The sync agent reports its lag; shown as "sync" in /api/v1/health."""
        allow(device, "sync_status")
        app.state.sync_status = {**body.model_dump(),
                                 "reported_at": datetime.now(UTC).isoformat()}
        return {"ok": True}

    @app.websocket("/api/v1/stream")
    async def stream(websocket: WebSocket, after: int = 0, token: str | None = None) -> None:
        """Every event as it commits, after those with seq > ``after`` that already exist."""
        header = websocket.headers.get("authorization", "")
        token = token or header.partition(" ")[2].strip() or None
        try:
            device = device_of(token)
            allow(device, "read")
        except QueueError as refused:
            # Accept first: a close before accept reaches the client as a bare HTTP 403,
            # and the technician would not learn whether the token is unknown or forbidden.
            await websocket.accept()
            await websocket.close(code=4401 if refused.status == 401 else 4403,
                                  reason=refused.code)
            return
        await websocket.accept()
        subscription = hub.subscribe()

        async def until_disconnect() -> None:
            # a client that leaves while the hall is quiet is noticed at once, not at the next
            # event (nor, at shutdown, by cancelling this handler)
            try:
                while (await websocket.receive())["type"] != "websocket.disconnect":
                    pass
            finally:
                subscription.close()
        gone = asyncio.ensure_future(until_disconnect())
        try:
            sent = after
            while not subscription.closed:
                backlog = await asyncio.to_thread(node.store.events_after, sent, 1000)
                for event in backlog:
                    await websocket.send_text(hub.encode(event))
                    sent = event.seq
                if len(backlog) < 1000:
                    break
            pending = subscription.pending
            while not subscription.closed:
                if pending and not _still_paired(device_tokens, token):
                    # revoked (hallq revoke) while connected: nothing more for this device
                    await websocket.close(code=4401, reason="unauthorized")
                    return
                while pending:
                    seq, text = pending.popleft()
                    if seq > sent:          # already sent from the backlog
                        await websocket.send_text(text)
                        sent = seq
                if subscription.overflowed:
                    await websocket.close(code=1013, reason="fell behind; reconnect with after")
                    return
                await subscription.wait()
        except WebSocketDisconnect:
            pass
        finally:
            gone.cancel()
            if gone.done() and not gone.cancelled():
                gone.exception()       # a connection that broke is just a disconnect
            hub.unsubscribe(subscription)

    @app.get("/t/{ticket_id}", response_class=HTMLResponse)
    async def phone_page(ticket_id: str) -> HTMLResponse:
        """The ticket's phone page (the QR code on the ticket): status, people ahead, wait."""
        try:
            ticket = _ticket_or_404(node, ticket_id)
        except QueueError:
            return HTMLResponse(_page("票号不存在 / Ticket not found", ""), status_code=404)
        return HTMLResponse(_page(f"{ticket['number']} {ticket['service_name_zh']}",
                                  _phone_body(ticket, node.config.name_zh)))

    add_remote_routes(app, node, bearer, allow, run)
    return app


def issue_operation(body: TicketRequest) -> Operation:
    """The node operation of ``POST /api/v1/tickets``: the ticket, people ahead and wait."""
    def operation(engine: Engine, now: datetime) -> tuple[dict, list]:
        issued, events = engine.issue(body.service, now, id_number=body.id_number,
                                      channel=body.channel,
                                      appointment_id=body.appointment_id)
        return views.ticket_view(engine, issued.ticket, now, issued.ahead,
                                 issued.expected_wait_s), events
    return operation


def window_operation(window: str, method: str, **kwargs: Any) -> Operation:
    """The node operation of ``POST /api/v1/windows/{window}/…``: ``Engine.<method>`` and the
    ticket or window it leaves (None: nothing to answer)."""
    def operation(engine: Engine, now: datetime) -> tuple[Any, list]:
        result, events = getattr(engine, method)(window, now, **kwargs)
        if result is None:
            return None, events
        if hasattr(result, "sort_key"):
            return views.ticket_view(engine, result, now), events
        return next(w for w in views.windows_view(engine) if w["number"] == window), events
    return operation


def _window_endpoint(method: str, allow: Any, window_op: Any, bearer: Any) -> Any:
    async def endpoint(window: str, device: Annotated[PairedDevice, Depends(bearer)]) -> Response:
        allow(device, "window", window)
        return await window_op(window, method)
    endpoint.__doc__ = f"Window operation: {method.replace('_', ' ')}."
    return endpoint


def _event_dict(node: HallNode, event: Any) -> dict:
    data = event.to_dict()
    data["hall_id"] = node.config.hall_id
    return data


def _ticket_or_404(node: HallNode, ticket_id: str) -> dict:
    def read(engine: Engine, now: datetime) -> dict | None:
        ticket = engine.state.tickets.get(ticket_id)
        return views.ticket_view(engine, ticket, now) if ticket else None
    found = node.read(read)
    if found is None:
        old = node.store.find_ticket(ticket_id)
        if old is None:
            raise QueueError("unknown_ticket", "票号不存在", "Ticket not found", status=404)
        found = node.read(lambda engine, now: views.ticket_view(engine, old, now))
    return found


def _check_staff(node: HallNode, body: SignInRequest) -> str:
    staff = node.config.staff
    if body.badge_uid:
        for badge_holder in staff.values():
            if badge_holder.badge_uid and badge_holder.badge_uid.upper() == body.badge_uid.upper():
                return badge_holder.id
        raise QueueError("bad_credentials", "工作证未登记", "Unknown staff badge", status=401)
    person = staff.get(body.staff_id or "")
    if person is None or not person.pin_matches(body.pin or ""):
        raise QueueError("bad_credentials", "工号或密码错误", "Wrong staff id or PIN", status=401)
    return person.id


_STATUS_ZH = {"waiting": "等待中", "called": "已叫号，请前往窗口", "serving": "办理中",
              "finished": "已办结", "no_show": "已过号", "cancelled": "已取消",
              "leased": "已叫号，请前往视频服务区"}


def _phone_body(ticket: dict, hall_name: str) -> str:
    status = ticket["status"]
    lines = [f"<p class=hall>{html.escape(hall_name)}</p>",
             f"<p class=num>{html.escape(ticket['number'])}</p>",
             f"<p>{html.escape(ticket['service_name_zh'])} "
             f"{html.escape(ticket['service_name_en'])}</p>",
             f"<p class=st>{_STATUS_ZH.get(status, status)} / {status.replace('_', ' ')}</p>"]
    if status == "waiting":
        minutes = max(1, round((ticket["expected_wait_s"] or 0) / 60))
        lines.append(f"<p>前面还有 {ticket['ahead']} 人 · 预计等待约 {minutes} 分钟</p>"
                     f"<p>{ticket['ahead']} ahead · about {minutes} min</p>")
    elif ticket.get("booth"):
        booth = ticket["booth"]
        lines.append(f"<p>请到 {html.escape(booth['name_zh'])} 办理 / "
                     f"Please go to {html.escape(booth['name_en'])}</p>")
    elif status in ("called", "serving") and ticket["window"]:
        lines.append(f"<p>请到 {html.escape(ticket['window'])} 号窗口办理 / "
                     f"Please go to window {html.escape(ticket['window'])}</p>")
    return "\n".join(lines)


def _page(title: str, body: str) -> str:
    return ("<!doctype html><html lang=zh-CN><meta charset=utf-8>"
            "<meta name=viewport content='width=device-width,initial-scale=1'>"
            f"<meta http-equiv=refresh content=15><title>{html.escape(title)}</title>"
            "<style>body{font-family:sans-serif;text-align:center;padding:1em;font-size:1.3em}"
            ".num{font-size:4em;font-weight:bold;margin:.2em}.st{color:#b00}</style>"
            f"<body>{body}</body></html>")
