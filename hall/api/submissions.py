"""Self-service submissions (自助申报) at the hall node: a kiosk hands in a form and the photos
of its materials; the node checks them against the item's guide (:mod:`hall.submission_check`),
mints the receipt code (回执码), keeps the submission ENCRYPTED in the outbox the sync agent
uploads to central (:mod:`hall.submission_outbox`) and answers the receipt. The kiosk then
reads its progress here; documents given before (一证通办) are looked up at central through the
agent (:mod:`hall.reuse_desk`).

``POST /api/v1/submissions`` is ``multipart/form-data``: one part ``submission`` (JSON:
item, fields, reuse, id_number, name, appointment_id, client_id, consent_version) and one
``image/jpeg`` part ``photo`` per page, its file name ``<material id>-<page>.jpg``.

Who the citizen is comes from the ID card (``id_number``, ``name``), or from an appointment
QR code (``appointment_id``) with the fields the card would fill typed on the form: the keyed
hash of the typed ID number must be the one the appointment was booked with, and the
appointment today's and not used (:func:`~hall.submission_check.check_appointment_holder`);
a submission uses it up. An ID number typed without such an appointment is refused.

The photos are read into memory (never spooled to disk in clear) and refused past the limits
before the body is read whole. The ID number is kept only as the keyed hash under the city
key and the masked form; nothing personal is logged.
"""

import logging
import re
import threading
import time
from collections.abc import AsyncGenerator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import HTTPConnection

from hall import idnumber
from hall.api.dependencies import Body, Device, Node, allow, error_answers
from hall.config import Item
from hall.engine import Engine
from hall.errors import ErrorCode, QueueError, not_found, unknown_service
from hall.guide import Guide
from hall.node import HallNode
from hall.progress_page import progress_html
from hall.reuse_desk import ReuseDesk
from hall.schemas import (
    ReusableDocumentsBody,
    SubmissionProgressBody,
    SubmissionReceiptBody,
    SubmittedMaterialBody,
)
from hall.state import Appointment
from hall.submission_book import (
    STATUS_EN,
    STATUS_ZH,
    SubmissionBook,
    new_receipt_code,
)
from hall.submission_check import (
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    MAX_TOTAL_BYTES,
    Photo,
    check_appointment_holder,
    check_fields,
    check_photos,
)
from hall.submission_outbox import SAFE_NAME, SubmissionOutbox

log = logging.getLogger("hallq.hall.submissions")

router = APIRouter()

#: Room for the JSON part and the multipart framing on top of the photos.
FORM_OVERHEAD = 256 * 1024
#: A photo part's file name.
PHOTO_NAME = re.compile(r"^([a-z][a-z0-9_]{0,31})-([0-9]{1,2})\.jpg$")
#: The agent's report counts as "central reachable" for this long.
SYNC_FRESH_S = 30.0
#: Receipts are kept in the node's book this long (progress on the kiosk).
RECEIPT_DAYS = 180

#: Why an appointment QR code does not stand in for the ID card.
APPOINTMENT_ERRORS = (ErrorCode.UNKNOWN_APPOINTMENT, ErrorCode.APPOINTMENT_NOT_TODAY,
                      ErrorCode.APPOINTMENT_USED, ErrorCode.APPOINTMENT_MISMATCH,
                      ErrorCode.APPOINTMENT_ANONYMOUS, ErrorCode.TOO_MANY_ATTEMPTS)
#: Wrong ID numbers typed against one appointment before it no longer vouches for anybody
#: today: a QR code found or stolen cannot be used to guess the ID number that opens the
#: documents its holder gave before.
MAX_WRONG_ID_NUMBERS = 5
SUBMIT_ERRORS = (ErrorCode.UNKNOWN_SERVICE, ErrorCode.NOT_SELF_SERVICE, ErrorCode.INVALID_FIELD,
                 ErrorCode.MISSING_MATERIAL, ErrorCode.NOT_JPEG, ErrorCode.SUBMISSION_TOO_LARGE,
                 ErrorCode.CONFLICT, *APPOINTMENT_ERRORS)


class SubmissionPart(Body):
    """The JSON part ``submission`` of ``POST /api/v1/submissions``."""

    item: str = Field(min_length=1, max_length=32)
    fields: dict[Annotated[str, Field(max_length=32)], Annotated[str, Field(max_length=2000)]
                 ] = Field(default_factory=dict, max_length=50)
    reuse: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=20)
    id_number: str | None = Field(None, max_length=32, description="from the ID card")
    name: str | None = Field(None, max_length=64, description="from the ID card")
    appointment_id: str | None = Field(None, min_length=1, max_length=64, description=(
        "the appointment QR code that stands in for the ID card (the card's fields typed)"))
    client_id: str = Field(pattern=SAFE_NAME.pattern, description="the kiosk's id of this "
                           "submission: sent again, the same receipt")
    consent_version: str = Field(min_length=1, max_length=32,
                                 description="the personal-information notice agreed to")


class ReusableRequest(Body):
    """POST /api/v1/submissions/reusable: documents this citizen gave before."""

    id_number: str = Field(min_length=1, max_length=32)
    item: str = Field(min_length=1, max_length=32)
    appointment_id: str | None = Field(None, min_length=1, max_length=64, description=(
        "the appointment QR code the ID number was typed with: checked before anything is "
        "offered"))


class ProgressUpdate(Body):
    """One submission's progress as central has it."""

    receipt: str = Field(min_length=1, max_length=16)
    status: str = Field(pattern=r"^(uploading|received|accepted|in_progress|done|rejected)$")
    reason_zh: str = Field("", max_length=500)
    reason_en: str = Field("", max_length=500)
    updated_at: float = Field(ge=0, le=1e10)


class ProgressRequest(Body):
    """PUT /api/v1/sync/submissions/progress (the sync agent)."""

    updates: list[ProgressUpdate] = Field(max_length=1000)


class ReuseDocument(Body):
    """A document central holds for a citizen."""

    doc_id: str = Field(min_length=1, max_length=64)
    material_id: str = Field(min_length=1, max_length=64)
    name_zh: str = Field(max_length=64)
    name_en: str = Field("", max_length=128)
    given_on: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    valid_until: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class ReuseAnswer(Body):
    """POST /api/v1/sync/reuse-answers: central's answer to one question (the sync agent)."""

    id: str = Field(min_length=1, max_length=32)
    documents: list[ReuseDocument] = Field(max_length=100)


class SubmissionDesk:
    """What the routes share: the outbox, the book of receipts and the reuse questions."""

    def __init__(self, node: HallNode) -> None:
        self.outbox = SubmissionOutbox(node.data_dir)
        self.book = SubmissionBook(node.data_dir)
        self.reuse = ReuseDesk()
        self.book.purge(time.time() - RECEIPT_DAYS * 86400)
        #: appointment id → wrong ID numbers typed against it (in memory: the appointment is
        #: today's only)
        self.wrong_id_numbers: dict[str, int] = {}
        self._wrong_lock = threading.Lock()

    def count_wrong_id_number(self, appointment_id: str) -> None:
        """One more wrong ID number typed against ``appointment_id``."""
        with self._wrong_lock:
            self.wrong_id_numbers[appointment_id] = \
                self.wrong_id_numbers.get(appointment_id, 0) + 1

    def too_many_wrong_id_numbers(self, appointment_id: str) -> bool:
        """Whether ``appointment_id`` had :data:`MAX_WRONG_ID_NUMBERS` wrong ID numbers."""
        with self._wrong_lock:
            return self.wrong_id_numbers.get(appointment_id, 0) >= MAX_WRONG_ID_NUMBERS


async def desk_of(connection: HTTPConnection) -> SubmissionDesk:
    """The app's submission desk (``app.state.submissions``)."""
    return connection.app.state.submissions


Desk = Annotated[SubmissionDesk, Depends(desk_of)]


class _InMemoryParser(MultiPartParser):
    """Starlette's multipart parser keeping each photo in memory (never spooled to a temporary
    file in clear) and refusing a part past :data:`MAX_PHOTO_BYTES` as it arrives."""

    spool_max_size = MAX_PHOTO_BYTES + 1
    _part_bytes = 0

    def on_part_begin(self) -> None:
        self._part_bytes = 0
        super().on_part_begin()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        self._part_bytes += end - start
        if self._current_part.file is not None and self._part_bytes > MAX_PHOTO_BYTES:
            raise QueueError(ErrorCode.SUBMISSION_TOO_LARGE,
                             f"单张照片不能超过{MAX_PHOTO_BYTES // 2**20}MB",
                             f"A photo is over {MAX_PHOTO_BYTES // 2**20} MB", 413)
        super().on_part_data(data, start, end)


def _too_large() -> QueueError:
    return QueueError(ErrorCode.SUBMISSION_TOO_LARGE,
                      f"申报材料合计不能超过{MAX_TOTAL_BYTES // 2**20}MB",
                      f"A submission is at most {MAX_TOTAL_BYTES // 2**20} MB", 413)


async def _limited(request: Request) -> AsyncGenerator[bytes, None]:
    limit, seen = MAX_TOTAL_BYTES + FORM_OVERHEAD, 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            raise _too_large()
        yield chunk


async def read_form(request: Request) -> tuple[SubmissionPart, list[Photo]]:
    """The submission's JSON part and its photos; QueueError for a malformed or oversize body."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise QueueError(ErrorCode.BAD_REQUEST, "申报须以 multipart/form-data 提交",
                         "A submission is multipart/form-data", 422)
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_TOTAL_BYTES + FORM_OVERHEAD:
        raise _too_large()
    parser = _InMemoryParser(request.headers, _limited(request), max_files=MAX_PHOTOS,
                             max_fields=1, max_part_size=64 * 1024)
    try:
        form = await parser.parse()
    except MultiPartException as err:
        too_many = "Too many files" in err.message
        raise QueueError(ErrorCode.SUBMISSION_TOO_LARGE if too_many else ErrorCode.BAD_REQUEST,
                         f"照片不能超过{MAX_PHOTOS}张" if too_many else "申报格式有误",
                         err.message, 413 if too_many else 422) from None
    try:
        raw = form.get("submission")
        if not isinstance(raw, str):
            raise QueueError(ErrorCode.BAD_REQUEST, "缺少申报内容",
                             "The part 'submission' (JSON) is missing", 422)
        try:
            part = SubmissionPart.model_validate_json(raw)
        except ValidationError as err:
            raise QueueError(ErrorCode.BAD_REQUEST, "申报内容格式有误",
                             "Bad submission: " + "; ".join(
                                 ".".join(str(p) for p in e["loc"]) + ": " + e["msg"]
                                 for e in err.errors()), 422) from None
        photos = []
        for key, value in form.multi_items():
            if key == "submission":
                continue
            match = PHOTO_NAME.match(getattr(value, "filename", None) or "")
            if key != "photo" or isinstance(value, str) or match is None:
                raise QueueError(ErrorCode.BAD_REQUEST, "照片部分格式有误",
                                 f"Part {key!r}: photos are parts 'photo' named "
                                 "<material>-<page>.jpg", 422)
            photos.append(Photo(match[1], int(match[2]), await value.read()))
        return part, photos
    finally:
        await form.close()


def _card_identity(node: HallNode, part: SubmissionPart, checked: dict[str, str],
                   id_keys: list[str]) -> tuple[str | None, str | None]:
    """The keyed hash and masked form of the citizen's ID number (from the form's ID field,
    or the card's number when the form has none)."""
    number = next((checked[k] for k in id_keys if k in checked), None)
    if number is None and part.id_number:
        today = node.clock().astimezone(node.config.timezone).date()
        try:
            number = idnumber.normalize(part.id_number, today)
        except idnumber.InvalidIdNumber as err:
            raise QueueError(ErrorCode.INVALID_ID_NUMBER, f"身份证号码无效：{err.message_zh}",
                             f"Invalid ID number: {err}", 422) from None
    if number is None:
        return None, None
    return idnumber.keyed_hash(number, node.id_key), idnumber.mask(number)


def check_holder(node: HallNode, desk: SubmissionDesk, appointment_id: str, item: Item,
                 id_hash: str | None) -> None:
    """The appointment ``appointment_id`` vouches for the citizen of ``id_hash`` for ``item``
    (:func:`~hall.submission_check.check_appointment_holder`), or QueueError."""
    def found(engine: Engine, now: datetime) -> tuple[Appointment | None, datetime]:
        appointment = engine.state.appointments.get(appointment_id)
        return (replace(appointment) if appointment else None), now
    if desk.too_many_wrong_id_numbers(appointment_id):
        raise QueueError(ErrorCode.TOO_MANY_ATTEMPTS,
                         f"身份证号码已输错{MAX_WRONG_ID_NUMBERS}次，该预约今天不能再用于核验身份，"
                         "请刷身份证办理",
                         f"The ID number was wrong {MAX_WRONG_ID_NUMBERS} times: the appointment "
                         "no longer vouches for anybody today; please use your ID card",
                         status=429)
    appointment, now = node.read(found)
    tz = node.config.timezone
    try:
        check_appointment_holder(appointment, item, id_hash, now.astimezone(tz).date(), tz,
                                 desk.book.appointment_used(appointment_id))
    except QueueError as refused:
        if refused.code is ErrorCode.APPOINTMENT_MISMATCH and id_hash is not None \
                and appointment is not None and appointment.id_hash \
                and appointment.id_hash != id_hash:
            desk.count_wrong_id_number(appointment_id)
        raise


def _typed_identity(guide: Guide, part: SubmissionPart, checked: dict[str, str]) -> None:
    """An ID number typed on the form (no card) is taken only with an appointment QR code."""
    typed = any(f.from_card == "id_number" and f.key in checked for f in guide.fields)
    if typed and not part.id_number and not part.appointment_id:
        raise QueueError(ErrorCode.INVALID_FIELD,
                         "身份证号码须读取身份证，或凭实名预约的二维码填写",
                         "The ID number comes from the ID card, or is typed with the QR code "
                         "of an appointment booked with it", 422)


def progress_url(node: HallNode, code: str) -> str:
    """The receipt's progress link: the hall's public page, else the node's LAN page."""
    if node.config.progress_url:
        return node.config.progress_url.format(code=code)
    match = re.match(r"^(https?://[^/]+)", node.config.ticket_url)
    base = match[1] if match else "http://hallq.local:8470"
    return f"{base}/s/{code}"


def _materials(item: Item, photos: list[Photo], reused: dict[str, str]
               ) -> list[dict[str, Any]]:
    listed = []
    for material in item.guide.photographed:
        pages = sum(1 for p in photos if p.material_id == material.id)
        if pages or material.id in reused.values():
            listed.append({"id": material.id, "name_zh": material.name_zh,
                           "name_en": material.name_en, "pages": pages,
                           "reused": pages == 0, "reusable_days": material.reusable_days})
    return listed


def _central_reachable(request: Request) -> bool:
    status = request.app.state.sync_status
    if not status or not status.get("central_reachable"):
        return False
    reported = datetime.fromisoformat(status["reported_at"])
    return (datetime.now(UTC) - reported).total_seconds() < SYNC_FRESH_S


@router.post("/api/v1/submissions", status_code=201,
             responses=error_answers(*SUBMIT_ERRORS, ErrorCode.INVALID_ID_NUMBER))
async def submit(request: Request, device: Device, node: Node, desk: Desk) -> JSONResponse:
    """Hand in a self-service submission (multipart: see the module docstring); its receipt.
    Sent again with the same ``client_id``, the same receipt (200)."""
    allow(device, "submit")
    part, photos = await read_form(request)
    given = await run_in_threadpool(_given_before, node, desk, part.client_id, request)
    if given is not None:
        return JSONResponse(given)
    item = node.config.items.get(part.item)
    if item is None:
        raise unknown_service(part.item)
    guide = item.guide
    if not guide.self_service:
        raise QueueError(ErrorCode.NOT_SELF_SERVICE, f"“{item.name_zh}”不能自助申报",
                         f"{item.name_en or item.code} cannot be handed in at a kiosk")
    now = node.clock().astimezone(node.config.timezone)
    card = {"name": part.name or "", "id_number": part.id_number or ""}
    checked = check_fields(guide, part.fields, card, now.date())
    id_keys = [f.key for f in guide.fields if f.from_card == "id_number"]
    id_hash, id_masked = _card_identity(node, part, checked, id_keys)
    _typed_identity(guide, part, checked)
    if part.appointment_id:
        await run_in_threadpool(check_holder, node, desk, part.appointment_id, item, id_hash)
    reused: dict[str, str] = {}
    for doc_id in part.reuse:
        material = desk.reuse.offered_material(doc_id, id_hash) if id_hash else None
        if material is None:
            raise QueueError(ErrorCode.MISSING_MATERIAL, "可复用的材料已过期，请重新拍摄",
                             f"Reused document {doc_id} was not offered to this citizen "
                             "lately: photograph the material", 422)
        reused[doc_id] = material
    check_photos(guide, photos, set(reused.values()))
    fields = {k: (id_masked or "") if k in id_keys else v for k, v in checked.items()}
    code = new_receipt_code()
    materials = _materials(item, photos, reused)
    submitted_at = now.isoformat(timespec="seconds")
    meta = {"receipt": code, "item": item.code, "item_name_zh": item.name_zh,
            "item_name_en": item.name_en, "fields": fields, "id_hash": id_hash,
            "id_masked": id_masked, "materials": materials, "reuse": sorted(reused),
            "submitted_at": submitted_at, "consent_version": part.consent_version,
            "device": device.name}
    await run_in_threadpool(_keep, desk, part, meta, photos, now.timestamp())
    receipt = _receipt(node, meta, not _central_reachable(request))
    desk.book.add(code, part.client_id, item.code, dict(receipt), now.timestamp())
    log.info("submission %s for %s: %d photos, %d reused", code, item.code, len(photos),
             len(reused))
    return JSONResponse(receipt, status_code=201)


def _keep(desk: SubmissionDesk, part: SubmissionPart, meta: dict[str, Any],
          photos: list[Photo], now: float) -> None:
    """Write the submission to the outbox, using its appointment up first (given back when
    the outbox does not take it)."""
    appointment = part.appointment_id
    if appointment and not desk.book.claim_appointment(appointment, part.client_id, now):
        raise QueueError(ErrorCode.APPOINTMENT_USED, "该预约已使用，请刷身份证办理",
                         "The appointment was used already: please use your ID card")
    try:
        desk.outbox.write(part.client_id, meta, {p.file_name: p.jpeg for p in photos})
    except FileExistsError:      # the same client id at the same moment
        raise QueueError(ErrorCode.CONFLICT, "该申报正在提交，请稍候",
                         f"Submission {part.client_id} is being handed in already") from None
    except BaseException:
        if appointment:
            desk.book.release_appointment(appointment, part.client_id)
        raise


def _receipt(node: HallNode, meta: dict[str, Any], queued: bool) -> SubmissionReceiptBody:
    """The receipt of a submission from its meta."""
    code = meta["receipt"]
    return {"receipt_code": code, "item": meta["item"], "item_name_zh": meta["item_name_zh"],
            "item_name_en": meta["item_name_en"],
            "materials": [SubmittedMaterialBody(id=m["id"], name_zh=m["name_zh"],
                                                name_en=m["name_en"], pages=m["pages"],
                                                reused=m["reused"]) for m in meta["materials"]],
            "submitted_at": meta["submitted_at"], "progress_url": progress_url(node, code),
            "queued": queued}


def _given_before(node: HallNode, desk: SubmissionDesk, client_id: str, request: Request
                  ) -> SubmissionReceiptBody | None:
    """The receipt already given for ``client_id``: from the book, or rebuilt from the
    outbox when the node stopped between keeping the submission and booking its receipt."""
    given = desk.book.receipt_of(client_id)
    if given is not None or not desk.outbox.holds(client_id):
        return given  # type: ignore[return-value]
    meta = desk.outbox.meta(desk.outbox.root / client_id)
    receipt = _receipt(node, meta, not _central_reachable(request))
    written = datetime.fromisoformat(meta["submitted_at"]).timestamp()
    desk.book.add(meta["receipt"], client_id, meta["item"], dict(receipt), written)
    return receipt


def progress_of(node: HallNode, desk: SubmissionDesk, code: str) -> SubmissionProgressBody:
    """A receipt code's progress (404 when the hall gave no such code)."""
    found = desk.book.progress(code)
    if found is None:
        raise not_found(ErrorCode.UNKNOWN_SUBMISSION, "回执码", "Receipt code")
    status = found["status"]
    if status == "uploading" and not desk.outbox.holds(found["client_id"]):
        status = "received"           # sent: central holds every file
    item = node.config.items.get(found["item"])
    updated = datetime.fromtimestamp(found["updated_at"], node.config.timezone)
    return {"receipt_code": found["receipt"], "item_name_zh": item.name_zh if item else "",
            "item_name_en": item.name_en if item else found["item"], "status": status,
            "status_zh": STATUS_ZH[status], "status_en": STATUS_EN[status],
            "reason_zh": found["reason_zh"], "reason_en": found["reason_en"],
            "updated_at": updated.isoformat(timespec="seconds")}


@router.get("/api/v1/submissions/{code}/progress",
            responses=error_answers(ErrorCode.UNKNOWN_SUBMISSION))
async def progress(code: str, device: Device, node: Node, desk: Desk
                   ) -> SubmissionProgressBody:
    """A submission's progress by its receipt code (no personal data)."""
    allow(device, "read")
    return progress_of(node, desk, code)


@router.get("/s/{code}", response_class=HTMLResponse, responses={
    404: {"description": "no such receipt code: a page that says so",
          "content": {"text/html": {}}}, **error_answers(token=False)})
async def progress_page(code: str, node: Node, desk: Desk) -> HTMLResponse:
    """The receipt's QR code on the LAN: the progress page (no personal data, no token)."""
    try:
        found = progress_of(node, desk, code)
    except QueueError:
        return HTMLResponse(progress_html(None), status_code=404)
    return HTMLResponse(progress_html(found))


@router.post("/api/v1/submissions/reusable", responses=error_answers(
    ErrorCode.UNKNOWN_SERVICE, ErrorCode.INVALID_ID_NUMBER, *APPOINTMENT_ERRORS))
async def reusable(body: ReusableRequest, device: Device, node: Node, desk: Desk
                   ) -> ReusableDocumentsBody:
    """Documents this citizen gave before that the item may reuse (names and dates only);
    ``unavailable`` when central could not be asked in time. With ``appointment_id`` (the ID
    number typed at the kiosk), the appointment is checked first, as the submission will be:
    nothing is offered to an ID number it does not vouch for."""
    allow(device, "submit")
    item = node.config.items.get(body.item)
    if item is None:
        raise unknown_service(body.item)
    today = node.clock().astimezone(node.config.timezone).date()
    try:
        number = idnumber.normalize(body.id_number, today)
    except idnumber.InvalidIdNumber as err:
        raise QueueError(ErrorCode.INVALID_ID_NUMBER, f"身份证号码无效：{err.message_zh}",
                         f"Invalid ID number: {err}", 422) from None
    id_hash = idnumber.keyed_hash(number, node.id_key)
    if body.appointment_id:
        await run_in_threadpool(check_holder, node, desk, body.appointment_id, item, id_hash)
    materials = [m.id for m in item.guide.photographed if m.reusable_days > 0]
    if not materials:
        return {"documents": [], "unavailable": False}
    if not desk.reuse.agent_present():
        return {"documents": [], "unavailable": True}
    found = await desk.reuse.ask(id_hash, materials, today.isoformat())
    if found is None:
        return {"documents": [], "unavailable": True}
    return {"documents": found, "unavailable": False}  # type: ignore[typeddict-item]


# ------------------------------------------------------------------ the sync agent
@router.get("/api/v1/sync/reuse-questions", responses=error_answers())
async def reuse_questions(device: Device, desk: Desk,
                          wait: Annotated[float, Query(ge=0, le=5)] = 0.0) -> dict:
    """Kiosks' questions for documents given before, waiting up to ``wait`` s for one."""
    allow(device, "relay")
    return {"questions": await desk.reuse.questions(wait)}


@router.post("/api/v1/sync/reuse-answers", responses=error_answers())
async def reuse_answer(body: ReuseAnswer, device: Device, desk: Desk) -> dict:
    """Central's answer to a question (``taken`` False: the kiosk stopped waiting)."""
    allow(device, "relay")
    return {"taken": desk.reuse.answer(body.id, [d.model_dump() for d in body.documents])}


@router.put("/api/v1/sync/submissions/progress", responses=error_answers())
async def put_progress(body: ProgressRequest, device: Device, desk: Desk) -> dict:
    """The progress of the hall's submissions as central has it."""
    allow(device, "relay")
    updated = sum(desk.book.update(u.receipt, u.status, u.reason_zh, u.reason_en, u.updated_at)
                  for u in body.updates)
    return {"updated": updated}

