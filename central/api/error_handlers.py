"""How central answers a refusal: ``{"code", "message_zh", "message_en"}`` with the error's
status, like the hall API — a :class:`central.errors.CentralError` as it says, the database down
as 503 ``database_unavailable``, a malformed request as 422 ``bad_request`` naming where.
"""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from central.db import DatabaseUnavailable
from central.errors import CentralError, bad_request
from hall.errors import ErrorCode

log = logging.getLogger("hallq.central.api")


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


def add_error_handlers(app: FastAPI) -> None:
    """Answer central's refusals, a database outage and malformed requests in central's shape."""
    # the decorator's form, which types a handler by the error it takes
    app.exception_handler(CentralError)(refused)
    app.exception_handler(DatabaseUnavailable)(database_down)
    app.exception_handler(RequestValidationError)(bad_body)
