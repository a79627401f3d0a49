"""A blocking client of the central platform's API, for the sync agent, tools and tests.

Every failure is a :class:`CentralApiError`: ``status`` 0 and code ``unreachable`` when central
cannot be reached, else central's status and code. :attr:`CentralApiError.transient` tells the
agent whether to back off and retry (unreachable, 5xx, 408, 429) or report a refusal.
"""

from __future__ import annotations

import json
import ssl
from typing import Any

import httpx

from hall.errors import ErrorCode


class CentralApiError(Exception):
    """Central refused a call or could not be reached."""

    def __init__(self, status: int, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{status} {code}: {message_en}")
        self.status = status
        #: The :class:`~hall.errors.ErrorCode` member when it is one, else central's string.
        self.code: ErrorCode | str = ErrorCode.of(code)
        self.message_zh = message_zh
        self.message_en = message_en

    @property
    def transient(self) -> bool:
        """Whether trying again later may succeed."""
        return self.status == 0 or self.status >= 500 or self.status in (408, 429)


def _unreachable(err: Exception) -> CentralApiError:
    return CentralApiError(0, ErrorCode.UNREACHABLE, "无法连接中心平台",
                           f"Cannot reach the central platform: {err}")


def _decode(response: httpx.Response) -> Any:
    """A response's JSON (raw bytes when not JSON, None for 204), or its CentralApiError."""
    if response.status_code >= 400:
        try:
            data = response.json()
        except json.JSONDecodeError:
            data = {}
        raise CentralApiError(response.status_code, data.get("code", ErrorCode.HTTP_ERROR),
                              data.get("message_zh", "请求失败"),
                              data.get("message_en", response.text[:200]))
    if response.status_code == 204:
        return None
    if response.headers.get("content-type", "").startswith("application/json"):
        return response.json()
    return response.content


def _inbox_params(hall_id: str, wait: float) -> dict[str, Any]:
    """The long poll's query: this hall, how long to wait, and that its node issues each
    referral once (so central may hand one whose answer was lost out again)."""
    return {"hall": hall_id, "wait": wait, "reissue": "true"}


class CentralClient:
    """Client of one central platform with one credential (``hq_…``).

    ``verify``: True (the system's CAs), the path of a CA bundle that signed central's
    certificate, or False (never in production).
    """

    def __init__(self, base_url: str, credential: str, timeout: float = 10.0,
                 verify: bool | str = True) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._tls = ssl.create_default_context(cafile=verify) if isinstance(verify, str) \
            else verify
        self._headers = {"Authorization": f"Bearer {credential}"}
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, verify=self._tls,
                                  headers=self._headers)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> CentralClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, method: str, path: str, body: Any = None, params: dict | None = None,
             content: bytes | None = None, headers: dict | None = None,
             timeout: float | None = None) -> Any:
        """One API call; returns the decoded JSON (raw bytes for non-JSON answers, None for
        204). ``timeout`` replaces the client's for this call (long polls)."""
        extra: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        try:
            response = self._http.request(method, f"/api/v1{path}", json=body, params=params,
                                          content=content, headers=headers, **extra)
        except httpx.HTTPError as err:
            raise _unreachable(err) from None
        return _decode(response)

    def async_client(self) -> httpx.AsyncClient:
        """An asyncio client with the same address, credential and TLS settings (for long
        polls that stopping the agent must interrupt)."""
        return httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout, verify=self._tls,
                                 headers=self._headers)

    # event log
    def push(self, hall_id: str, events: list[dict], head_seq: int = 0) -> dict:
        """Push a batch; ``{"acked", "missing", "stored"}``."""
        return self.call("POST", f"/halls/{hall_id}/events",
                         {"events": events, "head_seq": head_seq})

    def sync_state(self, hall_id: str) -> dict:
        """``{"acked", "missing", …}`` of a hall."""
        return self.call("GET", f"/halls/{hall_id}/sync")

    def events(self, hall_id: str, after: int = 0, limit: int = 1000) -> list[dict]:
        """Stored events of a hall."""
        return self.call("GET", f"/halls/{hall_id}/events",
                         params={"after": after, "limit": limit})["events"]

    def whoami(self) -> dict:
        """The credential's role and hall."""
        return self.call("GET", "/whoami")

    # catalogs, live view, statistics
    def catalog(self, hall_id: str) -> dict:
        """A hall's published catalog with its version."""
        return self.call("GET", f"/halls/{hall_id}/catalog")

    def put_catalog(self, hall_id: str, catalog: dict) -> int:
        """Publish a hall's catalog (admin); its new version."""
        return self.call("PUT", f"/halls/{hall_id}/catalog", catalog)["version"]

    def put_phone_key(self, hall_id: str, key_hex: str) -> None:
        """Hand central the hall's public link key (its public phone pages' tokens)."""
        self.call("PUT", f"/halls/{hall_id}/phone-key", {"key": key_hex})

    def live(self, hall_id: str) -> dict:
        """A hall's live view."""
        return self.call("GET", f"/halls/{hall_id}/live")

    def city(self) -> dict:
        """The city's live view (admin)."""
        return self.call("GET", "/city")

    def stats(self, by: str = "hall,theme", **filters: str) -> list[dict]:
        """Statistics rows."""
        return self.call("GET", "/stats", params={"by": by, **filters})["rows"]

    # appointments
    def book(self, hall_id: str, service: str, slot_start: float, slot_end: float,
             id_hash: str | None = None) -> dict:
        """Book a slot; the appointment with its code."""
        return self.call("POST", "/appointments", {
            "hall_id": hall_id, "service": service, "slot_start": slot_start,
            "slot_end": slot_end, "id_hash": id_hash})

    def cancel(self, code: str) -> dict:
        """Cancel an appointment."""
        return self.call("DELETE", f"/appointments/{code}")

    def day_list(self, hall_id: str, day: str) -> list[dict]:
        """A hall's appointments of a day."""
        return self.call("GET", f"/halls/{hall_id}/appointments",
                         params={"day": day})["appointments"]

    # submissions
    def create_submission(self, hall_id: str, client_id: str, form: str, fields: dict,
                          files: list[dict], details: dict | None = None) -> dict:
        """Create (or find again) a submission; ``details``: a kiosk's receipt code, item
        names, keyed ID hash, materials, reused documents (``central/submissions.py``)."""
        return self.call("POST", f"/halls/{hall_id}/submissions", {
            "client_id": client_id, "form": form, "fields": fields, "files": files,
            **(details or {})})

    def hall_submissions(self, hall_id: str, updated_after: float | None = None,
                         limit: int = 500) -> list[dict]:
        """The hall's submissions (changed since ``updated_after``, oldest change first)."""
        params: dict[str, Any] = {"limit": limit}
        if updated_after is not None:
            params["updated_after"] = updated_after
        return self.call("GET", f"/halls/{hall_id}/submissions",
                         params=params)["submissions"]

    def reusable(self, hall_id: str, id_hash: str, materials: list[str], today: str
                 ) -> list[dict]:
        """A citizen's documents given before, still valid (一证通办)."""
        return self.call("POST", f"/halls/{hall_id}/reusable", {
            "id_hash": id_hash, "materials": materials, "today": today})["documents"]

    def submission(self, sub_id: str) -> dict:
        """A submission's status and files."""
        return self.call("GET", f"/submissions/{sub_id}")

    def file_progress(self, sub_id: str, name: str) -> dict:
        """Bytes of a file central holds."""
        return self.call("GET", f"/submissions/{sub_id}/files/{name}")

    def put_chunk(self, sub_id: str, name: str, offset: int, data: bytes,
                  chunk_sha256: str | None = None) -> dict:
        """Upload a chunk at ``offset``."""
        headers = {"Content-Type": "application/octet-stream"}
        if chunk_sha256:
            headers["X-Chunk-SHA256"] = chunk_sha256
        return self.call("PUT", f"/submissions/{sub_id}/files/{name}",
                         params={"offset": offset}, content=data, headers=headers)

    # cloud calling (云叫号)
    def remote_choose(self, hall_id: str, window: str, skills: list[str]) -> dict | None:
        """A ticket of another hall for an idle video window (held for it), or None."""
        return self.call("POST", "/remote/choose",
                         {"hall": hall_id, "window": window, "skills": skills})

    def send_messages(self, messages: list[dict]) -> dict:
        """Lease protocol messages for central to relay; ``{"accepted", "dropped"}``."""
        return self.call("POST", "/remote/messages", {"messages": messages})

    def remote_inbox(self, hall_id: str, wait: float = 0.0) -> dict:
        """The hall's mail (``messages``, ``referrals``, ``referral_results``,
        ``cancellations``, ``ratings``), waiting up to ``wait`` seconds for some. The hall
        issues each referral once (the node's ``POST /referrals/incoming``), so a referral
        whose answer was lost may be handed out again (``reissue``)."""
        return self.call("GET", "/remote/messages", params=_inbox_params(hall_id, wait),
                         timeout=wait + 10.0)

    def refer(self, referral: dict) -> dict:
        """Send a referral ``{"id", "item", "hall", "from_hall"}`` (again): its current state."""
        return self.call("POST", "/remote/referrals", referral)

    def referral(self, referral_id: str) -> dict:
        """A referral's state."""
        return self.call("GET", f"/remote/referrals/{referral_id}")

    def withdraw_referral(self, referral_id: str) -> dict:
        """This hall gave the referred citizen up: the referral's state after."""
        return self.call("POST", f"/remote/referrals/{referral_id}/withdraw")

    def referral_cancelled(self, referral_id: str, status: str | None = None) -> dict:
        """The ticket this hall issued for a withdrawn referral is cancelled (or not waiting:
        ``status`` says where it is)."""
        return self.call("POST", f"/remote/referrals/{referral_id}/cancelled",
                         {"status": status})

    def rating_recorded(self, referral_id: str, error: dict | None = None) -> dict:
        """The rating given on the phone is recorded at this hall (or refused: ``error``)."""
        return self.call("POST", f"/remote/referrals/{referral_id}/rated", {"error": error})

    def referral_result(self, referral_id: str, ticket: dict | None = None,
                        error: dict | None = None) -> dict:
        """This hall's answer to a referral: the ticket issued, or why not."""
        body = {"ticket": ticket} if ticket is not None else {"error": error}
        return self.call("POST", f"/remote/referrals/{referral_id}/result", body)

    def recommend(self, origin: str, item: str | None = None, limit: int = 5) -> dict:
        """Halls by expected total time for an item (``halls``) or for every 通办 item of the
        origin (``items``)."""
        params: dict[str, Any] = {"origin": origin, "limit": limit}
        if item is not None:
            params["item"] = item
        return self.call("GET", "/recommend", params=params)

    async def remote_inbox_async(self, client: httpx.AsyncClient, hall_id: str,
                                 wait: float = 0.0) -> dict:
        """:meth:`remote_inbox` over ``client`` (from :meth:`async_client`): cancellable."""
        try:
            response = await client.get("/api/v1/remote/messages",
                                        params=_inbox_params(hall_id, wait),
                                        timeout=wait + 10.0)
        except httpx.HTTPError as err:
            raise _unreachable(err) from None
        return _decode(response)
