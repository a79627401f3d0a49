"""No request reaches a 5xx, and every answer is what the OpenAPI document says: a bounded
schemathesis run (``tests/helpers/api_fuzz.py``) against a real hall node and a real central
on 127.0.0.1, with the token of each role. A few seconds each here; ``make fuzz-api`` runs
many more requests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from central.auth import create_credential
from central.db import open_database
from central.server import CentralServer
from tests.helpers.api_fuzz import examples_per_operation, fuzz
from tests.helpers.central import CITY_TEST_ID_KEY, hall_catalog
from tests.helpers.hall_servers import Hall


@pytest.mark.allow_log("lease messages refused")   # the fuzzer's bodies are no lease messages
def test_the_hall_node_answers_every_request_as_documented(start_hall: Callable[..., Hall]
                                                           ) -> None:
    hall = start_hall()
    roles = ("kiosk", "display", "sync", "admin", "desk", "supervisor", "caller-1")
    findings = fuzz(hall.url, {role: hall.tokens[role] for role in roles},
                    examples_per_operation(), negative_role="admin")
    assert not findings, "\n".join(map(str, findings))


@pytest.fixture
def central(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A central on SQLite that takes numbers by phone, with hall HA's catalog published; its
    URL and a token of each role."""
    db_url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    db = open_database(db_url)
    tokens = {"hall": create_credential(db, "hall", "HA"), "admin": create_credential(db, "admin"),
              "phone": create_credential(db, "phone")}
    db.close()
    key_file = tmp_path / "id.key"
    key_file.write_text(CITY_TEST_ID_KEY.hex())
    server = CentralServer(db_url, port=0, id_key_file=str(key_file),
                           data_key_file=tmp_path / "central-data.key").start_in_thread()
    try:
        httpx.put(f"{server.url}/api/v1/halls/HA/catalog", json=hall_catalog("HA"),
                  headers={"Authorization": f"Bearer {tokens['admin']}"}).raise_for_status()
        yield server.url, tokens
    finally:
        server.stop()


def test_central_answers_every_request_as_documented(
        central: tuple[str, dict[str, str]]) -> None:
    url, tokens = central
    # the hall's long poll answered at once: otherwise each request waits out max_wait_s
    findings = fuzz(url, tokens, examples_per_operation(), negative_role="admin",
                    fixed_query={"GET /api/v1/remote/messages": {"wait": 0}})
    assert not findings, "\n".join(map(str, findings))
