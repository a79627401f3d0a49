"""The hall node's API serves exactly the operations its devices use, each from the router
module of its resource in ``hall/api/`` (a change there must not add, drop or move one
unnoticed; the OpenAPI document lists the same operations)."""

from pathlib import Path
from typing import Any

from hall.api import create_app
from hall.config import HallConfig
from hall.node import HallNode

#: (method, path) → the module of ``hall.api`` that serves it ("WS": a WebSocket).
OPERATIONS = {
    ("GET", "/api/v1/health"): "overview",
    ("GET", "/api/v1/hall"): "overview",
    ("GET", "/api/v1/services"): "overview",
    ("GET", "/api/v1/stats/today"): "overview",
    ("GET", "/api/v1/windows"): "windows",
    ("GET", "/api/v1/windows/{window}/queue"): "windows",
    **{("POST", f"/api/v1/windows/{{window}}/{action}"): "windows"
       for action in ("call", "recall", "serve", "no-show", "finish", "pause", "resume",
                      "close", "transfer", "open", "sign-in", "no-show/undo")},
    ("GET", "/api/v1/tickets/{ticket_id}"): "tickets",
    ("POST", "/api/v1/tickets"): "tickets",
    **{("POST", f"/api/v1/tickets/{{ticket_id}}/{action}"): "tickets"
       for action in ("rating", "recheck-in", "cancel", "green")},
    ("POST", "/api/v1/appointments"): "appointments",
    ("POST", "/api/v1/devices/status"): "status_reports",
    ("POST", "/api/v1/devices/heartbeat"): "status_reports",
    ("POST", "/api/v1/sync/status"): "status_reports",
    ("GET", "/api/v1/events"): "events",
    ("WS", "/api/v1/stream"): "events",
    ("WS", "/api/v1/follow/{token}"): "follow",
    ("GET", "/t/{token}"): "phone_page",
    ("GET", "/t/{token}/events"): "phone_page",
    ("POST", "/t/{token}/cancel"): "phone_page",
    ("POST", "/t/{token}/rating"): "phone_page",
    ("GET", "/api/v1/sync/phone-key"): "phone_page",
    ("POST", "/api/v1/sync/phone-actions"): "phone_page",
    ("GET", "/api/v1/desk"): "desk",
    ("POST", "/api/v1/desk/card"): "desk",
    ("POST", "/api/v1/pairing/codes"): "pairing",
    ("POST", "/api/v1/pairing/claim"): "pairing",
    ("GET", "/api/v1/leases/outbox"): "cloud",
    ("POST", "/api/v1/leases/choices"): "cloud",
    ("POST", "/api/v1/leases/messages"): "cloud",
    ("PUT", "/api/v1/sync/recommendations"): "cloud",
    ("POST", "/api/v1/referrals/incoming"): "cloud",
    ("POST", "/api/v1/referrals/incoming/cancel"): "cloud",
    ("POST", "/api/v1/referrals/incoming/rating"): "cloud",
    ("POST", "/api/v1/referrals/{referral_id}/withdrawn"): "cloud",
    ("POST", "/api/v1/referrals/{referral_id}/result"): "cloud",
    ("GET", "/api/v1/recommend"): "cloud",
    ("POST", "/api/v1/referrals"): "cloud",
    ("GET", "/api/v1/referrals/{referral_id}"): "cloud",
    ("GET", "/api/v1/windows/{window}/remote"): "cloud",
    ("POST", "/api/v1/submissions"): "submissions",
    ("GET", "/api/v1/submissions/{code}/progress"): "submissions",
    ("GET", "/s/{code}"): "submissions",
    ("POST", "/api/v1/submissions/reusable"): "submissions",
    ("GET", "/api/v1/sync/reuse-questions"): "submissions",
    ("POST", "/api/v1/sync/reuse-answers"): "submissions",
    ("PUT", "/api/v1/sync/submissions/progress"): "submissions",
    **{("POST", f"/api/v1/windows/{{window}}/{step}"): "cloud"
       for step in ("remote-call", "remote-start", "remote-finish", "remote-cancel")},
    ("GET", "/api/v1/today"): "today",
    ("PUT", "/api/v1/themes/{theme}/today"): "today",
    ("POST", "/api/v1/notice"): "today",
    ("DELETE", "/api/v1/notice"): "today",
    ("PUT", "/api/v1/windows/{window}/assignment"): "today",
}


def _served(route: Any) -> dict[tuple[str, str], str]:
    module = getattr(getattr(route, "endpoint", None), "__module__", "")
    if not module.startswith("hall.api."):
        return {}   # FastAPI's own (/openapi.json, /docs), the staff's pages (hall.web), files
    methods = getattr(route, "methods", None) or {"WS"}
    return {(method, route.path): module.removeprefix("hall.api.")
            for method in methods}


def test_each_operation_is_served_by_its_resource_and_documented(
        tmp_path: Path, example_config: HallConfig) -> None:
    node = HallNode(example_config, tmp_path)
    try:
        app = create_app(node)
        served = {key: module for route in app.routes for key, module in _served(route).items()}
        assert served == OPERATIONS
        documented = {(method.upper(), path)
                      for path, operations in app.openapi()["paths"].items()
                      for method in operations}
        assert documented == {op for op in OPERATIONS if op[0] != "WS"}
    finally:
        node.store.close()
