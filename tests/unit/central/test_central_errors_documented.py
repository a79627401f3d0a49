"""Central's OpenAPI document lists, for every route, the error bodies it may answer with their
codes: a route's own refusals, and what any route (and any route with a credential) may
answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from central.app import create_central_app
from central.data_key import open_data_key
from central.db import open_database
from hall.errors import ErrorCode
from tests.helpers.openapi_errors import Operation, codes_named_in, documented_codes, error_listing

#: The routes that need no credential: liveness and what a citizen reads with a code.
NO_CREDENTIAL = {("GET", "/api/v1/health"), ("GET", "/api/v1/appointments/{code}"),
                 ("DELETE", "/api/v1/appointments/{code}"),
                 ("GET", "/api/v1/public/submissions/{receipt}"), ("GET", "/progress/{receipt}"),
                 ("GET", "/p/{hall_id}/{token}"), ("GET", "/p/{hall_id}/{token}/events"),
                 ("POST", "/p/{hall_id}/{token}/cancel"), ("POST", "/p/{hall_id}/{token}/rating")}
#: The progress page and the public phone page answer an unknown receipt code or ticket with a
#: page saying so, not a JSON body.
HTML_NOT_FOUND = {("GET", "/progress/{receipt}"), ("GET", "/p/{hall_id}/{token}")}

Listing = dict[Operation, dict[int, list[str] | None]]


@pytest.fixture
def listing(tmp_path: Path) -> Listing:
    db = open_database(f"sqlite:///{tmp_path / 'central.sqlite3'}")
    try:
        return error_listing(create_central_app(
            db, data_key=open_data_key(db, tmp_path / "central-data.key")))
    finally:
        db.close()


def test_every_route_lists_its_error_bodies_with_their_codes(listing: Listing) -> None:
    assert len(listing) > 30          # the document was read
    for operation, errors in listing.items():
        for status, codes in errors.items():
            if codes is None:
                assert operation in HTML_NOT_FOUND and status == 404
                continue
            assert codes, (operation, status)
            assert [c for c in codes if ErrorCode(c).status != status] == [], operation
        listed = documented_codes({operation: errors})
        assert {"bad_request", "database_unavailable"} <= listed, operation
        if operation not in NO_CREDENTIAL:
            assert {"unauthorized", "forbidden"} <= listed, operation


def test_every_code_central_answers_is_documented(listing: Listing) -> None:
    # the back office's web pages (central/web/) answer pages, outside the API's document
    answered = codes_named_in("central", leave_out=("central/web/sign_in.py",))
    assert ErrorCode.PHONE_UNAVAILABLE in answered and ErrorCode.BAD_OFFSET in answered
    assert answered - documented_codes(listing) == set()


def test_routes_list_their_own_refusals(listing: Listing) -> None:
    take = listing[("POST", "/api/v1/phone/tickets")]
    assert take[503] == ["database_unavailable", "phone_unavailable"]
    assert take[422] == ["invalid_id_number", "bad_request"]
    chunk = listing[("PUT", "/api/v1/submissions/{sub_id}/files/{name}")]
    assert chunk[409] == ["bad_offset"] and "checksum_mismatch" in (chunk[422] or [])
    assert listing[("GET", "/api/v1/halls/{hall_id}/catalog")][404] == ["not_found"]
    assert listing[("PUT", "/api/v1/catalog")][422] == ["bad_request", "catalog_invalid"]
    assert 401 not in listing[("GET", "/api/v1/health")]
