"""The kiosk's view-model: what the citizen sees and what each touch, swipe or scan does.

Plain Python, no widgets: the view renders :class:`KioskModel` and forwards touches to it;
device pollers forward cards and QR codes. Blocking work (hall API, printer) runs through the
``run`` :data:`~ui.tasks.Runner` given to the model; its outcome comes back to a method here.
The model keeps no queue state of its own: waiting counts and waits come from ``GET /services``,
the ticket from ``POST /tickets``.

Screens (:class:`Screen`): ``attract`` → ``themes`` → ``items`` → ``ticket``, and ``error``
(a plain sentence from the hall); ``search`` finds an item by pinyin initials
(:mod:`kiosk.search`) and ``card_guide`` shows where the card reader is. The home screen says
which devices do not work and what still does (:mod:`kiosk.health_banner`); the printer is asked
for its status while idle (:mod:`kiosk.device_health`). The idle reset is longer in elderly mode
and counts down its last seconds with "还需要更多时间吗？" (:mod:`kiosk.idle`). Times shown are
in the hall's time zone (:meth:`KioskModel.local_now`).

Other halls (跨厅推荐, 云叫号): for an item that can be served at any hall (通办) the kiosk may
offer other halls that would do it sooner (``offer``), and take the number at the one the
citizen chooses (``referring``, then ``ticket`` or ``referral_failed``). The offer and the
referral are a :class:`~kiosk.referral_flow.ReferralFlow` (``model.referral``), one per
session; the model makes its hall calls (the polling in :meth:`KioskModel.tick`).

The service guide (办事指南: ``guide``, ``guide_search``, ``guide_item``) is
:class:`~kiosk.guide.GuideScreens`, progress lookup (进度查询: ``progress``) is
:class:`~kiosk.progress.ProgressLookup`, both bases of the model; "自助申报" on a guide goes to
``submission`` (:meth:`KioskModel.start_submission`).

Personal data — the ID number read from a card — lives only in the current
:class:`~kiosk.citizen.Citizen` and is dropped by :meth:`KioskModel.reset` (idle timeout,
"done", new session); screens show the masked form only.

Appointments (预约): a QR code ``hallq:appt:<id>`` or ``hallq:appt:<id>:<service>`` checks the
appointment in (``POST /tickets`` with ``channel=appointment``), which gives a priority ticket
within its slot. The hall API finds an appointment by its id only, so a QR code is the way in;
a citizen who swiped a card first and then scans the code gets a real-name check-in (the hall
checks the card against the booking). When the code names no service, the kiosk tries each
theme in turn: the hall refuses a theme that is not the booked one (``appointment_mismatch``)
without changing anything.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hall.client import HallClient
from hall.schemas import GuideBody, HallBody, RecommendBody, ReferralBody, ServiceBody
from kiosk.citizen import TICKET_PREFIX, Citizen, check_in, parse_appointment_code
from kiosk.device_health import DeviceReports
from kiosk.devices import KioskDevices
from kiosk.guide import GUIDE_SCREENS, GuideScreens, GuideState
from kiosk.idle import IdleTimer
from kiosk.notice_banner import apply_notice_event, drop_ended_notice
from kiosk.offer import offer_from
from kiosk.progress import ProgressLookup, ProgressState
from kiosk.referral_flow import ReferralFlow, ShownTicket, Step
from kiosk.screen_ids import Screen as Screen
from kiosk.search import ItemSearch
from kiosk.submission import SubmissionFlow, guide_from_body
from kiosk.ticket_cancel import TicketCancel
from kiosk.ticketprint import referral_content, ticket_content
from ui.cloudclient import cloud_calls
from ui.tasks import Runner, run_now
from ui.viewmodel import DeviceStates, Message, message_of

log = logging.getLogger("hallq.kiosk")


@dataclass(frozen=True)
class KioskSettings:
    """How one kiosk behaves."""

    #: The kiosk's name, reported as ``where`` with device faults.
    name: str = "kiosk"
    #: Seconds without a touch, swipe or scan before the attract screen returns.
    idle_timeout_s: float = 60.0
    #: The same in elderly mode (None: twice ``idle_timeout_s``).
    elderly_idle_timeout_s: float | None = None
    #: Seconds between two status requests to the printer while it does not print.
    printer_check_s: float = 15.0
    #: Whether a citizen without an ID card may take a number by touching a theme.
    walk_in: bool = True
    #: Whether each session starts in elderly mode (适老化), e.g. at a kiosk for the elderly.
    start_elderly: bool = False


class KioskModel(DeviceReports, GuideScreens, ProgressLookup):
    """One kiosk's screens and session. All methods run on one thread (the Qt thread)."""

    def __init__(self, client: HallClient | None, devices: KioskDevices | None = None,
                 settings: KioskSettings | None = None, run: Runner = run_now,
                 lang: str = "zh", clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time) -> None:
        """``clock`` counts idle seconds and timeouts; ``wall`` is the time of day shown."""
        super().__init__()
        self.client = client
        self.devices = devices or KioskDevices()
        self.settings = settings or KioskSettings()
        self._run = run
        self._clock = clock
        self._wall = wall
        self.lang = lang
        self.elderly = self.settings.start_elderly
        self.connected: bool | None = None
        self.hall: HallBody | None = None
        """``GET /hall``, once it answered."""
        self.services: list[ServiceBody] = []
        self._services_loading = False
        self._services_stale = False
        self._session = 0
        self._reported: dict[str, str] = {}  # device kind -> the fault code told to staff
        self.device_states = DeviceStates(self.devices.kinds())  # what the heartbeat says
        self._printer_checked_at: float | None = None
        self._printer_checking = False
        self.idle = IdleTimer(clock, self.settings.idle_timeout_s,
                              self.settings.elderly_idle_timeout_s)
        self._countdown_shown: int | None = None
        self.guides: dict[str, GuideBody] = {}
        self.guides_due = True
        self._clear_session()

    def _in_session(self, callback: Callable[[Any], None]) -> Callable[[Any], None]:
        """Wrap a callback so it is dropped when the session ended while its job ran."""
        session = self._session

        def guarded(value: Any) -> None:
            if session == self._session:
                callback(value)
        return guarded

    # ------------------------------------------------------------------ session
    def _clear_session(self) -> None:
        self.screen = Screen.ATTRACT
        self.citizen: Citizen | None = None
        self.appointment_id: str | None = None
        self.theme_prefix: str | None = None
        self.page = 0
        self.ticket: ShownTicket | None = None
        self.print_state = "none"  # none, printing, printed, failed, no_printer
        self.print_error: Message | None = None
        self.error: Message | None = None
        self.busy = False
        self.referral = ReferralFlow()
        self.cancel = TicketCancel()  # the ticket's cancel token: this session's only
        self.search = ItemSearch()
        self.guide = GuideState()
        self.progress = ProgressState()
        self.submission: SubmissionFlow | None = None  # 自助申报 (kiosk.submission)
        self.devices.photographing = False

    def reset(self) -> None:
        """Forget everything personal and go back to the attract screen."""
        self._session += 1
        self._clear_session()
        self.elderly = self.settings.start_elderly
        self._changed()

    def touch(self) -> None:
        """Someone is using the kiosk: restart the idle countdown."""
        self.idle.touch()

    def idle_for(self) -> float:
        """Seconds since the last touch, swipe or scan."""
        return self.idle.idle_for()

    def idle_timeout(self) -> float:
        """Seconds without a touch before the reset (longer in elderly mode)."""
        return self.idle.timeout(self.elderly)

    def countdown(self) -> int | None:
        """Seconds left before the reset, in its last seconds of a session ("还需要更多时间
        吗？" shows then); None otherwise."""
        if (self.screen == Screen.ATTRACT and self.citizen is None) or self.busy:
            return None
        return self.idle.countdown(self.elderly)

    def check_idle(self) -> bool:
        """Reset when idle for the timeout outside the attract screen; True if it did.
        Otherwise show the countdown when its figure changed (and drop a notice that ran
        out)."""
        if drop_ended_notice(self.hall, self._wall()):
            self._changed()
        countdown = self.countdown()
        if countdown is None or not self.idle.expired(self.elderly):
            if countdown != self._countdown_shown:
                self._countdown_shown = countdown
                self._changed()
            return False
        log.info("idle for %.0f s: session cleared", self.idle_for())
        self._countdown_shown = None
        self.reset()
        return True

    def more_time(self) -> None:
        """"需要 / Yes" to "还需要更多时间吗？": start the idle countdown again."""
        self.touch()
        self._countdown_shown = None
        self._changed()

    def set_lang(self, lang: str) -> None:
        """Switch the language ("zh" or "en")."""
        self.touch()
        self.lang = "en" if lang == "en" else "zh"
        self._changed()

    def toggle_lang(self) -> None:
        """Chinese ↔ English."""
        self.set_lang("zh" if self.lang == "en" else "en")

    def toggle_elderly(self) -> None:
        """Large type, fewer items per page, high contrast (适老化) on or off."""
        self.touch()
        self.elderly = not self.elderly
        self.page = 0
        self._changed()

    def set_connected(self, connected: bool) -> None:
        """The hall's event stream went up or down."""
        self.connected = connected
        if connected:
            self.guides_due = True  # the node may have restarted with another catalog
            self.refresh_services()
        self._changed()

    # ------------------------------------------------------------------ loading
    def start(self) -> None:
        """Load the hall's name and rules and its services."""
        if self.client is None:
            return
        client = self.client
        self._run(client.hall, self.hall_loaded, self._log_load_error)
        self.refresh_services()

    def hall_loaded(self, hall: HallBody) -> None:
        """The hall's name and rules arrived."""
        self.hall = hall
        self._changed()

    def _log_load_error(self, err: Exception) -> None:
        log.warning("could not load from the hall: %s", err)

    def refresh_services(self) -> None:
        """Reload themes, waiting counts and waits (at most one request at a time)."""
        if self.client is None:
            return
        if self._services_loading:
            self._services_stale = True
            return
        self._services_loading = True
        self._run(self.load_services, self.services_loaded, self._services_failed)

    def services_loaded(self, services: list[ServiceBody]) -> None:
        """New themes and figures arrived."""
        self.services = self.keep_guides(services)
        self._services_done()
        self._changed()

    def _services_failed(self, err: Exception) -> None:
        self._log_load_error(err)
        self._services_done()

    def _services_done(self) -> None:
        self._services_loading = False
        if self._services_stale:
            self._services_stale = False
            self.refresh_services()

    def on_event(self, event: dict) -> None:
        """A hall event: waiting counts changed when tickets moved; a notice posted or
        taken down."""
        if event.get("kind", "").startswith(("ticket.", "window.")):
            self.refresh_services()
        elif apply_notice_event(self.hall, event):     # a supervisor's notice, on the home screen
            self._changed()

    # ------------------------------------------------------------------ the citizen
    def walk_in(self) -> None:
        """Take a number without an ID card (when the hall allows it)."""
        self.touch()
        if not self.settings.walk_in:
            return
        self.screen = Screen.THEMES
        self.refresh_services()
        self._changed()

    def card_read(self, card: Any) -> None:
        """An ID card was swiped: start (or restart) a real-name session."""
        if self.busy or (self.submission is not None and self.submission.card_read(card)):
            return
        self._session += 1
        self._clear_session()
        self.touch()
        self.citizen = Citizen.from_card(card)
        age = self.citizen.age_on(self.local_now().date())
        if age is not None and age >= int(self.hall.get("elderly_age", 65) if self.hall else 65):
            self.elderly = True
        self.screen = Screen.THEMES
        self.refresh_services()
        self._changed()

    def qr_scanned(self, text: str) -> None:
        """The camera read a QR code: an appointment check-in, or an explanation."""
        if self.busy:
            return
        if self.submission is not None:
            self.submission.qr_scanned(text)
            return
        self.touch()
        parsed = parse_appointment_code(text)
        if parsed is None and self.receipt_scanned(text):
            return
        if parsed is None and text.strip().startswith(TICKET_PREFIX):
            self._show_error(("这是已取的号码，无需再次取号，请留意叫号",
                              "This is a ticket you already have; please wait for your call"))
            return
        if parsed is None:
            self._show_error(("无法识别该二维码，请扫描预约二维码",
                              "This QR code is not an appointment code"))
            return
        appointment_id, service = parsed
        self.appointment_id = appointment_id
        self.busy = True
        self._changed()
        id_number = self.citizen.id_number if self.citizen else None
        client, services = self.client, self.services
        self._run(lambda: check_in(client, services, appointment_id, service, id_number),
                  self._in_session(self.ticket_issued), self._in_session(self.failed))

    def choose_theme(self, prefix: str) -> None:
        """Show the items of a theme."""
        self.touch()
        self.theme_prefix = prefix
        self.page = 0
        self.screen = Screen.ITEMS
        self._changed()

    def back(self) -> None:
        """One screen back: offer → items → themes → attract (which ends the session)."""
        self.touch()
        if self.screen == Screen.OFFER:
            self.referral.offer = None
            self.screen = Screen.ITEMS
            self._changed()
        elif self.screen == Screen.SEARCH:
            self.screen = Screen.ITEMS if self.search.scope else Screen.THEMES
            self._changed()
        elif self.screen == Screen.ITEMS:
            self.screen = Screen.THEMES
            self._changed()
        elif self.screen in GUIDE_SCREENS:
            self.guide_back()
        elif self.screen == Screen.ERROR and (self.citizen or self.settings.walk_in) \
                and self.ticket is None:
            self.error = None
            self.screen = Screen.THEMES
            self._changed()
        else:
            self.reset()

    def next_page(self) -> None:
        """The next page of items."""
        self.touch()
        if self.page + 1 < self.page_count():
            self.page += 1
            self._changed()

    def prev_page(self) -> None:
        """The previous page of items."""
        self.touch()
        if self.page > 0:
            self.page -= 1
            self._changed()

    def show_card_guide(self) -> None:
        """The "刷身份证" tile was touched: show where the card reader is."""
        self.touch()
        self.screen = Screen.CARD_GUIDE
        self._changed()

    def take_number(self, service: str) -> None:
        """Issue a ticket for an item code or a theme prefix; for an item served at any hall
        (通办), first see whether another hall would do it sooner."""
        if self.busy or self.client is None:
            return
        self.touch()
        self.busy = True
        self._changed()
        cloud = cloud_calls(self.client)
        item = self.item(service)
        if cloud is None or item is None or not item.get("anywhere"):
            self._issue_here(service)
            return
        self._run(lambda: cloud.recommend(service),
                  self._in_session(lambda answer: self.recommended(service, answer)),
                  self._in_session(lambda err: self._no_offer(service, err)))

    def _issue_here(self, service: str) -> None:
        assert self.client is not None
        client = self.client
        id_number = self.citizen.id_number if self.citizen else None
        self._run(lambda: client.issue(service, id_number=id_number, channel="kiosk"),
                  self._in_session(self.ticket_issued), self._in_session(self.failed))

    def start_submission(self, item: str) -> None:
        """"自助申报" on a self-service item's guide: the submission flow (kiosk.submission)."""
        self.touch()
        body, guide = self.item(item), guide_from_body(self.item(item))
        if body is None or guide is None or not guide.self_service:
            self._show_error(("本事项暂不支持自助申报，请取号到窗口办理",
                              "This service cannot be applied for here: please take a number"))
            return
        self.submission = SubmissionFlow(self, item, (body["name_zh"], body.get(
            "name_en") or body["name_zh"]), guide, self._run, self._changed, self._in_session)
        self.screen = Screen.SUBMISSION
        self._changed()

    # ------------------------------------------------------------------ search
    def open_search(self) -> None:
        """Search the chosen theme's items (from its item list) or every item."""
        self.touch()
        self.search = ItemSearch(self.theme_prefix if self.screen == Screen.ITEMS else None)
        self.screen = Screen.SEARCH
        self._changed()

    def type_key(self, key: str) -> None:
        """A letter of the kiosk's keyboard."""
        self.touch()
        self.search.type(key)
        self._changed()

    def erase_key(self) -> None:
        """The keyboard's "删除": take back the last letter."""
        self.touch()
        self.search.erase()
        self._changed()

    def clear_search(self) -> None:
        """The keyboard's "清空": start again."""
        self.touch()
        self.search.clear()
        self._changed()

    # ------------------------------------------------------------------ other halls
    def recommended(self, service: str, answer: RecommendBody) -> None:
        """The other halls for an item arrived: offer them, or issue here when none helps."""
        offer = offer_from(answer, str(self.hall.get("hall_id", "")) if self.hall else "")
        if offer is None:
            self._issue_here(service)
            return
        self.busy = False
        self.touch()
        self.referral.offer = offer
        self.screen = Screen.OFFER
        self._changed()

    def _no_offer(self, service: str, err: Exception) -> None:
        log.info("no other halls offered for %s: %s", service, message_of(err)[1])
        self._issue_here(service)

    def take_here(self) -> None:
        """On the offer (or after a failed referral): take the number at this hall."""
        offer = self.referral.offer
        if self.busy or offer is None or self.client is None:
            return
        self.touch()
        self.busy = True
        self._changed()
        self._issue_here(offer.item)

    def go_to(self, hall_id: str) -> None:
        """On the offer: take the number at another hall (``POST /referrals``)."""
        cloud = cloud_calls(self.client)
        offer = self.referral.offer
        hall = offer.hall(hall_id) if offer else None
        if self.busy or hall is None or cloud is None or offer is None:
            return
        self.touch()
        self.busy = True
        self.referral.hall = hall
        self._changed()
        item = offer.item
        # with the card's number the other hall issues a real-name ticket (priority, limits)
        id_number = self.citizen.id_number if self.citizen else None
        self._run(lambda: cloud.refer(item, hall.hall, id_number),
                  self._in_session(self.referral_started),
                  self._in_session(lambda err: self.referral_failed(message_of(err))))

    def referral_started(self, answer: ReferralBody) -> None:
        """The hall node took the referral: wait for the other hall's ticket."""
        self.busy = False
        self.touch()
        self.referral.started(str(answer["id"]), self._clock())
        self.screen = Screen.REFERRING
        self._changed()
        if answer.get("state", "pending") != "pending":
            self.referral_polled(answer)

    def tick(self) -> None:
        """About once a second: ask the printer for its status now and then (when it does not
        print); while a referral is pending, ask about it (and give up after
        :data:`~kiosk.referral_flow.REFERRAL_GIVE_UP_S`)."""
        self.check_printer()
        cloud = cloud_calls(self.client)
        if self.screen != Screen.REFERRING or self.referral.polling or cloud is None:
            return
        step = self.referral.next_step(self._clock())
        if step is Step.GIVE_UP:
            self.referral_failed(self.referral.too_slow())
        elif step is Step.ASK:
            referral_id = str(self.referral.id)
            self._run(lambda: cloud.referral(referral_id),
                      self._in_session(self.referral_polled), self._in_session(self._poll_failed))

    def referral_polled(self, answer: ReferralBody) -> None:
        """The referral's state: still pending, issued (show and print), refused or given up
        by the node (withdrawn: the answer came too late)."""
        self.referral.polling = False
        if self.screen != Screen.REFERRING:
            return
        ticket, failure = self.referral.issued_ticket(answer), self.referral.failure(answer)
        if ticket is not None:
            self.ticket_issued(self.referral.shown_ticket(ticket, self.services))
        elif failure is not None:
            self.referral_failed(failure)

    def _poll_failed(self, err: Exception) -> None:
        self.referral.polling = False
        log.info("referral %s not read: %s", self.referral.id, message_of(err)[1])

    def referral_failed(self, message: Message) -> None:
        """The other hall refused, did not answer in time, or could not be asked."""
        self.busy = False
        self.touch()
        self.referral.error = message
        self.screen = Screen.REFERRAL_FAILED
        self._changed()

    # ------------------------------------------------------------------ outcomes
    def ticket_issued(self, ticket: ShownTicket) -> None:
        """The hall (or, for a referral, the other hall) issued a ticket: show and print it."""
        self.busy = False
        self.touch()
        if self.screen != Screen.REFERRING:
            self.referral.hall = None  # issued here
        self.ticket = ticket
        self.cancel = TicketCancel.of(ticket)
        self.error = None
        self.screen = Screen.TICKET
        self.refresh_services()
        self._print(ticket)
        self._changed()

    def ask_cancel(self, *, confirming: bool = True) -> None:
        """"取错了？取消此号": ask the citizen to confirm (``False``: they keep the number)."""
        self.touch()
        self.cancel.confirming = confirming and self.cancel.possible
        self._changed()

    def cancel_ticket(self) -> None:
        """Confirmed: give the number back with its cancel token, then the start screen."""
        cancel, client = self.cancel, self.client
        if self.busy or client is None or not (cancel.confirming and cancel.possible):
            return
        self.touch()
        self.busy = True
        self._changed()
        ticket_id, token = str(cancel.ticket_id), cancel.token
        self._run(lambda: client.cancel(ticket_id, token),
                  self._in_session(lambda _: self.reset()), self._in_session(self.failed))

    def failed(self, err: Exception) -> None:
        """The hall refused (quota, cutoff, per-ID limit, invalid ID…) or is unreachable."""
        self.busy = False
        self._show_error(message_of(err))

    def _show_error(self, message: Message) -> None:
        self.touch()
        self.error = message
        self.screen = Screen.ERROR
        self._changed()

    def _print(self, ticket: ShownTicket) -> None:
        printer = self.devices.printer
        if printer is None:
            self.print_state = "no_printer"
            return
        hall = self.referral.hall
        content = referral_content(ticket, self.hall, hall.name("zh"), hall.name("en")) \
            if hall is not None else ticket_content(
                ticket, self.hall, self.citizen.masked_id if self.citizen else None)
        self.print_state = "printing"
        self._run(lambda: printer.print_ticket(content), self._in_session(self.printed),
                  self._in_session(self.print_failed))
