"""Catalogs at central (``central/catalog.py``): each hall's (windows, quotas, items, hours)
and the city's; an admin publishes them, and a hall's new catalog reaches cloud calling's
live city state."""

from typing import Any

from fastapi import APIRouter

from central import catalog
from central.api.dependencies import Caller, Cloud, Db
from central.api.error_handlers import error_answers
from central.errors import CentralError
from hall.errors import ErrorCode

router = APIRouter()


@router.get("/api/v1/halls/{hall_id}/catalog", responses=error_answers(ErrorCode.NOT_FOUND))
def hall_catalog(hall_id: str, who: Caller, db: Db) -> dict:
    """The hall's published catalog (themes, items, windows, quotas, hours)."""
    who.require_hall(hall_id)
    found = catalog.get_catalog(db, hall_id)
    if found is None:
        raise CentralError(404, ErrorCode.NOT_FOUND, "该大厅尚未发布服务目录",
                           "No catalog was published for this hall")
    return found


@router.put("/api/v1/halls/{hall_id}/catalog",
            responses=error_answers(ErrorCode.CATALOG_INVALID))
def put_hall_catalog(hall_id: str, body: dict[str, Any], who: Caller, db: Db, cloud: Cloud
                     ) -> dict:
    """Publish a hall's catalog (admin); returns its version."""
    who.require_admin()
    version = catalog.put_catalog(db, hall_id, body)
    cloud.invalidate()
    return {"hall_id": hall_id, "version": version}


@router.get("/api/v1/catalog", responses=error_answers(ErrorCode.NOT_FOUND))
def city_catalog(who: Caller, db: Db) -> dict:
    """The city's catalog of service items."""
    found = catalog.get_catalog(db, catalog.CITY)
    if found is None:
        raise CentralError(404, ErrorCode.NOT_FOUND, "尚未发布全市服务目录",
                           "No city catalog was published")
    return found


@router.put("/api/v1/catalog", responses=error_answers(ErrorCode.CATALOG_INVALID))
def put_city_catalog(body: dict[str, Any], who: Caller, db: Db) -> dict:
    """Publish the city's catalog (admin)."""
    who.require_admin()
    return {"version": catalog.put_catalog(db, catalog.CITY, body)}
