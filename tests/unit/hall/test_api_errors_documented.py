"""The hall node's OpenAPI document lists, for every route, the error bodies it may answer with
their codes: a route's own refusals, and what any route (and any route with a device token)
may answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from hall.api import create_app
from hall.config import HallConfig
from hall.errors import ErrorCode
from hall.node import HallNode
from tests.helpers.openapi_errors import Operation, codes_named_in, documented_codes, error_listing

#: The routes that need no device token.
NO_TOKEN = {("GET", "/api/v1/health"), ("GET", "/t/{token}"), ("GET", "/t/{token}/events"),
            ("GET", "/s/{code}"), ("POST", "/t/{token}/cancel"), ("POST", "/t/{token}/rating"),
            ("POST", "/api/v1/pairing/claim")}
#: The phone pages answer an unknown ticket or receipt code with a page saying so, not a JSON
#: error body.
HTML_NOT_FOUND = {("GET", "/t/{token}"), ("GET", "/s/{code}")}

Listing = dict[Operation, dict[int, list[str] | None]]


@pytest.fixture
def listing(tmp_path: Path, example_config: HallConfig) -> Listing:
    node = HallNode(example_config, tmp_path)
    try:
        return error_listing(create_app(node))
    finally:
        node.store.close()


def test_every_route_lists_its_error_bodies_with_their_codes(listing: Listing) -> None:
    assert len(listing) > 30          # the document was read
    for operation, errors in listing.items():
        for status, codes in errors.items():
            if codes is None:
                assert operation in HTML_NOT_FOUND and status == 404, operation
                continue
            assert codes, (operation, status)
            assert [c for c in codes if ErrorCode(c).status != status] == [], operation
        listed = documented_codes({operation: errors})
        assert {"bad_request", "store_unavailable", "internal_error"} <= listed, operation
        if operation not in NO_TOKEN:
            assert {"unauthorized", "forbidden"} <= listed, operation


def test_every_code_the_node_answers_is_documented(listing: Listing) -> None:
    answered = codes_named_in("hall", leave_out=("hall/client.py",))
    assert ErrorCode.WINDOW_CLOSED in answered and ErrorCode.STORE_UNAVAILABLE in answered
    assert answered - documented_codes(listing) == set()


def test_routes_list_their_own_refusals(listing: Listing) -> None:
    call = listing[("POST", "/api/v1/windows/{window}/call")]
    assert call[409] == ["window_closed", "window_paused", "window_busy", "remote_busy"]
    assert call[404] == ["unknown_window"]
    issue = listing[("POST", "/api/v1/tickets")]
    assert {"closed", "cutoff", "quota_reached", "id_limit_reached"} <= set(issue[409] or [])
    assert {"invalid_id_number", "bad_request"} <= set(issue[422] or [])
    assert "bad_credentials" in (listing[("POST", "/api/v1/windows/{window}/sign-in")][401]
                                 or [])
    assert listing[("POST", "/api/v1/windows/{window}/remote-call")][403] == ["no_video",
                                                                            "forbidden"]
    assert 409 not in listing[("GET", "/api/v1/windows")]
    assert 401 not in listing[("GET", "/api/v1/health")]
