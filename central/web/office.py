"""后台受理, the back office's pages (role ``backoffice``): the queue of self-service
submissions (by status, hall and item, oldest first, paged), one submission with its fields
and document photos (and the documents it reuses, 一证通办), and the moves — accept, reject
with a reason in Chinese and English (shown to the citizen), in progress, done — through
:func:`central.submissions.set_status`, as the API and ``hallq central submissions`` do,
recorded with the staff id (``office:<id>``). The citizen's progress page
(``/progress/{receipt}``) reads the same row: it follows at once.

The applicant's name is shown here, unmasked: the back office processes the application and
must check it against the documents' photos. The ID number never reaches central (the hall
sends its keyed hash and masked form), so only the masked number is shown. Photos are served
only to a signed-in back-office session, never cached (``Cache-Control: no-store``).
"""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from PIL import Image
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from central import catalog, submissions
from central.errors import CentralError
from central.web.site import SignInNeeded, page_route, site_of
from hall.config import HallConfig
from hall.errors import BilingualError, ErrorCode, QueueError
from hall.idnumber import mask
from hall.submission_book import STATUS_ZH
from hall.webkit.i18n import language, pick

router = APIRouter(include_in_schema=False)

PER_PAGE = 20
THUMB_PX = 360
#: Each move's form action, the status it sets, and what the next page says it did.
MOVES = {"accept": ("accepted", ("已受理", "Accepted")),
         "progress": ("in_progress", ("已标记为办理中", "Marked in progress")),
         "done": ("done", ("已办结", "Marked done")),
         "reject": ("rejected", ("已不予受理，理由已告知申请人",
                                 "Not accepted; the reason is shown to the applicant"))}
#: A whole ID number (a hall sends only the masked form; shown masked should one come anyway).
FULL_ID = re.compile(r"^[0-9]{17}[0-9Xx]$")
NO_STORE = {"cache-control": "no-store", "pragma": "no-cache",
            "x-content-type-options": "nosniff"}


@router.get("/office")
@page_route
async def queue_page(request: Request, status: str = "received", hall: str = "",
                     item: str = "", page: int = 1) -> Response:
    """The queue: submissions of a status (all with ``status=all``), hall and item, oldest
    handed in first, :data:`PER_PAGE` a page."""
    site = site_of(request)
    session = await site.session_of(request)
    wanted = None if status == "all" else status
    if wanted is not None and wanted not in STATUS_ZH:
        raise QueueError(ErrorCode.BAD_REQUEST, "没有这种状态", f"No status {status[:16]!r}",
                         status=422)
    page = max(1, min(page, 100_000))
    found, total = await run_in_threadpool(submissions.queue, site.db, wanted, hall or None,
                                           item or None, page, PER_PAGE)
    halls, items = await run_in_threadpool(submissions.queue_choices, site.db)
    pages = max(1, -(-total // PER_PAGE))
    filters = {"status": status, "hall": hall, "item": item}
    return await site.page(request, "office_queue.html", session, rows=found, total=total,
                           page=page, pages=pages, filters=filters, halls=halls, items=items,
                           statuses=list(STATUS_ZH), first=(page - 1) * PER_PAGE + 1,
                           link=lambda p: "/office?" + urlencode({**filters, "page": p}))


@router.get("/office/submissions/{sub_id}")
@page_route
async def submission_page(request: Request, sub_id: str) -> Response:
    """One submission: fields, photos, documents reused, who moved it on, the moves left."""
    site = site_of(request)
    session = await site.session_of(request)
    return await _submission_page(request, sub_id, session)


async def _submission_page(request: Request, sub_id: str, session: Any,
                           error: BilingualError | None = None) -> Response:
    site = site_of(request)
    sub = await run_in_threadpool(submissions.get, site.db, sub_id, site.data_key)
    sub["fields"] = {key: mask(value) if isinstance(value, str) and FULL_ID.match(value)
                     else value for key, value in sub.get("fields", {}).items()}
    labels = await run_in_threadpool(_field_labels, site, sub["hall_id"], sub["form"])
    moves = await run_in_threadpool(submissions.moves, site.db, sub_id)
    said = pick(language(request), error.message_zh, error.message_en) if error else None
    return await site.page(request, "office_submission.html", session,
                           error.status if error else 200, sub=sub, labels=labels,
                           moves=moves, photos=_photos_by_material(sub),
                           next_moves=_next_moves(sub["status"]), error=said)


def _field_labels(site: Any, hall_id: str, form: str
                  ) -> dict[str, tuple[str, str, dict[str, str]]]:
    """The labels of the item's form fields (Chinese, English, a choice's English words)
    from the hall's published catalog (none: the keys are shown)."""
    published = catalog.get_catalog(site.db, hall_id)
    if published is None:
        return {}
    try:
        config: HallConfig = catalog.parse_hall_catalog(hall_id, published["catalog"])
    except CentralError:
        return {}
    item = config.items.get(form)
    if item is None:
        return {}
    return {f.key: (f.label_zh, f.label_en or f.label_zh,
                    dict(zip(f.choices_zh, f.choices_en, strict=False)))
            for f in item.guide.fields}


def _photos_by_material(sub: dict[str, Any]) -> list[dict[str, Any]]:
    """Each material with its photographed files (``<material>-<n>.jpg``) or the document
    it reuses; files of no listed material come last."""
    files = list(sub["files"])
    reused = {doc["material_id"]: doc for doc in sub["reused"]}
    shown = []
    for material in sub["materials"]:
        mine = [f for f in files if f["name"].startswith(f"{material['id']}-")]
        files = [f for f in files if f not in mine]
        shown.append({"material": material, "files": mine,
                      "reused": reused.get(material["id"])})
    if files:
        shown.append({"material": {"id": "", "name_zh": "其他文件", "name_en": "Other files"},
                      "files": files, "reused": None})
    return shown


def _next_moves(status: str) -> list[str]:
    allowed = submissions.TRANSITIONS.get(status, set())
    return [move for move, (sets, _) in MOVES.items() if sets in allowed]


@router.post("/office/submissions/{sub_id}/{move}")
@page_route
async def move_on(request: Request, sub_id: str, move: str) -> Response:
    """Accept, mark in progress, done, or reject with the reason in Chinese and English."""
    site = site_of(request)
    session, form = await site.posted(request)
    if move not in MOVES:
        raise QueueError(ErrorCode.BAD_REQUEST, "未知操作", f"Unknown action {move[:16]!r}",
                         status=422)
    status, done = MOVES[move]
    reason_zh, reason_en = form.get("reason_zh", "").strip(), form.get("reason_en", "").strip()
    try:
        if status == "rejected" and not (reason_zh and reason_en):
            raise QueueError(ErrorCode.BAD_REQUEST, "不予受理须写明理由（中文和英文）",
                             "A rejection needs its reason in Chinese and in English",
                             status=422)
        if len(reason_zh) > 500 or len(reason_en) > 500:
            raise QueueError(ErrorCode.BAD_REQUEST, "理由不能超过 500 字",
                             "The reason is at most 500 characters", status=422)
        await run_in_threadpool(submissions.set_status, site.db, sub_id, status,
                                reason_zh if status == "rejected" else "",
                                reason_en if status == "rejected" else "",
                                f"office:{session.staff_id}")
    except BilingualError as failed:
        if failed.status == 404:
            raise
        return await _submission_page(request, sub_id, session, failed)
    await run_in_threadpool(site.sessions.tell, session, done)
    return RedirectResponse(f"/office/submissions/{sub_id}", status_code=303)


@router.get("/office/submissions/{sub_id}/photos/{name}")
async def photo(request: Request, sub_id: str, name: str, thumb: int = 0) -> Response:
    """A verified photo of a submission (``thumb=1``: at most :data:`THUMB_PX` a side), only
    to a signed-in back-office session, never cached."""
    site = site_of(request)
    try:
        await site.session_of(request)
        data = await run_in_threadpool(_read_file, site, sub_id, name)
        if thumb:
            data = await run_in_threadpool(_thumbnail, data)
    except SignInNeeded:
        return JSONResponse({"code": str(ErrorCode.UNAUTHORIZED), "message_zh": "请先登录后台",
                             "message_en": "Sign in to the back office first"},
                            status_code=401, headers=NO_STORE)
    except BilingualError as failed:
        return JSONResponse(failed.to_dict(), status_code=failed.status, headers=NO_STORE)
    kind = "image/jpeg" if data[:3] == b"\xff\xd8\xff" else (
        "image/png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "application/octet-stream")
    return Response(data, media_type=kind, headers=NO_STORE)


def _read_file(site: Any, sub_id: str, name: str) -> bytes:
    return b"".join(submissions.file_content(site.db, site.data_key, sub_id, name))


def _thumbnail(data: bytes) -> bytes:
    """A small JPEG of the photo (the photo itself when it is no image Pillow reads)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.thumbnail((THUMB_PX, THUMB_PX))
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=80)
    except (OSError, ValueError):
        return data
    return out.getvalue()
