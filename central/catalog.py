"""Catalogs central publishes: each hall's configuration (themes, items, windows, quotas,
hours — the hall's TOML as JSON) and the city-wide catalog of service items.

A hall's catalog is checked with the hall node's own parser (``hall.config.parse_config``) and
must name that hall; every publication gets the next version number, so an agent fetches a
catalog only when its version changed. The city catalog is stored under the hall id ``*``.
"""

from __future__ import annotations

import json
import time
import tomllib
from pathlib import Path
from typing import Any

from central.db import Database
from central.errors import CentralError
from hall.config import ConfigError, HallConfig, parse_config
from hall.errors import ErrorCode

CITY = "*"


def toml_to_catalog(path: Path | str) -> dict[str, Any]:
    """A hall's TOML file as the JSON document central stores."""
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    return json.loads(json.dumps(data, default=str))


def parse_hall_catalog(hall_id: str, body: Any) -> HallConfig:
    """The hall configuration of a catalog; raise 422 ``catalog_invalid`` when it is wrong."""
    try:
        if not isinstance(body, dict):
            raise ConfigError("a catalog is a JSON object")
        config = parse_config(body)
    except (ConfigError, KeyError, TypeError, ValueError) as err:
        raise CentralError(422, ErrorCode.CATALOG_INVALID, "服务目录格式有误",
                           f"The catalog is not a valid hall configuration: {err}") from None
    if config.hall_id != hall_id:
        raise CentralError(422, ErrorCode.CATALOG_INVALID, "服务目录与大厅编号不符",
                           f"The catalog is for hall {config.hall_id}, not {hall_id}")
    return config


def put_catalog(db: Database, hall_id: str, body: dict[str, Any]) -> int:
    """Publish a catalog (``hall_id`` ``*`` for the city's); return its new version."""
    if hall_id != CITY:
        parse_hall_catalog(hall_id, body)
    elif not isinstance(body, dict):
        raise CentralError(422, ErrorCode.CATALOG_INVALID, "服务目录格式有误",
                           "A catalog is an object")
    text = json.dumps(body, ensure_ascii=False)
    with db.transaction() as tx:
        row = tx.one("SELECT version FROM catalogs WHERE hall_id = ?" + tx.for_update,
                     (hall_id,))
        version = (row[0] if row else 0) + 1
        tx.execute("INSERT INTO catalogs (hall_id, version, body, updated_at) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT (hall_id) DO UPDATE SET version = excluded.version, "
                   "body = excluded.body, updated_at = excluded.updated_at",
                   (hall_id, version, text, time.time()))
    return version


def get_catalog(db: Database, hall_id: str) -> dict[str, Any] | None:
    """``{"hall_id", "version", "updated_at", "catalog"}`` or None when none was published."""
    with db.transaction() as tx:
        row = tx.one("SELECT version, body, updated_at FROM catalogs WHERE hall_id = ?",
                     (hall_id,))
    if row is None:
        return None
    return {"hall_id": hall_id, "version": row[0], "updated_at": row[2],
            "catalog": json.loads(row[1])}


def catalog_versions(db: Database) -> dict[str, int]:
    """The current version of every published catalog."""
    with db.transaction() as tx:
        return {r[0]: r[1] for r in tx.all("SELECT hall_id, version FROM catalogs")}
