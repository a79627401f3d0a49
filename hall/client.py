"""A client of the hall node's API, for the apps, the sync agent, tools and benchmarks.

:class:`HallClient` wraps the HTTP calls (httpx, blocking); :class:`EventStream` follows the
WebSocket stream in a background thread and reconnects after a drop, resuming after the last
event it delivered, so a listener sees every event once and in order. No Qt here.

Each method returns the answer's JSON as the server sent it, typed by its body in
``hall/schemas.py`` (a plain dict at run time).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

from hall.errors import ErrorCode
from hall.schemas import (
    AppointmentBody,
    EventsBody,
    HallBody,
    HealthBody,
    OkBody,
    QueueEntryBody,
    RecommendBody,
    ReferralBody,
    RemoteCallBody,
    ReusableDocumentBody,
    ReusableDocumentsBody,
    ServiceBody,
    StatsBody,
    SubmissionProgressBody,
    SubmissionReceiptBody,
    TicketBody,
    WindowBody,
)

log = logging.getLogger("hallq.client")


#: The console's remote-call steps and their endpoints under ``/windows/{n}/``.
REMOTE_STEPS = {"remote_call": "remote-call", "remote_start": "remote-start",
                "remote_finish": "remote-finish", "remote_cancel": "remote-cancel"}

#: Seconds a submission's upload to the node may take (up to 60 MB on the LAN).
UPLOAD_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class SubmissionPhoto:
    """One photographed page of a material, for :meth:`HallClient.submit_submission`."""

    material_id: str
    page: int
    jpeg: bytes


class HallApiError(Exception):
    """The hall refused a call (a 4xx/5xx with a code) or could not be reached (code
    ``unreachable``). ``code`` is the :class:`~hall.errors.ErrorCode` member when it is one
    (a newer node's unknown code stays a string); ``message_zh`` is what an app shows first."""

    def __init__(self, status: int, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{status} {code}: {message_en}")
        self.status = status
        self.code: ErrorCode | str = ErrorCode.of(code)
        self.message_zh = message_zh
        self.message_en = message_en


class HallClient:
    """Blocking client of one hall node; ``token`` comes from ``hallq pair``."""

    def __init__(self, base_url: str, token: str, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout,
                                  headers={"Authorization": f"Bearer {token}"})

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> HallClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, body: dict | None = None,
              params: dict | None = None, **upload: Any) -> Any:
        """One call; ``upload`` (``data``, ``files``, ``timeout``) for a multipart body."""
        try:
            response = self._http.request(method, f"/api/v1{path}", json=body, params=params,
                                          **upload)
        except httpx.HTTPError as err:
            raise HallApiError(0, ErrorCode.UNREACHABLE, "无法连接大厅服务器",
                               f"Cannot reach the hall node: {err}") from None
        if response.status_code == 204:
            return None
        try:
            data = response.json()
        except json.JSONDecodeError:
            data = {}
        if response.status_code >= 400:
            raise HallApiError(response.status_code, data.get("code", ErrorCode.HTTP_ERROR),
                               data.get("message_zh", "请求失败"),
                               data.get("message_en", response.text[:200]))
        return data

    # reads
    def health(self) -> HealthBody:
        """The node's health (no token needed)."""
        return self._call("GET", "/health")

    def hall(self) -> HallBody:
        """The hall's name and rules, and who this device is."""
        return self._call("GET", "/hall")

    def services(self, guide: bool = False) -> list[ServiceBody]:
        """Themes with items, people waiting and expected wait; with ``guide`` each item's
        service guide too (``item["guide"]``)."""
        return self._call("GET", "/services", params={"guide": "true"} if guide else None)

    def submission_progress(self, receipt_code: str) -> SubmissionProgressBody:
        """Where a self-service submission stands, by its receipt code (no personal data);
        404 ``unknown_submission`` for an unknown code."""
        return self._call("GET", f"/submissions/{quote(receipt_code, safe='')}/progress")

    def windows(self) -> list[WindowBody]:
        """Every window's status and current ticket."""
        return self._call("GET", "/windows")

    def window_queue(self, window: str) -> list[QueueEntryBody]:
        """Numbers waiting for a window, in calling order."""
        return self._call("GET", f"/windows/{window}/queue")

    def stats(self) -> StatsBody:
        """Today's figures."""
        return self._call("GET", "/stats/today")

    def ticket(self, ticket_id: str) -> TicketBody:
        """A ticket's status and position."""
        return self._call("GET", f"/tickets/{ticket_id}")

    def events(self, after: int = 0, limit: int = 1000) -> EventsBody:
        """Committed events after ``after``: ``{"events": [...], "last_seq": n}``."""
        return self._call("GET", "/events", params={"after": after, "limit": limit})

    # tickets
    def issue(self, service: str, id_number: str | None = None, channel: str = "kiosk",
              appointment_id: str | None = None) -> TicketBody:
        """Take a number."""
        body: dict[str, Any] = {"service": service, "channel": channel}
        if id_number:
            body["id_number"] = id_number
        if appointment_id:
            body["appointment_id"] = appointment_id
        return self._call("POST", "/tickets", body)

    def rate(self, ticket_id: str, level: int) -> TicketBody:
        """Rate a finished service 1-5."""
        return self._call("POST", f"/tickets/{ticket_id}/rating", {"level": level})

    def recheck_in(self, ticket_id: str) -> TicketBody:
        """A no-show checks in again."""
        return self._call("POST", f"/tickets/{ticket_id}/recheck-in")

    def cancel(self, ticket_id: str, cancel_token: str | None = None) -> TicketBody:
        """Give up a waiting ticket (a kiosk with the ``cancel_token`` its issue answered)."""
        body = {"cancel_token": cancel_token} if cancel_token else None
        return self._call("POST", f"/tickets/{ticket_id}/cancel", body)

    def set_green(self, ticket_id: str, green: bool = True) -> TicketBody:
        """Green channel on or off."""
        return self._call("POST", f"/tickets/{ticket_id}/green", {"green": green})

    # windows
    def call(self, window: str) -> TicketBody | None:
        """Call next; None when nobody waits."""
        return self._call("POST", f"/windows/{window}/call")

    def window_action(self, window: str, action: str, body: dict | None = None
                      ) -> TicketBody | WindowBody:
        """recall, serve, no-show, finish, transfer (the ticket after it); pause, resume, open,
        close, sign-in (the window after it)."""
        return self._call("POST", f"/windows/{window}/{action}", body)

    def undo_no_show(self, window: str, ticket_id: str | None = None) -> TicketBody:
        """Take back the window's latest no-show (or ``ticket_id``) in its grace period."""
        body = {"ticket": ticket_id} if ticket_id else None
        return self._call("POST", f"/windows/{window}/no-show/undo", body)

    def transfer(self, window: str, to_service: str | None = None,
                 to_window: str | None = None) -> TicketBody:
        """Transfer the current ticket."""
        body = {"to_service": to_service} if to_service else {"to_window": to_window}
        return self._call("POST", f"/windows/{window}/transfer", body)

    def sign_in(self, window: str, staff_id: str | None = None, pin: str | None = None,
                badge_uid: str | None = None) -> WindowBody:
        """Staff sign in with PIN or badge; opens the window."""
        body = {"badge_uid": badge_uid} if badge_uid else {"staff_id": staff_id, "pin": pin}
        return self._call("POST", f"/windows/{window}/sign-in", body)

    def desk(self) -> dict[str, str]:
        """This desk device's name (``{"name"}``): the printer its reprints name."""
        return self._call("GET", "/desk")

    def desk_card(self, id_number: str) -> dict[str, Any]:
        """An ID card swiped at this desk's reader (a ``desk`` device): the swipe's number,
        the masked ID number and the citizen's tickets today (``tickets_today``)."""
        return self._call("POST", "/desk/card", {"id_number": id_number})

    # others
    def save_appointment(self, appointment_id: str, service: str, slot_start: float,
                         slot_end: float, id_hash: str | None = None) -> AppointmentBody:
        """Record an appointment."""
        return self._call("POST", "/appointments", {
            "id": appointment_id, "service": service, "slot_start": slot_start,
            "slot_end": slot_end, "id_hash": id_hash})

    def device_status(self, device: str, state: str, where: str = "", detail: str = ""
                      ) -> OkBody:
        """Tell staff a device needs attention."""
        return self._call("POST", "/devices/status", {"device": device, "state": state,
                                                       "where": where, "detail": detail})

    def heartbeat(self, clock: float, devices: list[dict[str, str]] | None = None,
                  where: str = "") -> OkBody:
        """Say this app is alive, its clock (POSIX seconds) and its devices' states
        (``{"device", "state", "detail"}`` each); every ~20 s."""
        return self._call("POST", "/devices/heartbeat", {"clock": clock, "where": where,
                                                          "devices": devices or []})

    # cloud calling (云叫号): see docs/cloud.md
    def recommend(self, item: str) -> RecommendBody:
        """Other halls where ``item`` would be done sooner."""
        return self._call("GET", "/recommend", params={"item": item})

    def refer(self, item: str, hall: str, id_number: str | None = None) -> ReferralBody:
        """Ask for a ticket at another hall (the referral, ``state`` pending); with the ID
        card's number, a real-name ticket there."""
        body = {"item": item, "hall": hall}
        if id_number:
            body["id_number"] = id_number
        return self._call("POST", "/referrals", body)

    def referral(self, referral_id: str) -> ReferralBody:
        """A referral's state, with the other hall's ticket once issued."""
        return self._call("GET", f"/referrals/{referral_id}")

    # self-service submissions (自助申报)
    def submit_submission(self, item: str, fields: dict[str, str],
                          photos: list[SubmissionPhoto], reuse: list[str],
                          id_number: str | None, name: str | None, client_id: str,
                          consent_version: str, appointment_id: str | None = None
                          ) -> SubmissionReceiptBody:
        """Hand in a self-service submission: the form's fields, a JPEG per photographed page
        and the ids of documents reused (一证通办); the receipt. Sent again with the same
        ``client_id`` (after a lost answer), the same receipt. The citizen is the card's
        (``id_number``, ``name``) or, with ``appointment_id``, the one of the ID number typed
        in the form, as the appointment vouches."""
        part = {"item": item, "fields": fields, "reuse": reuse, "id_number": id_number,
                "name": name, "client_id": client_id, "consent_version": consent_version,
                "appointment_id": appointment_id}
        files: list[tuple[str, tuple[str | None, str | bytes, str]]] = [
            ("submission", (None, json.dumps(part, ensure_ascii=False), "application/json"))]
        files += [("photo", (f"{p.material_id}-{p.page}.jpg", p.jpeg, "image/jpeg"))
                  for p in photos]
        return self._call("POST", "/submissions", files=files, timeout=UPLOAD_TIMEOUT_S)


    def reusable_documents(self, id_number: str, item: str,
                           appointment_id: str | None = None) -> list[ReusableDocumentBody]:
        """Documents this citizen gave before that ``item`` may reuse (names and dates);
        [] when there are none or central could not be asked in time (see
        :meth:`reusable_answer` for which)."""
        return self.reusable_answer(id_number, item, appointment_id)["documents"]

    def reusable_answer(self, id_number: str, item: str,
                        appointment_id: str | None = None) -> ReusableDocumentsBody:
        """The documents and whether central could be asked (``unavailable``). With
        ``appointment_id`` (the ID number typed, not read from a card), the hall first checks
        that the appointment vouches for it: :class:`HallApiError` when it does not."""
        body = {"id_number": id_number, "item": item}
        if appointment_id:
            body["appointment_id"] = appointment_id
        return self._call("POST", "/submissions/reusable", body, timeout=10.0)

    def remote_state(self, window: str) -> RemoteCallBody:
        """The window's remote call (``GET /windows/{n}/remote``)."""
        return self._call("GET", f"/windows/{window}/remote")

    def remote_step(self, window: str, step: str) -> RemoteCallBody:
        """``remote_call``, ``remote_start``, ``remote_finish`` or ``remote_cancel``: the
        window's remote state after it."""
        return self._call("POST", f"/windows/{window}/{REMOTE_STEPS[step]}")


EventCallback = Callable[[dict], None]


class EventStream:
    """Follows ``/api/v1/stream`` in a daemon thread, calling ``on_event(event)`` for each
    event in order, reconnecting with backoff and resuming after the last delivered one.
    ``on_state(connected: bool)`` is told when the link goes up or down."""

    def __init__(self, base_url: str, token: str, on_event: EventCallback, after: int = 0,
                 on_state: Callable[[bool], None] | None = None) -> None:
        self.ws_url = base_url.rstrip("/").replace("http://", "ws://", 1).replace(
            "https://", "wss://", 1) + "/api/v1/stream"
        self.token = token
        self.on_event = on_event
        self.on_state = on_state
        self.last_seq = after
        self.connected = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ws: Any = None

    def start(self) -> EventStream:
        """Start following."""
        self._thread = threading.Thread(target=self._run, name="hall-stream", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop following and wait for the thread."""
        self._stop.set()
        ws = self._ws
        if ws is not None:
            try:
                ws.close()
            except Exception:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)

    def wait_connected(self, timeout: float = 5.0) -> bool:
        """Block until connected (or ``timeout``)."""
        deadline = time.monotonic() + timeout
        while not self.connected and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.connected

    def _set_connected(self, value: bool) -> None:
        if self.connected != value:
            self.connected = value
            if self.on_state is not None:
                self.on_state(value)

    def _run(self) -> None:
        backoff = 0.2
        while not self._stop.is_set():
            try:
                url = f"{self.ws_url}?after={self.last_seq}"
                with connect(url, additional_headers={"Authorization": f"Bearer {self.token}"},
                             open_timeout=5, close_timeout=1) as ws:
                    self._ws = ws
                    self._set_connected(True)
                    backoff = 0.2
                    for message in ws:
                        event = json.loads(message)
                        if event["seq"] <= self.last_seq:
                            continue
                        self.last_seq = event["seq"]
                        try:
                            self.on_event(event)
                        except Exception:
                            log.exception("event listener failed")
            except (OSError, WebSocketException, TimeoutError) as err:
                if not self._stop.is_set():
                    log.info("event stream lost (%s); reconnecting", err)
            finally:
                self._ws = None
                self._set_connected(False)
            self._stop.wait(backoff)
            backoff = min(backoff * 2, 5.0)
