"""What central's routes reach, as FastAPI dependencies over ``app.state`` (set by
``central.app.create_central_app``): the database, the caller's credential, cloud calling's
live city state and mailboxes, the city's ID key, central's data key; and the base of request
bodies.

A route names what it needs by type: ``db: Db``, ``who: Caller``, ``cloud: Cloud``,
``mailbox: Mail``, ``id_key: IdKey``, ``key: DataKeyDep``. The dependencies are ``async`` so
that reaching ``app.state`` costs no trip to the thread pool.
"""

from typing import Annotated

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from central.auth import Authenticator, Principal
from central.city import CityService
from central.data_key import DataKey
from central.db import Database
from central.errors import CentralError, unauthorized
from central.mailbox import Mailbox
from central.phone import PHONE_PATHS
from hall.errors import ErrorCode

#: The version in the API's path (``/api/v1``) and in its OpenAPI document.
API_VERSION = "1"
#: A hall's (or a client's) id in a request body.
ID_FIELD = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")


class Body(BaseModel):
    """Base of request bodies: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")


async def database(request: Request) -> Database:
    """The opened (and migrated) database."""
    db: Database = request.app.state.db
    return db


#: What a back-office credential may reach: the submissions, and who it is.
OFFICE_PATHS = ("/api/v1/submissions", "/api/v1/whoami")


async def caller(request: Request) -> Principal:
    """Who is calling, from ``Authorization: Bearer hq_…``: 401 without a valid credential,
    403 for a phone credential outside ``PHONE_PATHS`` and a back-office one outside
    ``OFFICE_PATHS``."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        raise unauthorized()
    token = token.strip()
    auth: Authenticator = request.app.state.auth
    principal = auth.cached(token) or await run_in_threadpool(auth.principal, token)
    if principal is None:
        raise unauthorized()
    if principal.is_phone and not request.url.path.startswith(PHONE_PATHS):
        raise CentralError(403, ErrorCode.FORBIDDEN, "手机取号凭据只能用于手机取号接口",
                           "A phone channel credential may use only /api/v1/phone/…")
    if principal.role == "office" and not request.url.path.startswith(OFFICE_PATHS):
        raise CentralError(403, ErrorCode.FORBIDDEN, "后台受理凭据只能用于申报接口",
                           "A back-office credential may use only /api/v1/submissions…")
    return principal


async def city_service(request: Request) -> CityService:
    """Cloud calling's live city state of this worker."""
    cloud: CityService = request.app.state.cloud
    return cloud


async def mailboxes(request: Request) -> Mailbox:
    """What waits for each hall's agent (this worker's: see ``central/app.py``)."""
    mailbox: Mailbox = request.app.state.mailbox
    return mailbox


async def city_id_key(request: Request) -> bytes | None:
    """The city's key for hashing ID numbers; None when central was started without one."""
    key: bytes | None = request.app.state.id_key
    return key


async def central_data_key(request: Request) -> DataKey:
    """Central's data key: what the personal parts of submissions are sealed with."""
    key: DataKey = request.app.state.data_key
    return key


Db = Annotated[Database, Depends(database)]
Caller = Annotated[Principal, Depends(caller)]
Cloud = Annotated[CityService, Depends(city_service)]
Mail = Annotated[Mailbox, Depends(mailboxes)]
IdKey = Annotated[bytes | None, Depends(city_id_key)]
DataKeyDep = Annotated[DataKey, Depends(central_data_key)]
