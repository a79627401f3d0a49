"""Submissions at central (``central/submissions.py``): a hall creates one and uploads its
files in resumable, checksummed chunks; the back office (admin) reads the files and moves the
submission on; the citizen follows its progress with the receipt code."""

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from central import submissions
from central.api.dependencies import ID_FIELD, Body, Caller, Db
from central.api.error_handlers import error_answers
from central.auth import Principal
from central.db import Database
from hall.bounds import WholeNumber
from hall.errors import ErrorCode

router = APIRouter()


class FileSpec(Body):
    """A file a submission will upload."""

    name: str = Field(min_length=1, max_length=64)
    size: WholeNumber = Field(ge=1, le=submissions.MAX_FILE_BYTES)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class SubmissionRequest(Body):
    """POST /api/v1/halls/{hall}/submissions."""

    client_id: str = ID_FIELD
    form: str = Field(min_length=1, max_length=64, description="the form's code")
    fields: dict[str, Any]
    files: list[FileSpec] = []


class StatusRequest(Body):
    """POST /api/v1/submissions/{id}/status."""

    status: str = Field(pattern=r"^(accepted|in_progress|done|rejected)$")
    note: str = Field("", max_length=500)


def own_submission(db: Database, who: Principal, sub_id: str) -> None:
    """Refuse (403) unless the caller may see the submission's hall (404 when there is none)."""
    who.require_hall(submissions.hall_of(db, sub_id))


@router.post("/api/v1/halls/{hall_id}/submissions", status_code=201,
             responses=error_answers())
def create_submission(hall_id: str, body: SubmissionRequest, who: Caller, db: Db) -> dict:
    """Create a submission (idempotent on the hall's ``client_id``)."""
    who.require_hall(hall_id)
    return submissions.create(db, hall_id, body.client_id, body.form, body.fields,
                              [f.model_dump() for f in body.files])


@router.get("/api/v1/halls/{hall_id}/submissions", responses=error_answers())
def hall_submissions(hall_id: str, who: Caller, db: Db) -> dict:
    """The hall's latest submissions and their status."""
    who.require_hall(hall_id)
    return {"submissions": submissions.list_for_hall(db, hall_id)}


@router.get("/api/v1/submissions/{sub_id}", responses=error_answers(ErrorCode.NOT_FOUND))
def submission(sub_id: str, who: Caller, db: Db) -> dict:
    """Status and files' progress; the form's fields only for an admin."""
    own_submission(db, who, sub_id)
    return submissions.get(db, sub_id, with_fields=who.is_admin)


@router.get("/api/v1/submissions/{sub_id}/files/{name}",
            responses=error_answers(ErrorCode.NOT_FOUND))
def file_progress(sub_id: str, name: str, who: Caller, db: Db) -> dict:
    """Bytes received so far: where an interrupted upload resumes."""
    own_submission(db, who, sub_id)
    return submissions.file_progress(db, sub_id, name)


@router.put("/api/v1/submissions/{sub_id}/files/{name}", responses=error_answers(
    ErrorCode.NOT_FOUND, ErrorCode.BAD_OFFSET, ErrorCode.CHECKSUM_MISMATCH))
async def put_chunk(sub_id: str, name: str, request: Request, who: Caller, db: Db,
                    offset: Annotated[int, Query(ge=0, le=submissions.MAX_FILE_BYTES)]
                    ) -> dict:
    """A chunk of a file at ``offset`` (body: the bytes; optional header
    ``X-Chunk-SHA256``). The last chunk triggers the whole file's SHA-256 check."""
    await run_in_threadpool(own_submission, db, who, sub_id)
    data = await request.body()
    return await run_in_threadpool(submissions.put_chunk, db, sub_id, name, offset, data,
                                   request.headers.get("x-chunk-sha256"))


@router.get("/api/v1/submissions/{sub_id}/files/{name}/content",
            responses=error_answers(ErrorCode.NOT_FOUND, ErrorCode.BAD_STATE))
def file_content(sub_id: str, name: str, who: Caller, db: Db) -> StreamingResponse:
    """A verified file's bytes (admin: back office)."""
    who.require_admin()
    chunks = submissions.file_content(db, sub_id, name)
    # read before answering, so that a missing or unfinished file is refused (404, 409)
    # rather than a stream broken off
    first = next(chunks, b"")
    return StreamingResponse(_prepend(first, chunks), media_type="application/octet-stream")


@router.post("/api/v1/submissions/{sub_id}/status",
             responses=error_answers(ErrorCode.NOT_FOUND, ErrorCode.BAD_STATE))
def submission_status(sub_id: str, body: StatusRequest, who: Caller, db: Db) -> dict:
    """Move a submission on: accepted, in_progress, done or rejected (admin)."""
    who.require_admin()
    return submissions.set_status(db, sub_id, body.status, body.note)


@router.get("/api/v1/public/submissions/{receipt}",
            responses=error_answers(ErrorCode.NOT_FOUND, credential=False))
def public_progress(receipt: str, db: Db) -> dict:
    """A citizen's view of a submission's progress by receipt code."""
    return submissions.progress_by_receipt(db, receipt)


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest
