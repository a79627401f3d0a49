"""The fast path in front of the FastAPI app answers exactly as FastAPI does: the same requests,
good and bad, sent to two halls on the same clock — one served with the fast path, one
without — get the same status, body and content type; and only the good ones skip FastAPI."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from hall import links
from hall.api import create_app
from hall.config import HallConfig
from hall.fastpath import FastPath
from hall.node import HallNode
from hall.server import HallServer

NOON = datetime(2024, 3, 12, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _id_number(born: date, serial: str = "123") -> str:
    first17 = f"440308{born:%Y%m%d}{serial}"
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return first17 + ("X" if value == 10 else str(value))


def _node(config: HallConfig, data: Path) -> tuple[HallNode, dict[str, str]]:
    data.mkdir(parents=True, exist_ok=True)
    (data / links.KEY_FILE).write_text("ab" * 32)   # the twins' links and cancel tokens alike
    node = HallNode(config, data, clock=lambda: NOON, id_key=b"fast-path-test-key-0123456789ab")
    tokens = {role: node.store.pair(role, f"test-{role}")
              for role in ("kiosk", "admin", "display")}
    tokens["caller-3"] = node.store.pair("caller", "console-3", "3")
    return node, tokens


class Twin:
    """One hall served twice over: ``fast`` with the fast path, ``plain`` without."""

    def __init__(self, config: HallConfig, tmp: Path) -> None:
        self.servers = []
        self.tokens: dict[str, dict[str, str]] = {}
        self.http: dict[str, httpx.Client] = {}
        for name, fast in (("fast", True), ("plain", False)):
            node, tokens = _node(config, tmp / name)
            server = HallServer(node, port=0, advertise=False, fast_path=fast)
            server.start_in_thread()
            self.servers.append(server)
            self.tokens[name] = tokens
            self.http[name] = httpx.Client(base_url=server.url, timeout=10)

    def send(self, method: str, path: str, device: str | None = None,
             headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        """The same request to both; asserts the answers are the same and returns one."""
        answers = {}
        for name, http in self.http.items():
            sent = dict(headers or {})
            if device is not None:
                sent["Authorization"] = f"Bearer {self.tokens[name][device]}"
            answers[name] = http.request(method, path, headers=sent, **kwargs)
        fast, plain = answers["fast"], answers["plain"]
        assert fast.status_code == plain.status_code, (path, fast.text, plain.text)
        assert fast.headers.get("content-type") == plain.headers.get("content-type")
        assert fast.headers.get("content-length") == plain.headers.get("content-length")
        assert (fast.json() if fast.content else None) == \
            (plain.json() if plain.content else None)
        return fast

    def close(self) -> None:
        for http in self.http.values():
            http.close()
        for server in self.servers:
            server.stop()


@pytest.fixture
def twin(tmp_path: Path, example_hall: HallConfig) -> Iterator[Twin]:
    config = replace(example_hall, rules=replace(example_hall.rules, open_all_day=True))
    made = Twin(config, tmp_path)
    yield made
    made.close()


def _refusal(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert set(response.json()) == {"code", "message_zh", "message_en"}


def test_issuing_good_and_bad_bodies(twin: Twin) -> None:
    first = twin.send("POST", "/api/v1/tickets", "kiosk", json={"service": "A"})
    assert first.status_code == 201 and first.json()["number"] == "A001"
    person = _id_number(date(1950, 3, 1))
    elderly = twin.send("POST", "/api/v1/tickets", "kiosk",
                        json={"service": "c01", "id_number": person, "channel": "phone"})
    assert elderly.status_code == 201 and elderly.json()["elderly"] is True
    _refusal(twin.send("POST", "/api/v1/tickets", "kiosk", json={"service": "Z9"}),
             404, "unknown_service")
    _refusal(twin.send("POST", "/api/v1/tickets", "kiosk",
                       json={"service": "A", "id_number": "440308199901011235"}),
             422, "invalid_id_number")
    for text in ('{"service": "A"', "[1, 2]", '"A"', "", "null", '{"service": "A",}',
                 '{"service": NaN}'):
        _refusal(twin.send("POST", "/api/v1/tickets", "kiosk", content=text,
                           headers={"Content-Type": "application/json"}), 422, "bad_request")
    bodies: list[dict[str, Any]] = [
        {}, {"service": ""}, {"service": "A" * 33}, {"service": "A", "extra": 1},
        {"service": "A", "channel": "fax"}, {"service": 7}, {"service": "A", "id_number": "4" * 40}]
    for body in bodies:
        _refusal(twin.send("POST", "/api/v1/tickets", "kiosk", json=body), 422, "bad_request")
    # other content types: whatever FastAPI does, the fast path does too
    twin.send("POST", "/api/v1/tickets", "kiosk", content='{"service": "A"}',
              headers={"Content-Type": "text/plain"})
    twin.send("POST", "/api/v1/tickets", "kiosk", content='{"service": "B"}')
    twin.send("POST", "/api/v1/tickets", "kiosk", content='{"service": "C"}',
              headers={"Content-Type": "application/json; charset=utf-8"})
    last = twin.send("POST", "/api/v1/tickets", "kiosk", json={"service": "A"})
    assert last.status_code == 201


def test_issuing_needs_a_token_that_may_issue(twin: Twin) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-token"},
                    {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer"}):
        _refusal(twin.send("POST", "/api/v1/tickets", headers=headers, json={"service": "A"}),
                 401, "unauthorized")
    # a malformed body without a token: FastAPI reads the body first
    twin.send("POST", "/api/v1/tickets", content="{", headers={"Content-Type": "application/json"})
    _refusal(twin.send("POST", "/api/v1/tickets", "display", json={"service": "A"}),
             403, "forbidden")
    _refusal(twin.send("POST", "/api/v1/tickets", "display", json={"service": ""}),
             422, "bad_request")


def test_calling_good_and_bad(twin: Twin) -> None:
    _refusal(twin.send("POST", "/api/v1/windows/3/call", "caller-3"), 409, "window_closed")
    assert twin.send("POST", "/api/v1/windows/3/open", "admin").status_code == 200
    assert twin.send("POST", "/api/v1/windows/3/call", "caller-3").status_code == 204
    issued = twin.send("POST", "/api/v1/tickets", "kiosk", json={"service": "A"}).json()
    called = twin.send("POST", "/api/v1/windows/3/call", "caller-3")
    assert called.status_code == 200
    assert (called.json()["id"], called.json()["status"]) == (issued["id"], "called")
    _refusal(twin.send("POST", "/api/v1/windows/3/call", "caller-3"), 409, "window_busy")
    _refusal(twin.send("POST", "/api/v1/windows/4/call", "caller-3"), 403, "forbidden")
    _refusal(twin.send("POST", "/api/v1/windows/3/call", "kiosk"), 403, "forbidden")
    _refusal(twin.send("POST", "/api/v1/windows/3/call"), 401, "unauthorized")
    _refusal(twin.send("POST", "/api/v1/windows/3/call",
                       headers={"Authorization": "Bearer nope"}), 401, "unauthorized")
    _refusal(twin.send("POST", "/api/v1/windows/99/call", "admin"), 404, "unknown_window")
    twin.send("POST", "/api/v1/windows/3/call/", "caller-3")
    twin.send("POST", "/api/v1/windows//call", "admin")
    twin.send("GET", "/api/v1/windows/3/call", "caller-3")


def test_finishing_good_and_bad(twin: Twin) -> None:
    _refusal(twin.send("POST", "/api/v1/windows/3/finish", "caller-3"), 409, "window_idle")
    assert twin.send("POST", "/api/v1/windows/3/open", "admin").status_code == 200
    _refusal(twin.send("POST", "/api/v1/windows/3/finish", "caller-3"), 409, "window_idle")
    issued = twin.send("POST", "/api/v1/tickets", "kiosk", json={"service": "A"}).json()
    assert twin.send("POST", "/api/v1/windows/3/call", "caller-3").status_code == 200
    finished = twin.send("POST", "/api/v1/windows/3/finish", "caller-3")
    assert (finished.json()["id"], finished.json()["status"]) == (issued["id"], "finished")
    _refusal(twin.send("POST", "/api/v1/windows/4/finish", "caller-3"), 403, "forbidden")
    _refusal(twin.send("POST", "/api/v1/windows/3/finish", "display"), 403, "forbidden")
    _refusal(twin.send("POST", "/api/v1/windows/3/finish"), 401, "unauthorized")
    _refusal(twin.send("POST", "/api/v1/windows/99/finish", "admin"), 404, "unknown_window")
    twin.send("POST", "/api/v1/windows/3/finish/now", "caller-3")


def test_reading_a_ticket(twin: Twin) -> None:
    issued = twin.send("POST", "/api/v1/tickets", "kiosk", json={"service": "B"}).json()
    read = twin.send("GET", f"/api/v1/tickets/{issued['id']}", "display")
    assert read.status_code == 200 and read.json()["number"] == "B001"
    _refusal(twin.send("GET", "/api/v1/tickets/20240312-Z999", "display"), 404, "unknown_ticket")
    _refusal(twin.send("GET", f"/api/v1/tickets/{issued['id']}"), 401, "unauthorized")
    twin.send("GET", "/api/v1/tickets/", "display")
    twin.send("GET", f"/api/v1/tickets/{issued['id']}/extra", "display")


def test_only_the_good_requests_skip_fastapi(tmp_path: Path, example_hall: HallConfig) -> None:
    node, tokens = _node(replace(example_hall, rules=replace(example_hall.rules,
                                                             open_all_day=True)), tmp_path)
    app = create_app(node)
    fast = FastPath(app)
    reached: list[str] = []

    async def spy(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope["path"])
        await app(scope, receive, send)
    fast.app = spy  # type: ignore[assignment]

    async def go() -> None:
        transport = httpx.ASGITransport(app=fast)
        async with httpx.AsyncClient(transport=transport, base_url="http://hall") as http:
            def auth(device: str) -> dict[str, str]:
                return {"Authorization": f"Bearer {tokens[device]}"}
            issued = await http.post("/api/v1/tickets", json={"service": "A"},
                                     headers=auth("kiosk"))
            assert issued.status_code == 201
            assert (await http.post("/api/v1/windows/3/call",
                                    headers=auth("caller-3"))).status_code == 409
            assert (await http.post("/api/v1/windows/3/finish",
                                    headers=auth("caller-3"))).status_code == 409
            assert (await http.get(f"/api/v1/tickets/{issued.json()['id']}",
                                   headers=auth("display"))).status_code == 200
            assert reached == []
            assert (await http.post("/api/v1/tickets", json={"service": "A", "x": 1},
                                    headers=auth("kiosk"))).status_code == 422
            assert (await http.post("/api/v1/windows/3/call")).status_code == 401
            assert (await http.post("/api/v1/windows/3/open",
                                    headers=auth("admin"))).status_code == 200
            assert reached == ["/api/v1/tickets", "/api/v1/windows/3/call",
                               "/api/v1/windows/3/open"]

    node.start()
    try:
        asyncio.run(go())
    finally:
        node.stop()


def test_the_fast_routes_are_the_fastapi_routes_they_stand_for(
        tmp_path: Path, example_hall: HallConfig) -> None:
    # a route added in front of these in hall.api would be shadowed by the fast path
    from starlette.routing import Match

    node, _ = _node(example_hall, tmp_path)
    try:
        app = create_app(node)
        for method, path, name in (("POST", "/api/v1/tickets", "issue"),
                                   ("POST", "/api/v1/windows/7/call", "call"),
                                   ("POST", "/api/v1/windows/7/finish", "window_finish"),
                                   ("GET", "/api/v1/tickets/20240312-A001", "get_ticket")):
            scope = {"type": "http", "method": method, "path": path, "root_path": ""}
            first = next(route for route in app.router.routes
                         if route.matches(scope)[0] == Match.FULL)
            assert getattr(first, "name", None) == name, path
    finally:
        node.store.close()
