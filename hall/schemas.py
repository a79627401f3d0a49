"""The JSON bodies of the hall API's answers, one ``TypedDict`` each, shared by the server
(``hall/views.py`` builds them), its client (``hall/client.py`` returns them) and the apps that
read them, so that mypy checks every ``ticket["number"]``.

A ``TypedDict`` is a plain ``dict`` at run time: nothing is copied, validated or filtered, and
the bytes on the wire are what they were. What the server sends and what is declared here are
kept the same by ``tests/integration/test_api_schemas.py``. They come from ``typing_extensions``
so that pydantic can read them on Python 3.11 (for an OpenAPI schema).

A key is ``NotRequired`` only where the server leaves it out; a key that is always sent but may
be empty has a ``… | None`` value. Times are POSIX seconds, durations seconds.
"""

from __future__ import annotations

from typing import Any, NotRequired

from typing_extensions import TypedDict


class ErrorBody(TypedDict):
    """A refusal: ``{"code", "message_zh", "message_en"}`` (the codes: ``hall/errors.py``)."""

    code: str
    message_zh: str
    message_en: str


# ---------------------------------------------------------------------- the hall at a glance
class WriteStatsBody(TypedDict):
    """The node's writer thread so far (``health["writes"]``)."""

    batches: int
    operations: int
    commit_s: float


class SyncStatusBody(TypedDict):
    """The sync agent's last report of its lag behind the hall (``health["sync"]``)."""

    events_behind: int
    seconds_behind: float
    acked_seq: int
    hall_seq: int
    central_reachable: bool | None
    last_error: str
    last_push_at: float | None
    pending_submissions: int
    clock: float | None
    """The agent's clock (POSIX seconds) when it sent the report; None when it did not say."""
    reported_at: str
    """ISO 8601, when the node took the report."""


class HealthReasonBody(TypedDict):
    """Why the node is ``degraded`` (``health["reasons"]``; codes: ``hall/health.py``)."""

    code: str
    message_zh: str
    message_en: str


class DeviceLineBody(TypedDict):
    """A device the node knows of (``health["devices"]``): a paired app (``device`` empty;
    ``state`` ``heard`` or ``not_heard`` since the node started) or a device attached to one
    (``where`` is the app's name; ``state`` its last report, e.g. ``ready``, ``paper_out``)."""

    where: str
    role: str
    """The paired app's role (kiosk, caller, display); empty for an attached device."""
    device: str
    state: str
    detail: str
    heard_at: float | None
    """POSIX seconds, when last heard of; None when not since the node started."""
    clock_offset: float | None
    """An app's clock minus the node's at its last heartbeat (s); None when unknown."""


class HealthBody(TypedDict):
    """``GET /api/v1/health`` (no token needed)."""

    status: str
    """``ok``, or ``degraded`` with ``reasons``."""
    reasons: list[HealthReasonBody]
    hall_id: str
    api_version: str
    last_seq: int
    time: str
    """The node's clock, ISO 8601 in UTC."""
    subscribers: int
    writes: WriteStatsBody
    sync: SyncStatusBody | None
    """None until the sync agent first reported."""
    timezone: str
    """The hall's time zone, for showing the times above to people."""
    devices: list[DeviceLineBody]


class DeviceBody(TypedDict):
    """The paired device that asked (``hall["device"]``)."""

    role: str
    window: str | None
    name: str


class HallBody(TypedDict):
    """``GET /api/v1/hall``: the hall's name and the calling rules in force."""

    hall_id: str
    name_zh: str
    name_en: str
    timezone: str
    open: str
    """``HH:MM``, as is ``close``."""
    close: str
    open_all_day: bool
    elderly_age: int
    max_recalls: int
    max_recheckins: int
    """How many times a no-show may check in again."""
    phone_ticketing_url: str
    """Where a phone takes a number (the wall's QR code); "" when the hall has none."""
    notice: NoticeBody | None
    """A supervisor's notice up now on the wall displays and kiosks (``hall.day_plan``)."""
    device: DeviceBody


class MaterialBody(TypedDict):
    """A document an item needs (:class:`hall.guide.Material`)."""

    id: str
    name_zh: str
    name_en: str
    form: str
    """``original``, ``copy`` or ``original_and_copy`` (:data:`hall.guide.MATERIAL_FORMS`)."""
    count: int
    photo: bool
    """Photographed at the kiosk when the item is handed in there (自助申报)."""
    required: bool
    reusable_days: int
    note_zh: str
    note_en: str


class FormFieldBody(TypedDict):
    """A field of an item's self-service form (:class:`hall.guide.FormField`)."""

    key: str
    label_zh: str
    label_en: str
    kind: str
    """``text``, ``number``, ``date``, ``choice``, ``phone`` or ``address``."""
    required: bool
    from_card: str
    """What the ID card gives it: ``name``, ``id_number``, ``address`` or "" (nothing)."""
    choices_zh: list[str]
    choices_en: list[str]
    max_length: int
    min_value: float | None
    max_value: float | None
    hint_zh: str
    hint_en: str


class GuideBody(TypedDict):
    """The service guide (办事指南) of an item (:class:`hall.guide.Guide`), with its materials
    and, for self-service, its form."""

    summary_zh: str
    summary_en: str
    conditions_zh: list[str]
    conditions_en: list[str]
    fee_zh: str
    fee_en: str
    time_limit_days: int
    """The legal time limit in working days; 0: done on the spot."""
    self_service: bool
    materials: list[MaterialBody]
    fields: list[FormFieldBody]


class ServiceItemBody(TypedDict):
    """One item (事项) of a service."""

    code: str
    name_zh: str
    name_en: str
    department: str
    department_en: str
    """The department's English name; empty when the hall's TOML does not give one."""
    anywhere: bool
    """通办: can be served at any hall of the city."""
    remote: bool
    guide: NotRequired[GuideBody]
    """Only in ``GET /services?guide=true``."""


class ServiceBody(TypedDict):
    """One entry of ``GET /api/v1/services``: a theme (主题, keyed by its ticket prefix) with
    its items, people waiting, the wait a new ticket would get and its quota."""

    prefix: str
    name_zh: str
    name_en: str
    waiting: int
    expected_wait_s: int | None
    """The wait of a new ticket (:mod:`hall.estimate`); None when no window serves the theme."""
    wait_kind: str
    """What the wait says (:class:`hall.estimate.WaitKind`; worded by ``hall.wait_text``)."""
    quota: int
    """Tickets a day; 0: no quota."""
    issued_today: int
    quota_left: int | None
    """None when there is no quota."""
    per_id_daily_limit: int
    windows: list[str]
    """The numbers of the windows that serve the theme."""
    waiting_area_zh: str
    """Where its citizens wait ("A 区"; "" when the hall does not say)."""
    waiting_area_en: str
    items: list[ServiceItemBody]


class ThemeStatsBody(TypedDict):
    """Today's figures of one theme (``stats["themes"][prefix]``)."""

    issued: int
    waiting: int
    served: int
    no_show: int
    wait_s_total: NotRequired[float]
    """Only while nobody was served, and then 0.0 (as is ``service_s_total``)."""
    service_s_total: NotRequired[float]
    mean_wait_s: float | None
    """None while nobody was served."""
    mean_service_s: float | None


class StatsBody(TypedDict):
    """``GET /api/v1/stats/today``."""

    day: str
    themes: dict[str, ThemeStatsBody]
    ratings: dict[str, int]
    """Ratings given today by level, ``"1"`` to ``"5"`` (JSON keys are strings)."""


# ---------------------------------------------------------------------- windows and tickets
class WindowBody(TypedDict):
    """One entry of ``GET /api/v1/windows``, and the answer of a window's pause, resume,
    open, close and sign-in."""

    number: str
    name_zh: str
    name_en: str
    skills: list[str]
    video_booth: bool
    status: str
    """closed, open or paused."""
    state: str
    """What the window is doing, as every screen names it: closed, idle (open, no ticket),
    calling, serving or paused (``hall.window_states.WindowActivity``)."""
    pause_reason: str | None
    """While paused: why (``hall.window_states.PauseReason``), None when not said."""
    staff_id: str | None
    staff_name_zh: str | None
    current: str | None
    """The number of the ticket called or served here."""
    current_ticket: str | None
    """Its id."""
    current_status: str | None
    """Its status: called or serving."""
    served_today: int
    mean_service_s: float | None
    assigned_staff_id: str | None
    """Who a supervisor put at this window today (``hall.day_plan``), None when nobody."""


class NoticeBody(TypedDict):
    """A supervisor's notice on the wall displays and kiosks (``hall.day_plan.Notice``)."""

    text_zh: str
    text_en: str
    until: float
    posted_at: float
    by: str


class ThemeTodayBody(TypedDict):
    """A theme's quota, cutoff and hours in force today; ``changed`` when a supervisor
    changed them over the TOML."""

    daily_quota: int
    cutoff_min: int
    open: str
    close: str
    open_all_day: bool
    changed: bool
    issued_today: int


class TodayBody(TypedDict):
    """``GET /api/v1/today``: today's changes over the TOML (``hall.day_plan``)."""

    day: str
    themes: dict[str, ThemeTodayBody]
    notice: NoticeBody | None
    assignments: dict[str, str]
    """window → staff id."""


class QueueEntryBody(TypedDict):
    """One entry of ``GET /api/v1/windows/{n}/queue``, in calling order (no personal data)."""

    id: str
    number: str
    service: str
    priority: int
    """A :class:`hall.policy.Priority`: lower ranks are called first."""
    waited_s: int
    transferred: bool


class BoothBody(TypedDict):
    """The video booth a ticket lent to another hall's window is served at."""

    id: str
    name_zh: str
    name_en: str


class TicketBody(TypedDict):
    """A ticket as a citizen or a console sees it: ``POST /api/v1/tickets``,
    ``GET /api/v1/tickets/{id}``, and the answer of every action on a ticket (rating,
    re-check-in, cancel, green channel, and a window's call, recall, serve, no-show, finish,
    transfer)."""

    id: str
    number: str
    service: str
    """The theme's prefix."""
    item: str | None
    service_name_zh: str
    service_name_en: str
    item_name_zh: str
    item_name_en: str
    status: str
    """A :class:`hall.state.TicketStatus`."""
    channel: str
    ahead: int | None
    """People ahead while it waits (-1 for a ticket of another day), else None."""
    expected_wait_s: int | None
    """While it waits and a window serves its theme, else None."""
    wait_kind: str | None
    """While it waits, what the wait says (:class:`hall.estimate.WaitKind`), else None."""
    window: str | None
    """Where it was called; while it waits, the window it was transferred to (if any)."""
    issued_at: float
    called_at: float | None
    finished_at: float | None
    recalls: int
    green: bool
    elderly: bool
    appointment_id: str | None
    id_masked: str | None
    rating: int | None
    url: str
    """The phone page behind the ticket's QR code (``/t/<ticket id>.<mac>``, hall/links.py)."""
    booth: BoothBody | None
    windows: list[str]
    """The numbers of the windows that serve the ticket's theme (their skills include it)."""
    waiting_area_zh: str
    """Where the ticket's theme waits ("A 区"), "" when the hall does not say."""
    waiting_area_en: str
    no_show: NotRequired[NoShowBody]
    """Only for a called ticket (when it may be marked a no-show) and a no-show (how long
    its window may undo it)."""
    cancel_token: NotRequired[str]
    """Only in the answer of ``POST /api/v1/tickets``, to the device that took the number:
    what it presents to cancel it (a kiosk must)."""


class NoShowBody(TypedDict):
    """A console's countdowns around a no-show (过号), in seconds from the answer."""

    allowed_in_s: float
    """Until a no-show is allowed (0: now); ``recalls_left`` recalls would allow it sooner."""
    recalls_left: int
    undo_s_left: float
    """For a no-show: left to undo it (0: too late)."""


class OkBody(TypedDict):
    """``POST /api/v1/devices/status``: taken."""

    ok: bool


class AppointmentBody(TypedDict):
    """``POST /api/v1/appointments``: the appointment recorded and its theme."""

    id: str
    service: str


class EventsBody(TypedDict):
    """``GET /api/v1/events``: committed events (``hall.events.Event.to_dict``), oldest
    first, and the last sequence number the hall has."""

    events: list[dict[str, Any]]
    last_seq: int


# ---------------------------------------------------------------------- cloud calling (云叫号)
class WaitHereBody(TypedDict):
    """This hall's expected wait for an item (``recommend["here"]``)."""

    hall: str
    wait_s: int


class RecommendedHallBody(TypedDict):
    """Another hall offered for an item, with its figures
    (:class:`hall.protocol.Recommendation`)."""

    hall: str
    name_zh: str
    name_en: str
    expected_total_s: float
    """Travel and wait."""
    wait_s: float
    travel_s: float


class RecommendBody(TypedDict):
    """``GET /api/v1/recommend?item=CODE``: other halls that would do an item sooner, best
    first (none when the figures are stale or the item is not 通办)."""

    item: str
    here: WaitHereBody
    halls: list[RecommendedHallBody]
    at: float
    """When central worked the figures out."""
    stale: bool


class ReferredTicketBody(TypedDict):
    """The ticket another hall issued for a referral (:class:`hall.protocol.ReferredTicket`,
    with the keys that hall gave)."""

    id: str
    number: str
    hall: NotRequired[str | None]
    name_zh: NotRequired[str | None]
    name_en: NotRequired[str | None]
    ahead: NotRequired[int | None]
    expected_wait_s: NotRequired[float | None]
    url: NotRequired[str | None]
    id_masked: NotRequired[str | None]
    elderly: NotRequired[bool | None]


class ReferralBody(TypedDict):
    """``POST /api/v1/referrals`` and ``GET /api/v1/referrals/{id}``: a citizen sent to
    another hall (``hall.state.Referral.public``)."""

    id: str
    item: str
    hall: str
    created_at: float
    state: str
    """pending, issued, refused, withdrawing or withdrawn."""
    ticket: ReferredTicketBody | None
    """Once issued."""
    error: ErrorBody | None
    """Once refused or given up."""
    id_masked: str | None


class RemoteCallBody(TypedDict):
    """``GET /api/v1/windows/{n}/remote`` and the answer of each remote step: the window's
    remote call (远程叫号) as its console shows it (``hall.cloud.Leasing.remote_view``)."""

    window: str
    state: str
    """A :class:`hall.lease.RemoteCallState` (``idle`` when there is none)."""
    since: float | None
    """None when idle."""
    home: str
    """The called ticket's hall ("" until one is chosen), and its names."""
    home_name_zh: str
    home_name_en: str
    ticket: str
    number: str
    theme: str
    item: str | None
    lease: str


# ---------------------------------------------------------------------- self-service (自助申报)
class SubmittedMaterialBody(TypedDict):
    """A material of a submission as its receipt lists it."""

    id: str
    name_zh: str
    name_en: str
    pages: int
    """Pages photographed (0 when reused)."""
    reused: bool
    """Given before and reused (一证通办) rather than photographed."""


class SubmissionReceiptBody(TypedDict):
    """``POST /api/v1/submissions``: the receipt (回执) of a self-service submission."""

    receipt_code: str
    """10 characters of ``hall.submission_book.RECEIPT_ALPHABET``."""
    item: str
    item_name_zh: str
    item_name_en: str
    materials: list[SubmittedMaterialBody]
    submitted_at: str
    """ISO 8601 in the hall's time zone."""
    progress_url: str
    """Where a phone follows the progress (the QR on the receipt)."""
    queued: bool
    """True: not yet at central ("材料将在网络恢复后自动上传")."""


class SubmissionProgressBody(TypedDict):
    """``GET /api/v1/submissions/{code}/progress``: no personal data."""

    receipt_code: str
    item_name_zh: str
    item_name_en: str
    status: str
    """uploading, received, accepted, in_progress, done or rejected."""
    status_zh: str
    status_en: str
    reason_zh: str
    """Why it was rejected ("" otherwise)."""
    reason_en: str
    updated_at: str
    """ISO 8601 in the hall's time zone."""


class ReusableDocumentBody(TypedDict):
    """A document the citizen gave before that may be reused (names and dates, no image)."""

    doc_id: str
    material_id: str
    name_zh: str
    name_en: str
    given_on: str
    """ISO date."""
    valid_until: str
    """ISO date: reusable until the end of that day."""


class ReusableDocumentsBody(TypedDict):
    """``POST /api/v1/submissions/reusable``."""

    documents: list[ReusableDocumentBody]
    unavailable: bool
    """True: central could not be asked in time (photograph the materials instead)."""
