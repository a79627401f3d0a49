"""A self-service submission (自助申报) at the kiosk, from the ID card to the printed receipt.

Steps (:class:`Step`): ``identify`` (swipe the ID card; skipped when it was swiped already)
→ ``form`` (the item's fields; the card's filled in, locked and masked) → ``reuse`` (一证通办:
documents this citizen gave before and still valid, offered by name and date; shown only when
there are some) → ``photos`` (each page of each material not reused: taken, shown, kept or
taken again) → ``review`` (everything once more) → ``consent`` (the personal-information
notice and the consent box) → ``submitting`` → ``receipt`` (the code, printed on the ticket
printer), or
``failed`` (the hall's sentence; try again with the same ``client_id``, so that a submission
the hall took once is never taken twice).

An appointment QR code at ``identify`` stands in for the card: the fields the card would fill
(name, ID number, address) are typed on the form instead (the ID number on digit keys and
checked by its check digit, a name or address by pinyin) and shown masked once typed. When the
form is done the hall checks that the appointment was booked with that ID number (its keyed
hash), is today's and unused (the answer to ``reusable_answer`` with the appointment); a
refusal is said at the ID number's field and the form stays. Only then are documents given
before offered (and the typed number's age brings large type, as a card's would), and the
submission names the appointment, which the hall checks again.

Plain Python; the kiosk's :class:`~kiosk.viewmodel.KioskModel` hosts it (its client, devices,
worker runner and session) and drops it with the session, and with it everything personal.
Cancel at any step does that at once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import fields as dataclass_fields
from enum import StrEnum
from functools import partial
from typing import Any, Protocol, cast

from devices.codes import DeviceErrorCode
from hall import idnumber
from hall.client import HallApiError, HallClient
from hall.errors import ErrorCode
from hall.guide import FormField, Guide, Material
from kiosk.citizen import Citizen, parse_appointment_code
from kiosk.photo_step import PhotoStep, take_document_photo
from kiosk.receipt import receipt_content
from kiosk.submission_fields import Message
from kiosk.submission_form import SubmissionForm
from kiosk.submission_notice import CONSENT_VERSION
from ui.tasks import Runner
from ui.viewmodel import message_of

log = logging.getLogger("hallq.kiosk")

#: Why a shot is refused that the citizen mends by taking it again (not a camera fault).
CITIZEN_CAUSES = frozenset({DeviceErrorCode.CAMERA_NO_DOCUMENT, DeviceErrorCode.CAMERA_BLURRED,
                            DeviceErrorCode.CAMERA_DARK})


class Step(StrEnum):
    """The steps of a submission at the kiosk."""

    IDENTIFY = "identify"
    FORM = "form"
    REUSE = "reuse"
    PHOTOS = "photos"
    REVIEW = "review"
    CONSENT = "consent"
    SUBMITTING = "submitting"
    RECEIPT = "receipt"
    FAILED = "failed"


#: The hall's refusals of an appointment as the card's stand-in, said at the ID number.
HOLDER_REFUSALS = frozenset({ErrorCode.UNKNOWN_APPOINTMENT, ErrorCode.APPOINTMENT_NOT_TODAY,
                             ErrorCode.APPOINTMENT_USED, ErrorCode.APPOINTMENT_MISMATCH,
                             ErrorCode.APPOINTMENT_ANONYMOUS, ErrorCode.INVALID_ID_NUMBER})


class FlowHost(Protocol):
    """What the flow uses of the kiosk's model."""

    client: Any
    devices: Any
    citizen: Citizen | None
    busy: bool
    elderly: bool
    print_state: str
    hall: Any

    def touch(self) -> None:
        """Someone is using the kiosk."""

    def reset(self) -> None:
        """Forget the session and go back to the start."""

    def local_now(self) -> Any:
        """Now in the hall's time zone."""

    def timezone(self) -> Any:
        """The hall's time zone."""

    def printed(self, state: Any) -> None:
        """The printer confirmed what it printed."""

    def print_failed(self, err: Exception) -> None:
        """The printer did not print."""

    def device_failed(self, kind: str, err: Exception) -> None:
        """A device failed: staff are told."""


def _built(cls: type, data: Mapping[str, Any]) -> Any:
    """A dataclass from the members of ``data`` it has (lists as tuples)."""
    names = {f.name for f in dataclass_fields(cls)}
    return cls(**{key: tuple(value) if isinstance(value, list) else value
                  for key, value in data.items() if key in names})


def guide_from_body(body: Mapping[str, Any] | None) -> Guide | None:
    """The :class:`~hall.guide.Guide` of an item of ``GET /services`` (its ``guide`` member,
    the guide's fields by name), or None when the item has none or it is malformed."""
    raw = body.get("guide") if body else None
    if not isinstance(raw, Mapping):
        return None
    try:
        materials = tuple(_built(Material, m) for m in raw.get("materials", ()))
        form = tuple(_built(FormField, f) for f in raw.get("fields", ()))
        return cast(Guide, _built(Guide, {**raw, "materials": materials, "fields": form}))
    except (TypeError, ValueError) as err:
        log.warning("the guide of %s is malformed: %s", body.get("code") if body else "?", err)
        return None


class SubmissionFlow:
    """One citizen's submission of one item, step by step."""

    def __init__(self, host: FlowHost, item: str, names: tuple[str, str], guide: Guide,
                 run: Runner, notify: Callable[[], None],
                 guard: Callable[[Callable[[Any], None]], Callable[[Any], None]]) -> None:
        self.host = host
        self.item = item
        self.item_name_zh, self.item_name_en = names
        self.guide = guide
        self._run, self._notify, self._guard = run, notify, guard
        self.step = Step.IDENTIFY
        self.form = SubmissionForm(guide.fields, lambda: host.local_now().date())
        self.note: Message | None = None          # a sentence at the identify step
        self.offers: list[Mapping[str, Any]] = []  # reusable documents (names and dates)
        self.reuse: set[str] = set()               # doc_ids the citizen chose
        self.reuse_state = "none"                  # none, loading, done
        self.reuse_unavailable = False             # central could not be asked in time
        self.photos = PhotoStep(guide.photographed)
        self.consent = False
        self.client_id = uuid.uuid4().hex          # one per submission: a retry is the same
        self.receipt: Mapping[str, Any] | None = None
        self.error: Message | None = None
        self.appointment_id: str | None = None
        if host.citizen is not None:
            self._identified()

    # ------------------------------------------------------------------ identify
    def card_read(self, card: Any) -> bool:
        """An ID card was swiped. True when the flow took it (at ``identify``, or the same
        citizen again); False for someone else's card (the kiosk starts a new session)."""
        citizen = Citizen.from_card(card)
        if self.step == Step.IDENTIFY:
            self.host.touch()
            self.host.citizen = citizen
            self._large_type_for(citizen.age_on(self.host.local_now().date()))
            self._identified()
            self._notify()
            return True
        current = self.host.citizen
        return current is not None and current.id_number == citizen.id_number

    def _large_type_for(self, age: int | None) -> None:
        """As for a number: large type for the elderly."""
        if age is not None and age >= int((self.host.hall or {}).get("elderly_age", 65)):
            self.host.elderly = True

    def qr_scanned(self, text: str) -> None:
        """A QR code at ``identify``: an appointment code stands in for the card (its fields
        are typed on the form). Elsewhere codes are ignored."""
        if self.step != Step.IDENTIFY:
            return
        self.host.touch()
        parsed = parse_appointment_code(text)
        if parsed is None:
            self.note = ("无法识别该二维码，请刷身份证或扫描预约二维码",
                         "This QR code is not an appointment code: swipe your ID card")
        else:
            self.appointment_id = parsed[0]
            self._identified()
        self._notify()

    def _identified(self) -> None:
        citizen = self.host.citizen
        if citizen is not None:
            self.appointment_id = None   # the card says who it is
            self.form.fill_from_card(citizen)
            self._ask_reusable(citizen.id_number)
        self.note = None
        self.step = Step.FORM if self.form.editable() else Step.REUSE
        if self.step == Step.REUSE:
            self._after_form()

    def typed_id_number(self) -> tuple[str, str] | None:
        """(field key, value) of the ID number the citizen typed (no card), if the form has one."""
        if self.host.citizen is not None:
            return None
        field = next((f for f in self.guide.fields if f.from_card == "id_number"), None)
        return (field.key, self.form.values[field.key]) if field is not None else None

    def _ask_reusable(self, id_number: str, appointment_id: str | None = None) -> None:
        """Ask the hall for the documents given before: with the card when the item reuses
        any; with an appointment always, as the hall checks first that it vouches for the ID
        number typed."""
        client = self.host.client
        if not hasattr(client, "reusable_documents") or (appointment_id is None and not any(
                m.reusable_days > 0 for m in self.guide.photographed)):
            return
        submit = cast(HallClient, client)
        item = self.item
        self.offers, self.reuse = [], set()
        self.reuse_state = "loading"
        ask: Callable[[], Any]
        if appointment_id is not None:
            ask = partial(submit.reusable_answer, id_number, item, appointment_id)
        elif hasattr(client, "reusable_answer"):
            ask = partial(submit.reusable_answer, id_number, item)
        else:
            ask = partial(submit.reusable_documents, id_number, item)
        self._run(ask, self._guard(self.reusable_found), self._guard(self._reusable_failed))

    def reusable_found(self, documents: list[Mapping[str, Any]]) -> None:
        """The documents this citizen gave before arrived: offer those of this item still
        valid, all ticked. (A body ``{"documents": [...], "unavailable": true}`` is read too:
        with central not asked in time, the photo step says why those are photographed.)"""
        if isinstance(documents, Mapping):
            self.reuse_unavailable = bool(documents.get("unavailable"))
            documents = list(documents.get("documents") or [])
        typed = self.typed_id_number() if self.appointment_id else None
        if typed:   # the hall vouched for the number typed: its holder's age counts as a card's
            try:
                self._large_type_for(idnumber.age_on(typed[1], self.host.local_now().date()))
            except idnumber.InvalidIdNumber:
                pass    # the form's check said so already
        today = self.host.local_now().date().isoformat()
        wanted = {m.id for m in self.guide.photographed}
        self.offers = [d for d in documents if d.get("material_id") in wanted
                       and str(d.get("valid_until") or "9999") >= today]
        self.reuse = {str(d["doc_id"]) for d in self.offers}
        self.reuse_state = "done"
        if self.step == Step.REUSE:
            self._after_form()
        self._notify()

    def _reusable_failed(self, err: Exception) -> None:
        typed = self.typed_id_number()
        if self.appointment_id and typed and isinstance(err, HallApiError) and \
                err.code in HOLDER_REFUSALS:
            self.reuse_state = "none"           # the appointment does not vouch: back to the
            self.step = Step.FORM               # form, the hall's sentence at the ID number
            self.form.errors[typed[0]] = message_of(err)
            self.form.active = typed[0]
            self._notify()
            return
        log.info("documents given before not asked: %s", message_of(err)[1])
        self.reusable_found([])

    # ------------------------------------------------------------------ form
    def field_done(self) -> None:
        """"下一项" on the form: check the field and go to the next; after the last, on."""
        self.host.touch()
        if not self.form.next_field():
            self.form_done()
            return
        self._notify()

    def prev_field(self) -> None:
        """"上一项" on the form."""
        self.host.touch()
        self.form.prev_field()
        self._notify()

    def activate(self, key: str) -> None:
        """A touch on a field: type into it next."""
        self.host.touch()
        self.form.activate(key)
        self._notify()

    def type_key(self, text: str) -> None:
        """A key of the form keyboard."""
        self.host.touch()
        self.form.type(text)
        self._notify()

    def erase_key(self) -> None:
        """"删除" of the form keyboard."""
        self.host.touch()
        self.form.erase()
        self._notify()

    def clear_key(self) -> None:
        """"清空" of the form keyboard."""
        self.host.touch()
        self.form.clear()
        self._notify()

    def choose(self, option: str) -> None:
        """An option of a choice field."""
        self.host.touch()
        self.form.set_value(option)
        self._notify()

    def pick_character(self, text: str) -> None:
        """A character offered for the pinyin typed (or the letters themselves)."""
        self.host.touch()
        self.form.pick(text)
        self._notify()

    def more_characters(self, pages: int) -> None:
        """The next (or previous) characters offered for the pinyin typed."""
        self.host.touch()
        self.form.offer_page = max(0, self.form.offer_page + pages)
        self._notify()

    def use_card_address(self) -> None:
        """"使用身份证住址": the card's address in the active field, to edit from there."""
        citizen = self.host.citizen
        if citizen is not None and citizen.address:
            self.host.touch()
            self.form.set_value(citizen.address)
            self._notify()

    def form_done(self) -> None:
        """"下一步" on the form: every field checked; on to reuse, photos or review."""
        self.host.touch()
        if self.form.check_all():
            self.step = Step.REUSE
            typed = self.typed_id_number()
            if self.appointment_id and typed:   # the answer may come at once (or refuse)
                self._ask_reusable(typed[1], self.appointment_id)
            if self.step == Step.REUSE:
                self._after_form()
        self._notify()

    def _after_form(self) -> None:
        """Stay on ``reuse`` while the lookup runs or when there is something to offer."""
        if self.reuse_state == "loading" or self.offers:
            return
        self._to_photos()

    # ------------------------------------------------------------------ reuse
    def toggle_reuse(self, doc_id: str) -> None:
        """Tick or untick a document given before."""
        self.host.touch()
        self.reuse ^= {doc_id}
        self._notify()

    def reuse_done(self) -> None:
        """"确认" on the reuse step: on to the photos of what is not reused."""
        self.host.touch()
        if self.reuse_state != "loading":
            self._to_photos()
        self._notify()

    def reused_materials(self) -> set[str]:
        """The material ids covered by the documents chosen for reuse."""
        return {str(d["material_id"]) for d in self.offers if str(d["doc_id"]) in self.reuse}

    def _to_photos(self) -> None:
        reused = self.reused_materials()
        materials = tuple(m for m in self.guide.photographed if m.id not in reused)
        if [s.material.id for s in self.photos.shots] != \
                [m.id for m in materials for _ in range(m.count)]:
            self.photos = PhotoStep(materials)   # what to photograph changed
        self.step = Step.PHOTOS
        self._photographing(True)
        if self.photos.done:
            self._to_review()

    # ------------------------------------------------------------------ photos
    def take_photo(self) -> None:
        """"拍照": read the document camera on a worker; the page or the refusal comes back."""
        camera = self._camera()
        if self.photos.taking or self.photos.done:
            return
        self.host.touch()
        if camera is None:
            self.photos.refused(("本机没有拍摄材料的摄像头，请到窗口办理",
                                 "This kiosk has no document camera: please go to a window"))
            self._notify()
            return
        self.photos.taking = True
        self.host.busy = True
        self._notify()
        self._run(lambda: take_document_photo(camera), self._guard(self._photo_taken),
                  self._guard(self._photo_refused))

    def _camera(self) -> Any:
        devices = self.host.devices
        return getattr(devices, "document_camera", None) or getattr(devices, "camera", None)

    def _photo_taken(self, photo: Any) -> None:
        self.host.busy = False
        self.host.touch()
        self.photos.taken(photo)
        self._notify()

    def _photo_refused(self, err: Exception) -> None:
        self.host.busy = False
        self.host.touch()
        self.photos.refused(message_of(err))
        if getattr(err, "code", None) not in CITIZEN_CAUSES:
            self.host.device_failed("camera", err)  # the camera itself: staff are told
        self._notify()

    def keep_photo(self) -> None:
        """"保留": keep the page; after the last one, the review."""
        self.host.touch()
        self.photos.keep()
        if self.photos.done:
            self._to_review()
        self._notify()

    def retake_photo(self) -> None:
        """"重拍": drop the page shown and take it again."""
        self.host.touch()
        self.photos.retake()
        self._notify()

    def _photographing(self, on: bool) -> None:
        devices = self.host.devices
        if hasattr(devices, "photographing"):
            devices.photographing = on

    # ------------------------------------------------------------------ review and submit
    def _to_review(self) -> None:
        self._photographing(False)
        self.step = Step.REVIEW

    def review_done(self) -> None:
        """"下一步" on the review: the personal-information notice."""
        self.host.touch()
        if self.step == Step.REVIEW:
            self.step = Step.CONSENT
        self._notify()

    def set_consent(self, ticked: bool) -> None:
        """The consent box under the personal-information notice."""
        self.host.touch()
        self.consent = ticked
        self._notify()

    def submit(self) -> None:
        """"提交": send it to the hall on a worker (only with the consent ticked)."""
        client = self.host.client
        if not self.consent or self.step not in (Step.CONSENT, Step.FAILED) \
                or not hasattr(client, "submit_submission"):
            return
        self.host.touch()
        self.step, self.error, self.host.busy = Step.SUBMITTING, None, True
        self._notify()
        citizen = self.host.citizen
        submit = cast(HallClient, client)
        item, values, photos = self.item, self.form.submitted_values(), list(self.photos.kept)
        reuse, client_id = sorted(self.reuse & {str(d["doc_id"]) for d in self.offers}), \
            self.client_id
        id_number = citizen.id_number if citizen else None
        name = (citizen.name or None) if citizen else None
        appointment_id = self.appointment_id if citizen is None else None
        self._run(lambda: submit.submit_submission(
            item, values, photos, reuse, id_number, name, client_id, CONSENT_VERSION,
            appointment_id=appointment_id),
            self._guard(self._submitted), self._guard(self._submit_failed))

    def _submitted(self, receipt: Mapping[str, Any]) -> None:
        self.host.busy = False
        self.host.touch()
        self.receipt = receipt
        self.photos.kept.clear()  # the hall has them: the kiosk keeps no copy
        self.step = Step.RECEIPT
        self._print()
        self._notify()

    def _submit_failed(self, err: Exception) -> None:
        self.host.busy = False
        self.host.touch()
        self.error = message_of(err)
        self.step = Step.FAILED
        self._notify()

    def _print(self) -> None:
        printer = self.host.devices.printer if self.host.devices else None
        if printer is None or self.receipt is None:
            self.host.print_state = "no_printer"
            return
        hall = self.host.hall or {}
        content = receipt_content(self.receipt, str(hall.get("name_zh") or ""),
                                  self.host.timezone())
        self.host.print_state = "printing"
        self._run(lambda: printer.print_receipt(content), self._guard(self.host.printed),
                  self._guard(self.host.print_failed))

    # ------------------------------------------------------------------ moving around
    def back(self) -> None:
        """One step back (the photo step a page at a time); at ``identify``, cancel."""
        self.host.touch()
        if self.step == Step.PHOTOS and self.photos.back():
            self._notify()
            return
        if self.step == Step.PHOTOS:
            self._photographing(False)
            self.step = Step.REUSE if self.offers else Step.FORM
        elif self.step == Step.REVIEW:  # to the last page, shown again for keep or retake
            self.step = Step.PHOTOS if self.photos.shots else \
                (Step.REUSE if self.offers else Step.FORM)
            if self.step == Step.PHOTOS:
                self._photographing(True)
                self.photos.back()
        elif self.step == Step.REUSE:
            self.step = Step.FORM
        elif self.step == Step.CONSENT:
            self.step = Step.REVIEW
        elif self.step == Step.FAILED:
            self.step = Step.REVIEW
        else:
            self.cancel()
            return
        self._notify()

    def cancel(self) -> None:
        """"取消办理": forget everything of this citizen and go back to the start."""
        self._photographing(False)
        self.host.reset()
