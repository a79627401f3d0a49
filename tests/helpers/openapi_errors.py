"""The error answers an API's OpenAPI document lists, and the error codes a server's source
names: what ``tests/unit/hall/test_api_errors_documented.py`` and
``tests/unit/central/test_central_errors_documented.py`` compare."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from hall.errors import ErrorCode

ROOT = Path(__file__).resolve().parents[2]

#: An operation of an API: (METHOD, path).
Operation = tuple[str, str]


async def _openapi(app: FastAPI) -> dict[str, Any]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://api") as client:
        answer = await client.get("/openapi.json")
        answer.raise_for_status()
        return answer.json()


def error_listing(app: FastAPI) -> dict[Operation, dict[int, list[str] | None]]:
    """Per operation of the app's ``/openapi.json``, per 4xx/5xx status it lists, the codes of
    its JSON error body (None for an answer that is not JSON)."""
    document = asyncio.run(_openapi(app))
    listing: dict[Operation, dict[int, list[str] | None]] = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            errors: dict[int, list[str] | None] = {}
            for status, answer in operation["responses"].items():
                if status[0] not in "45":
                    continue
                body = answer.get("content", {}).get("application/json")
                errors[int(status)] = None if body is None else \
                    body["schema"]["properties"]["code"]["enum"]
            listing[(method.upper(), path)] = errors
    return listing


def documented_codes(listing: dict[Operation, dict[int, list[str] | None]]) -> set[str]:
    """Every code some operation of the listing documents."""
    return {code for errors in listing.values() for codes in errors.values()
            for code in codes or ()}


def codes_named_in(package: str, leave_out: tuple[str, ...] = ()) -> set[ErrorCode]:
    """The codes with an HTTP status that the package's modules (but ``leave_out``, paths from
    the repository's root) name as ``ErrorCode.<MEMBER>``, but in a referral's error body
    (``referrals.error(…)``, never an HTTP answer): the codes its server answers."""
    named: set[ErrorCode] = set()
    for path in sorted((ROOT / package).rglob("*.py")):
        if str(path.relative_to(ROOT)) in leave_out:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_bodies = {id(inner) for node in ast.walk(tree) if isinstance(node, ast.Call)
                     and getattr(node.func, "id", getattr(node.func, "attr", "")) == "error"
                     for inner in ast.walk(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == "ErrorCode" \
                    and id(node) not in in_bodies:
                named.add(ErrorCode[node.attr])
    return {code for code in named if code.status}
