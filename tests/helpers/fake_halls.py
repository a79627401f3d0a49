"""Hall clients for the kiosk's and the calling console's tests without a hall node: each
stands in for ``hall.client.HallClient`` as one app uses it.

Unlike the real client they send nothing over HTTP and apply no hall rules: the hall and its
services are the canned samples of ``ui.samples``, other answers are built from the arguments
or scripted by the test (an exception in a script is raised), and every call is recorded for
the test to read. Only the methods the app calls exist.
"""

from __future__ import annotations

from typing import Any

from caller.viewmodel import CallerModel
from hall.client import HallApiError
from hall.errors import ErrorCode
from hall.events import EventKind
from hall.window_states import window_activity
from kiosk.screens import sample_recommend
from kiosk.submission_screens import sample_documents, sample_receipt
from ui.samples import sample_hall, sample_services

#: The window the console fakes serve.
WINDOW = "3"
#: ``GET /windows/3/remote`` of a window that is not calling remotely.
REMOTE_IDLE = {"window": WINDOW, "state": "idle", "lease": "", "home": "", "home_name_zh": "",
               "home_name_en": "", "ticket": "", "number": "", "theme": "", "item": None,
               "since": None}
#: ``GET /referrals/{id}`` of a referral the other hall has not answered yet.
REFERRAL_PENDING = {"id": "GD-SZ-FT-001-20250314-R0007", "item": "A02", "hall": "GD-SZ-NS-002",
                    "state": "pending", "ticket": None, "error": None}


class FakeKioskHall:
    """The kiosk's client: canned hall and services, scripted answers to ``POST /tickets``.

    ``answers`` maps a service to fields that change the issued ticket, or to the exception
    the hall answers with.
    """

    def __init__(self, answers: dict[str, Any] | None = None) -> None:
        self.answers = answers or {}
        self.issued: list[dict] = []
        self.statuses: list[tuple] = []
        self.cancelled: list[tuple[str, str | None]] = []
        #: What ``cancel`` raises (the hall's refusal), when set.
        self.cancel_refusal: Exception | None = None
        #: Whether each ``GET /services`` asked for the guides, in turn.
        self.guide_asked: list[bool] = []
        #: ``GET /submissions/{code}/progress`` by receipt code: the answer, or what is raised
        #: (an unknown code: the hall's 404).
        self.progress: dict[str, dict | Exception] = {}
        self.progress_asked: list[str] = []

    def hall(self) -> dict:
        """The sample hall."""
        return sample_hall()

    def services(self, guide: bool = False) -> list[dict]:
        """The sample hall's services (with each item's guide when asked)."""
        self.guide_asked.append(guide)
        return sample_services(guide)

    def submission_progress(self, receipt_code: str) -> dict:
        """The scripted progress of a receipt; the hall's 404 for a code it does not know."""
        self.progress_asked.append(receipt_code)
        answer = self.progress.get(receipt_code)
        if answer is None:
            raise HallApiError(404, ErrorCode.NOT_FOUND, "没有该回执编号，请核对后重新输入",
                               "No submission has this receipt code: please check it")
        if isinstance(answer, Exception):
            raise answer
        return answer

    def issue(self, service: str, id_number: str | None = None, channel: str = "kiosk",
              appointment_id: str | None = None) -> dict:
        """Record the request; the next ticket of ``service``, changed by its answer."""
        self.issued.append({"service": service, "id_number": id_number, "channel": channel,
                            "appointment_id": appointment_id})
        answer = self.answers.get(service, {})
        if isinstance(answer, Exception):
            raise answer
        number = f"{service[0]}{len(self.issued):03d}"
        return {"id": f"20250314-{number}", "number": number, "service": service[0],
                "item": service if len(service) > 1 else None, "service_name_zh": "商事登记",
                "service_name_en": "Business registration", "item_name_zh": "",
                "item_name_en": "", "status": "waiting", "channel": channel, "ahead": 2,
                "expected_wait_s": 600, "issued_at": 1_741_900_000.0,
                "appointment_id": appointment_id,
                "url": f"http://hall/t/20250314-{number}.00ff", "cancel_token": f"tok-{number}",
                **answer}

    def cancel(self, ticket_id: str, cancel_token: str | None = None) -> dict:
        """Record the cancel; the ticket cancelled (or the scripted refusal)."""
        self.cancelled.append((ticket_id, cancel_token))
        if self.cancel_refusal is not None:
            raise self.cancel_refusal
        return {"id": ticket_id, "status": "cancelled"}

    def device_status(self, device: str, state: str, where: str = "", detail: str = "") -> dict:
        """Record a device's state."""
        self.statuses.append((device, state, where, detail))
        return {"ok": True}


class FakeCloudKioskHall(FakeKioskHall):
    """The kiosk's client of a hall linked to the city: also other halls' offer and referrals
    (``GET /recommend``, ``POST /referrals``, ``GET /referrals/{id}``), as the test scripts
    them."""

    def __init__(self) -> None:
        super().__init__()
        self.recommendation: dict | Exception = sample_recommend()
        self.referrals: list[dict | Exception] = []  # answers of GET /referrals, in turn
        self.refer_error: Exception | None = None
        self.referred_id_numbers: list[str | None] = []
        self.calls: list[tuple] = []

    def recommend(self, item: str) -> dict:
        """The scripted recommendation for ``item``."""
        self.calls.append(("recommend", item))
        if isinstance(self.recommendation, Exception):
            raise self.recommendation
        return dict(self.recommendation, item=item)

    def refer(self, item: str, hall: str, id_number: str | None = None) -> dict:
        """A pending referral to ``hall``, or ``refer_error``."""
        self.calls.append(("refer", item, hall))
        self.referred_id_numbers.append(id_number)
        if self.refer_error is not None:
            raise self.refer_error
        return {k: REFERRAL_PENDING[k] for k in ("id", "item", "hall", "state")}

    def referral(self, referral_id: str) -> dict:
        """The next scripted answer, pending once the script runs out."""
        self.calls.append(("referral", referral_id))
        answer = self.referrals.pop(0) if self.referrals else REFERRAL_PENDING
        if isinstance(answer, Exception):
            raise answer
        return answer

    def remote_step(self, window: str, step: str) -> dict:  # marks it as a cloud client
        """Never called by a kiosk."""
        raise AssertionError("the kiosk never calls remotely")


class FakeWindowHall:
    """The console's client at window 3: its status, its current ticket and a queue of
    ``waiting`` tickets; S001 signs in with PIN 1234 or badge 04A1B2C3D4E5F6."""

    def __init__(self, waiting: int = 2) -> None:
        self.status = "closed"
        self.staff: str | None = None
        self.current: dict | None = None
        self.queue = [self.waiting_ticket(f"A00{n}") for n in range(1, waiting + 1)]
        self.served = 0
        self.ratings: dict[str, int] = {}
        self.statuses: list[tuple] = []
        self.no_shows: list[dict] = []
        self.undo_s = 30.0
        self.pause_reason: str | None = None
        self.devices: list[dict] = []
        """``GET /health``'s device lines (what the node knows of every device)."""

    @staticmethod
    def waiting_ticket(number: str) -> dict:
        """A waiting ticket of theme A (put it in ``queue`` to have it called)."""
        return {"id": f"20250314-{number}", "number": number, "service": "A",
                "status": "waiting", "recalls": 0, "service_name_zh": "商事登记",
                "service_name_en": "Business registration"}

    def hall(self) -> dict:
        """The sample hall, as window 3's console is told it."""
        return dict(sample_hall(), device={"role": "caller", "window": WINDOW,
                                           "name": f"console-{WINDOW}"})

    def services(self) -> list[dict]:
        """The sample hall's services."""
        return sample_services()

    def health(self) -> dict:
        """The node's health: only its device lines matter to a console."""
        return {"status": "ok", "reasons": [], "devices": self.devices}

    def _window(self) -> dict:
        current = self.current
        return {"number": WINDOW, "status": self.status, "pause_reason": self.pause_reason,
                "state": window_activity(self.status, current["status"] if current else None),
                "staff_id": self.staff,
                "staff_name_zh": "王晓明" if self.staff else None,
                "current": current["number"] if current else None,
                "current_ticket": current["id"] if current else None,
                "current_status": current["status"] if current else None,
                "served_today": self.served, "mean_service_s": 600.0 if self.served else None}

    def windows(self) -> list[dict]:
        """Window 3 alone."""
        return [self._window()]

    def window_queue(self, window: str) -> list[dict]:
        """The tickets waiting."""
        return [{"id": t["id"], "number": t["number"], "service": "A", "priority": 3,
                 "waited_s": 60, "transferred": False} for t in self.queue]

    def ticket(self, ticket_id: str) -> dict:
        """The current ticket (the only one a console reads)."""
        assert self.current is not None and self.current["id"] == ticket_id
        return dict(self.current)

    def sign_in(self, window: str, staff_id: str | None = None, pin: str | None = None,
                badge_uid: str | None = None) -> dict:
        """Open the window for S001, or refuse as the hall does."""
        if not ((staff_id, pin) == ("S001", "1234") or badge_uid == "04A1B2C3D4E5F6"):
            raise HallApiError(401, "bad_credentials", "工号、工牌或密码错误",
                               "Wrong staff id, badge or PIN")
        self.status, self.staff = "open", "S001"
        return self._window()

    def call(self, window: str) -> dict | None:
        """The first waiting ticket, now called (None when nobody waits)."""
        if not self.queue:
            return None
        self.current = dict(self.queue.pop(0), status="called")
        return dict(self.current)

    def window_action(self, window: str, action: str, body: dict | None = None) -> dict:
        """Pause, resume or close the window, or recall, serve, finish or no-show the ticket."""
        ticket = self.current
        if action in ("pause", "resume", "close"):
            self.status = {"pause": "paused", "resume": "open", "close": "closed"}[action]
            self.pause_reason = (body or {}).get("reason") if action == "pause" else None
            return self._window()
        assert ticket is not None
        if action == "recall":
            ticket["recalls"] += 1
        elif action == "serve":
            ticket["status"] = "serving"
        elif action in ("finish", "no-show"):
            ticket["status"] = "finished" if action == "finish" else "no_show"
            self.served += action == "finish"
            self.current = None
            if action == "no-show":
                ticket["no_show"] = {"allowed_in_s": 0.0, "recalls_left": 0,
                                     "undo_s_left": self.undo_s}
                self.no_shows.append(ticket)
        return dict(ticket)

    def undo_no_show(self, window: str, ticket_id: str | None = None) -> dict:
        """The last no-show called here again (the hall checks the grace period)."""
        ticket = self.no_shows.pop()
        assert self.current is None and ticket["id"] == ticket_id
        self.current = dict(ticket, status="called")
        return dict(self.current)

    def transfer(self, window: str, to_service: str | None = None,
                 to_window: str | None = None) -> dict:
        """The current ticket, waiting again (in ``to_service`` if given)."""
        ticket, self.current = self.current, None
        assert ticket is not None
        return dict(ticket, status="waiting", service=to_service or ticket["service"])

    def rate(self, ticket_id: str, level: int) -> dict:
        """Record the rating."""
        self.ratings[ticket_id] = level
        return {"id": ticket_id, "rating": level}

    def device_status(self, device: str, state: str, where: str = "", detail: str = "") -> dict:
        """Record a device's state."""
        self.statuses.append((device, state, where, detail))
        return {"ok": True}


class FakeVideoWindowHall(FakeWindowHall):
    """The console's client at a window with video: the remote call's state is what the test
    (as the hall) says, and each step the console asks for moves it as the hall would."""

    def __init__(self, waiting: int = 0) -> None:
        super().__init__(waiting)
        self.remote: dict[str, Any] = dict(REMOTE_IDLE)
        self.steps: list[str] = []
        self.refuse: HallApiError | None = None

    def _window(self) -> dict:
        return dict(super()._window(), video_booth=True)

    def remote_state(self, window: str) -> dict:
        """The remote call's state as the test set it."""
        return dict(self.remote)

    def remote_step(self, window: str, step: str) -> dict:
        """Record the step and move to the state the hall moves to (or raise ``refuse``)."""
        self.steps.append(step)
        if self.refuse is not None:
            raise self.refuse
        after = {"remote_call": "choosing", "remote_start": "starting",
                 "remote_finish": "finishing", "remote_cancel": "releasing"}[step]
        if step == "remote_call":
            self.remote = dict(REMOTE_IDLE, state=after, since=1_741_916_100.0)
        elif step == "remote_cancel" and self.remote["state"] == "choosing":
            self.remote = dict(self.remote, state="ended")
        else:
            self.remote = dict(self.remote, state=after)
        return dict(self.remote)

    def hall_says(self, model: CallerModel, state: str, **changes: Any) -> None:
        """The remote call moved on at the hall: the stream tells the console."""
        self.remote = dict(self.remote, state=state, **changes)
        kind = EventKind.WINDOW_REMOTE_FREE if state in ("none", "ended",
                                                         "done") else EventKind.WINDOW_REMOTE
        model.on_event({"kind": kind, "data": {"window": WINDOW, "state": state}})


class FakeSubmissionHall(FakeKioskHall):
    """The kiosk's client for self-service submissions: the example hall's services with each
    item's guide, documents given before (``documents``, or an exception to raise) and
    ``POST /submissions`` answered with the sample receipt (or ``submit_answers`` in turn,
    an exception raised). Every submission is recorded in ``submitted``. An ID number typed
    with an appointment is asked through ``reusable_answer`` (recorded in ``vouched``), which
    raises ``holder_refusal`` when set, as the hall does when the appointment does not vouch
    for it."""

    def __init__(self) -> None:
        super().__init__()
        self.documents: list[dict] | dict | Exception = sample_documents()
        self.asked: list[tuple[str, str]] = []
        self.submitted: list[dict] = []
        self.submit_answers: list[dict | Exception] = []
        self.vouched: list[tuple[str, str, str | None]] = []
        self.holder_refusal: Exception | None = None

    def services(self, guide: bool = False) -> list[dict]:
        """The sample hall's services with each item's guide."""
        return list(sample_services(guide=True))

    def reusable_documents(self, id_number: str, item: str) -> list[dict]:
        """The documents given before (names and dates)."""
        self.asked.append((id_number, item))
        if isinstance(self.documents, Exception):
            raise self.documents
        return self.documents if isinstance(self.documents, dict) else list(self.documents)

    def reusable_answer(self, id_number: str, item: str,
                        appointment_id: str | None = None) -> dict:
        """The documents given before with ``unavailable``; with an appointment, refused
        first by ``holder_refusal`` when set."""
        self.vouched.append((id_number, item, appointment_id))
        if appointment_id is not None and self.holder_refusal is not None:
            raise self.holder_refusal
        found = self.reusable_documents(id_number, item)
        return found if isinstance(found, dict) else {"documents": found, "unavailable": False}

    def submit_submission(self, item: str, fields: dict[str, str], photos: list[Any],
                          reuse: list[str], id_number: str | None, name: str | None,
                          client_id: str, consent_version: str,
                          appointment_id: str | None = None) -> dict:
        """Record the submission; the next scripted answer, or the sample receipt."""
        self.submitted.append({"item": item, "fields": dict(fields), "photos": list(photos),
                               "reuse": list(reuse), "id_number": id_number, "name": name,
                               "client_id": client_id, "consent_version": consent_version,
                               "appointment_id": appointment_id})
        answer = self.submit_answers.pop(0) if self.submit_answers else sample_receipt()
        if isinstance(answer, Exception):
            raise answer
        return answer
