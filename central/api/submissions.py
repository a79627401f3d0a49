"""Submissions at central (``central/submissions.py``): a hall creates one and uploads its
files in resumable, checksummed chunks; the back office (a back-office or admin credential)
lists them, reads the files and moves them on; the citizen follows the progress with the
receipt code (JSON, and the phone page ``/progress/{code}``); a hall asks which documents a
citizen gave before (一证通办, ``central/documents.py``)."""

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from central import documents, submissions
from central.api.dependencies import ID_FIELD, Body, Caller, DataKeyDep, Db
from central.api.error_handlers import error_answers
from central.auth import Principal
from central.db import Database
from central.errors import CentralError
from hall.bounds import WholeNumber
from hall.errors import ErrorCode
from hall.progress_page import progress_html

router = APIRouter()


class FileSpec(Body):
    """A file a submission will upload."""

    name: str = Field(min_length=1, max_length=64)
    size: WholeNumber = Field(ge=1, le=submissions.MAX_FILE_BYTES)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class MaterialSpec(Body):
    """A material of a kiosk's submission: photographed (``pages``) or reused."""

    id: str = Field(min_length=1, max_length=64)
    name_zh: str = Field("", max_length=64)
    name_en: str = Field("", max_length=128)
    pages: WholeNumber = Field(0, ge=0, le=submissions.MAX_FILES)
    reused: bool = False
    reusable_days: WholeNumber = Field(0, ge=0, le=3650)


class SubmissionRequest(Body):
    """POST /api/v1/halls/{hall}/submissions. A kiosk's submission (through its hall's
    agent) adds the hall-minted ``receipt`` and what follows it."""

    client_id: str = ID_FIELD
    form: str = Field(min_length=1, max_length=64, description="the form's (item's) code")
    fields: dict[str, Any]
    files: list[FileSpec] = []
    receipt: str | None = Field(None, pattern=submissions.RECEIPT_RE.pattern)
    item_name_zh: str = Field("", max_length=64)
    item_name_en: str = Field("", max_length=128)
    id_hash: str | None = Field(None, pattern=r"^[0-9a-f]{64}$",
                                description="the keyed hash of the ID number (city key)")
    id_masked: str | None = Field(None, max_length=32)
    materials: list[MaterialSpec] = Field([], max_length=50)
    reuse: list[str] = Field([], max_length=20, description="documents reused (一证通办)")
    submitted_at: str | None = Field(None, max_length=40, description="ISO, the hall's time")


class StatusRequest(Body):
    """POST /api/v1/submissions/{id}/status: a rejection gives its reason (``note``)."""

    status: str = Field(pattern=r"^(accepted|in_progress|done|rejected)$")
    note: str = Field("", max_length=500, description="the reason of a rejection (Chinese)")
    reason_en: str = Field("", max_length=500)


class ReusableRequest(Body):
    """POST /api/v1/halls/{hall}/reusable: a citizen's documents that may be reused."""

    id_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    materials: list[str] = Field(max_length=50)
    today: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", description="the hall's date")


def own_submission(db: Database, who: Principal, sub_id: str) -> None:
    """Refuse (403) unless the caller may see the submission's hall (404 when there is none)."""
    who.require_hall(submissions.hall_of(db, sub_id))


@router.post("/api/v1/halls/{hall_id}/submissions", status_code=201,
             responses=error_answers())
def create_submission(hall_id: str, body: SubmissionRequest, who: Caller, db: Db,
                      key: DataKeyDep) -> dict:
    """Create a submission (idempotent on the hall's ``client_id``); its personal part is
    kept sealed."""
    who.require_hall(hall_id)
    details = body.model_dump(include=set(submissions.DETAILS))
    return submissions.create(db, key, hall_id, body.client_id, body.form, body.fields,
                              [f.model_dump() for f in body.files], details)


@router.get("/api/v1/halls/{hall_id}/submissions", responses=error_answers())
def hall_submissions(hall_id: str, who: Caller, db: Db,
                     updated_after: Annotated[float | None, Query(ge=0, le=1e10)] = None,
                     limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict:
    """The hall's latest submissions and their status (``updated_after``: those changed
    since, oldest first)."""
    who.require_hall(hall_id)
    return {"submissions": submissions.list_for_hall(db, hall_id, limit, updated_after)}


@router.post("/api/v1/halls/{hall_id}/reusable", responses=error_answers())
def reusable(hall_id: str, body: ReusableRequest, who: Caller, db: Db) -> dict:
    """Documents the citizen (keyed ID hash) gave before, still valid on the hall's date,
    for the materials asked: names and dates, never an image (一证通办)."""
    who.require_hall(hall_id)
    return {"documents": documents.reusable(db, body.id_hash, body.materials, body.today)}


@router.get("/api/v1/submissions", responses=error_answers())
def all_submissions(who: Caller, db: Db,
                    status: Annotated[str | None, Query(max_length=16)] = None,
                    hall_id: Annotated[str | None, Query(max_length=64)] = None,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict:
    """The back office's list of the latest submissions (no personal data)."""
    who.require_back_office()
    return {"submissions": submissions.list_all(db, status, hall_id, limit)}


@router.get("/api/v1/submissions/{sub_id}",
            responses=error_answers(ErrorCode.NOT_FOUND, ErrorCode.INTERNAL_ERROR))
def submission(sub_id: str, who: Caller, db: Db, key: DataKeyDep) -> dict:
    """Status, files' progress and reused documents; the form's fields and masked ID,
    decrypted, only for the back office (500 ``internal_error`` when they do not decrypt)."""
    if not who.is_back_office:
        own_submission(db, who, sub_id)
    return submissions.get(db, sub_id, key if who.is_back_office else None)


@router.get("/api/v1/submissions/{sub_id}/files/{name}",
            responses=error_answers(ErrorCode.NOT_FOUND))
def file_progress(sub_id: str, name: str, who: Caller, db: Db) -> dict:
    """Bytes received so far: where an interrupted upload resumes."""
    own_submission(db, who, sub_id)
    return submissions.file_progress(db, sub_id, name)


@router.put("/api/v1/submissions/{sub_id}/files/{name}", responses=error_answers(
    ErrorCode.NOT_FOUND, ErrorCode.BAD_OFFSET, ErrorCode.CHECKSUM_MISMATCH,
    ErrorCode.INTERNAL_ERROR))
async def put_chunk(sub_id: str, name: str, request: Request, who: Caller, db: Db,
                    key: DataKeyDep,
                    offset: Annotated[int, Query(ge=0, le=submissions.MAX_FILE_BYTES)]
                    ) -> dict:
    """A chunk of a file at ``offset`` (body: the bytes; optional header
    ``X-Chunk-SHA256``), kept sealed. The last chunk triggers the whole file's SHA-256
    check (500 ``internal_error`` when a chunk kept does not decrypt)."""
    await run_in_threadpool(own_submission, db, who, sub_id)
    data = await request.body()
    return await run_in_threadpool(submissions.put_chunk, db, key, sub_id, name, offset, data,
                                   request.headers.get("x-chunk-sha256"))


@router.get("/api/v1/submissions/{sub_id}/files/{name}/content",
            responses=error_answers(ErrorCode.NOT_FOUND, ErrorCode.BAD_STATE,
                                    ErrorCode.INTERNAL_ERROR))
def file_content(sub_id: str, name: str, who: Caller, db: Db, key: DataKeyDep
                 ) -> StreamingResponse:
    """A verified file's bytes, decrypted (the back office; 500 ``internal_error`` when
    its first chunk does not decrypt)."""
    who.require_back_office()
    chunks = submissions.file_content(db, key, sub_id, name)
    # read before answering, so that a missing or unfinished file is refused (404, 409)
    # rather than a stream broken off
    first = next(chunks, b"")
    return StreamingResponse(_prepend(first, chunks), media_type="application/octet-stream")


@router.post("/api/v1/submissions/{sub_id}/status",
             responses=error_answers(ErrorCode.NOT_FOUND, ErrorCode.BAD_STATE))
def submission_status(sub_id: str, body: StatusRequest, who: Caller, db: Db) -> dict:
    """Move a submission on: accepted, in_progress, done or rejected with the reason (the
    back office)."""
    who.require_back_office()
    return submissions.set_status(db, sub_id, body.status, body.note, body.reason_en,
                                  by=f"credential:{who.credential_id}")


@router.get("/api/v1/public/submissions/{receipt}",
            responses=error_answers(ErrorCode.NOT_FOUND, credential=False))
def public_progress(receipt: str, db: Db) -> dict:
    """A citizen's view of a submission's progress by receipt code (no personal data)."""
    return submissions.progress_by_receipt(db, receipt)


@router.get("/progress/{receipt}", response_class=HTMLResponse, responses={
    404: {"description": "no such receipt code: a page that says so",
          "content": {"text/html": {}}}, **error_answers(credential=False)})
def progress_page(receipt: str, db: Db) -> HTMLResponse:
    """The phone page behind the receipt's QR code: the progress, no personal data."""
    try:
        found = submissions.progress_by_receipt(db, receipt)
    except CentralError:
        return HTMLResponse(progress_html(None), status_code=404)
    return HTMLResponse(progress_html(found))  # type: ignore[arg-type]


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest
