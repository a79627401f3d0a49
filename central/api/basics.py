"""Central's basic routes: liveness (no credential) and who the caller is."""

import time

from fastapi import APIRouter

from central.api.dependencies import API_VERSION, Caller, Db
from central.api.error_handlers import error_answers

router = APIRouter()


@router.get("/api/v1/health", responses=error_answers(credential=False))
def health(db: Db) -> dict:
    """Liveness; no credential needed."""
    return {"status": "ok", "api_version": API_VERSION, "database": db.dialect,
            "time": time.time()}


@router.get("/api/v1/whoami", responses=error_answers())
def whoami(who: Caller) -> dict:
    """The caller's credential id, role and hall."""
    return {"credential": who.credential_id, "role": who.role, "hall_id": who.hall_id}
