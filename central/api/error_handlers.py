"""How central answers a refusal: ``{"code", "message_zh", "message_en"}`` with the error's
status, like the hall API — a :class:`central.errors.CentralError` as it says, the database down
as 503 ``database_unavailable``, a malformed request as 422 ``bad_request`` naming where — and
what each route may answer, for the OpenAPI document (``responses=error_answers(…)``).
"""

import logging
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from central.db import DatabaseUnavailable
from central.errors import CentralError, bad_request
from hall.errors import ErrorCode, error_responses

log = logging.getLogger("hallq.central.api")

#: What any route may answer: a malformed request, the database down.
ANY_ROUTE_ERRORS = (ErrorCode.BAD_REQUEST, ErrorCode.DATABASE_UNAVAILABLE)
#: What a route that needs a credential may answer besides: none or an unknown or revoked
#: one, a credential that may not (another hall's data, not an admin, a phone's elsewhere).
CREDENTIAL_ERRORS = (ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN)


def error_answers(*codes: ErrorCode, credential: bool = True) -> dict[int | str, Any]:
    """The ``responses=`` of a route that may refuse with ``codes``, besides what any route
    may answer (and, with ``credential``, a route that needs one): the error bodies by
    status, for the OpenAPI document."""
    chosen = {*codes, *ANY_ROUTE_ERRORS, *(CREDENTIAL_ERRORS if credential else ())}
    return error_responses(code for code in ErrorCode if code in chosen)


async def refused(_: Request, err: CentralError) -> JSONResponse:
    """A refusal of the central platform, as it says."""
    return JSONResponse(err.to_dict(), status_code=err.status)


async def database_down(_: Request, err: DatabaseUnavailable) -> JSONResponse:
    """The database could not be reached: 503, logged."""
    log.error("database unavailable: %s", err)
    refusal = CentralError(503, ErrorCode.DATABASE_UNAVAILABLE,
                           "中心数据库暂不可用，请稍后重试",
                           "The central database is unavailable; retry later")
    return JSONResponse(refusal.to_dict(), status_code=503)


async def bad_body(_: Request, err: RequestValidationError) -> JSONResponse:
    """A request FastAPI could not validate: 422 ``bad_request`` with where and why."""
    where = "; ".join(".".join(str(p) for p in e["loc"]) + ": " + e["msg"]
                      for e in err.errors())
    return JSONResponse(bad_request(f"Bad request: {where}").to_dict(), status_code=422)


async def http_error(request: Request, err: HTTPException) -> Response:
    """FastAPI's own refusals: a body that is not even text (its 400) is a malformed request,
    422 ``bad_request`` like any other; the rest (an unknown path …) as FastAPI answers them."""
    if err.status_code == 400:
        return JSONResponse(bad_request(f"Bad request: {err.detail}").to_dict(),
                            status_code=422)
    return await http_exception_handler(request, err)


def add_error_handlers(app: FastAPI) -> None:
    """Answer central's refusals, a database outage and malformed requests in central's shape."""
    # the decorator's form, which types a handler by the error it takes
    app.exception_handler(CentralError)(refused)
    app.exception_handler(DatabaseUnavailable)(database_down)
    app.exception_handler(RequestValidationError)(bad_body)
    app.exception_handler(HTTPException)(http_error)
