"""Cloud calling at one hall (云叫号): tickets lent to other halls' windows, this hall's windows
calling tickets of other halls, and citizens referred to another hall.

Pure domain logic over the engine's state, like ``hall/engine.py``: no I/O, every operation
gets ``now``, marks what changed as dirty and returns the events it caused. The lease protocol
itself is ``hall/lease.py`` (home side :class:`HomeLeases`, remote side :class:`RemoteLease`);
this module connects it to the hall's tickets and windows. Every message is relayed by the
sync agent and central, which may lose, repeat or reorder them (see ``docs/cloud.md``).
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from hall.errors import ErrorCode, QueueError, not_found, window_busy
from hall.events import Event, EventKind
from hall.lease import (
    CALL_OVER,
    HomeLease,
    HomeLeases,
    HomeState,
    RemoteCallState,
    RemoteLease,
    RemoteState,
)
from hall.protocol.messages import ANSWERS, HALL_ID, RELEASE, REQUESTS, TICKET_MAX, Message
from hall.state import Referral, RemoteCall, Ticket, TicketStatus, line_place

if TYPE_CHECKING:
    from hall.engine import Engine

#: Seconds between two requests to central for a ticket to call, and before giving up.
CHOOSE_RETRY_S = 5.0
CHOOSE_GIVE_UP_S = 60.0
#: Seconds between two sendings of the same lease message (the protocol's retry).
LEASE_RETRY_S = 3.0
#: Seconds a referral waits for the other hall's answer. Then this hall gives the citizen up
#: (the kiosk, which gives up after 20 s itself, offers a number here) and withdraws the
#: referral through central, which cancels a ticket the other hall issued late.
REFERRAL_ANSWER_S = 18.0
#: Why a referral given up is refused, as the kiosk shows it.
REFERRAL_TIMEOUT = {"code": ErrorCode.REFERRAL_TIMEOUT,
                    "message_zh": "目标大厅未及时答复，请在本大厅取号",
                    "message_en": "The other hall did not answer in time; take a number here"}
#: Remote-call states after which the window is free again.
OVER_STATES = CALL_OVER
_LIVE_HOME = (HomeState.GRANTED, HomeState.SERVING)
_LEASE_INIT = [f.name for f in fields(RemoteLease) if f.init]


def lease_to_dict(lease: RemoteLease) -> dict[str, Any]:
    """A remote lease as stored (every field, the retry timers included)."""
    return asdict(lease)


def lease_from_dict(data: dict[str, Any]) -> RemoteLease:
    """The remote lease stored by :func:`lease_to_dict`."""
    lease = RemoteLease(**{k: data[k] for k in _LEASE_INIT if k in data})
    lease.state = RemoteState(data.get("state", lease.state))
    lease.asked_at = float(data.get("asked_at", lease.asked_at))
    lease.next_send = float(data.get("next_send", lease.next_send))
    return lease


def _ts(now: datetime) -> float:
    return now.timestamp()


def _str_or(value: Any, default: str = "") -> str:
    return value if isinstance(value, str) else default


class Leasing:
    """Remote calling over one engine: :meth:`handle` answers the protocol's messages, the
    ``remote_*`` operations drive this hall's windows calling elsewhere, ``refer`` and
    ``referral_result`` keep the kiosk's referrals."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.config = engine.config
        self.state = engine.state
        self.hall_id = engine.config.hall_id
        self.home = HomeLeases(self, self.hall_id, ttl_s=engine.config.rules.lease_ttl_s)
        self.home.leases = self.state.home_leases
        self.home.active = {lease.ticket: lease.id for lease in self.state.home_leases.values()
                            if lease.state in _LIVE_HOME}
        self._events: list[Event] = []
        self._now = datetime.now(UTC)
        self._booth = ""
        self._reason = ""
        self._active_before: dict[str, str] = {}
        self._request = Message("", "", "", "")

    # ------------------------------------------------------------------ home side
    def handle(self, messages: list[Message], now: datetime) -> tuple[list[Message], list[Event]]:
        """Answer the requests addressed to this hall and take note of the answers to its
        windows; messages for other halls are ignored."""
        answers: list[Message] = []
        events: list[Event] = []
        for msg in messages:
            if msg.kind in REQUESTS and msg.home == self.hall_id:
                self._reason = "released" if msg.kind == RELEASE else "expired"
                self._request = msg
                answer, caused = self._home_call(lambda m=msg: self.home.handle(m, _ts(now)), now)
                lease = self.home.leases.get(msg.lease)
                if lease is not None and not lease.booth and self._booth:
                    lease.booth = self._booth
                self.state.dirty_leases.add(msg.lease)
                answers.append(answer)
                events.extend(caused)
            elif msg.kind in ANSWERS and msg.remote.partition("/")[0] == self.hall_id:
                events.extend(self._on_answer(msg, now))
        return answers, events

    def expire(self, now: datetime) -> list[Event]:
        """Give back the tickets of granted leases whose citizen did not reach the booth."""
        due = self.home.next_expiry()
        if due is None or due > _ts(now):
            return []
        self._reason = "expired"
        _, events = self._home_call(lambda: self.home.expire(_ts(now)), now)
        return events

    def needs_tick(self) -> bool:
        """Whether a timer runs: a granted lease may expire or a window waits for central."""
        return self.home.next_expiry() is not None or any(
            call.state == RemoteCallState.CHOOSING for call in self.state.remote_calls.values())

    def tick(self, now: datetime) -> list[Event]:
        """The timers (the node runs this every second while :meth:`needs_tick`): expired
        leases give their tickets back; a window central never answered stops waiting."""
        events = self.expire(now)
        for call in self.state.remote_calls.values():
            if call.state == RemoteCallState.CHOOSING and _ts(now) - call.since >= CHOOSE_GIVE_UP_S:
                events.extend(self._set_call(call, RemoteCallState.NONE, now))
        return events

    def _home_call(self, call: Any, now: datetime) -> tuple[Any, list[Event]]:
        self._events, self._now, self._booth = [], now, ""
        self._active_before = dict(self.home.active)
        result = call()
        self.state.dirty_leases.update(self._active_before.values())
        return result, self._events

    def _lease_of(self, ticket_id: str) -> HomeLease:
        return self.home.leases[self._active_before.get(ticket_id)
                                or self.home.active[ticket_id]]

    def _event(self, kind: EventKind, **data: object) -> None:
        self._events.append(Event(kind=kind, ts=self._now.timestamp(), data=dict(data),
                                  hall_id=self.hall_id))

    def _touch(self, ticket: Ticket) -> None:
        self.state.reindex(ticket)
        self.state.dirty_tickets.add(ticket.id)

    def free_booths(self) -> list[str]:
        """Video booths no granted or served lease is using."""
        used = {lease.booth for lease in self.home.leases.values() if lease.state in _LIVE_HOME}
        return [booth.id for booth in self.config.booths if booth.id not in used]

    # HomePort: what HomeLeases needs of the hall (called inside handle / expire)
    def take(self, ticket_id: str, now: float) -> bool:
        """Lend a waiting, remotely servable ticket to a lease, sending it to a free booth."""
        ticket = self.state.tickets.get(ticket_id)
        item = self.config.items.get(ticket.item or "") if ticket else None
        booths = self.free_booths()
        if (ticket is None or ticket.status is not TicketStatus.WAITING or ticket.to_window
                or item is None or not item.remote or not booths):
            return False
        booth = next(b for b in self.config.booths if b.id == booths[0])
        ticket.status = TicketStatus.LEASED
        ticket.called_at = now
        self._touch(ticket)
        self._booth = booth.id
        msg_lease = self._request     # HomeLeases records the lease after taking the ticket
        self._event(EventKind.TICKET_LEASED, ticket=ticket.id, number=ticket.number,
                    theme=ticket.theme,
                    item=ticket.item, elderly=ticket.elderly, sort_key=ticket.sort_key,
                    lease=msg_lease.lease, remote=msg_lease.remote, booth=booth.id,
                    booth_name_zh=booth.name_zh, booth_name_en=booth.name_en,
                    expires_at=now + self.home.ttl_s, waited_s=round(now - ticket.issued_at, 1))
        return True

    def give_back(self, ticket_id: str, now: float) -> None:
        """Put a leased ticket back at its old place in its line."""
        ticket = self.state.tickets.get(ticket_id)
        if ticket is None:      # lent yesterday: the day's tickets are gone
            return
        lease = self._lease_of(ticket_id)
        ticket.status = TicketStatus.WAITING
        ticket.called_at = ticket.serving_at = None
        ticket.window = None
        self._touch(ticket)
        self._event(EventKind.TICKET_LEASE_RETURNED, ticket=ticket.id, number=ticket.number,
                    theme=ticket.theme, item=ticket.item, lease=lease.id, reason=self._reason,
                    **line_place(ticket))

    def start(self, ticket_id: str, now: float) -> None:
        """The remote window serves the leased ticket."""
        ticket = self.state.tickets.get(ticket_id)
        if ticket is None:
            return
        lease = self._lease_of(ticket_id)
        ticket.status = TicketStatus.SERVING
        ticket.window = f"remote:{lease.remote}"
        ticket.serving_at = now
        self._touch(ticket)
        self._event(EventKind.TICKET_REMOTE_SERVING, ticket=ticket.id, number=ticket.number,
                    theme=ticket.theme, lease=lease.id, remote=lease.remote, booth=lease.booth)

    def finish(self, ticket_id: str, now: float) -> None:
        """The remote window finished the ticket (not learned as this hall's service time)."""
        ticket = self.state.tickets.get(ticket_id)
        if ticket is None:
            return
        lease = self._lease_of(ticket_id)
        ticket.status = TicketStatus.FINISHED
        ticket.finished_at = now
        self._touch(ticket)
        started = ticket.serving_at or now
        self._event(EventKind.TICKET_REMOTE_FINISHED, ticket=ticket.id, number=ticket.number,
                    theme=ticket.theme, item=ticket.item, lease=lease.id, remote=lease.remote,
                    service_s=round(now - started, 1))

    # ------------------------------------------------------------------ remote side
    def remote_call(self, window_number: str, now: datetime) -> tuple[RemoteCall, list[Event]]:
        """A window with nobody waiting asks central for a ticket of another hall."""
        window, state = self.engine.window(window_number)
        if not window.video_booth:
            raise QueueError(ErrorCode.NO_VIDEO, "本窗口没有视频设备，不能远程叫号",
                             "This window has no video equipment for remote calling", 403)
        self.engine.require_open(state)
        if state.current is not None:
            raise window_busy()
        self.check_window_free(window.number)
        ts = _ts(now)
        request = f"{self.hall_id}/{window.number}/{int(ts * 1000)}"
        call = RemoteCall(window=window.number, request=request, state=RemoteCallState.CHOOSING,
                          since=ts)
        self.state.remote_calls[window.number] = call
        return call, [self._window_event(EventKind.WINDOW_REMOTE_BUSY, call, now)]

    def check_window_free(self, window_number: str) -> None:
        """Refuse (409) while the window is calling or serving a ticket of another hall."""
        call = self.state.remote_calls.get(window_number)
        if call is not None and call.state not in OVER_STATES:
            raise QueueError(ErrorCode.REMOTE_BUSY, "本窗口正在远程叫号，请先完成或取消",
                             "This window is on a remote call; finish or cancel it first", 409)

    def outbox(self, now: datetime) -> tuple[dict[str, list], list[Event]]:
        """What the sync agent must send now: requests to central to choose a ticket, lease
        messages (first sendings and retries) and pending referrals."""
        ts = _ts(now)
        choose, messages, events = [], [], []
        for call in self.state.remote_calls.values():
            if call.state == RemoteCallState.CHOOSING:
                if ts - call.since < CHOOSE_GIVE_UP_S and ts - call.asked_at >= CHOOSE_RETRY_S:
                    call.asked_at = ts
                    choose.append({"request": call.request, "window": call.window,
                                   "skills": list(self.config.windows[call.window].skills)})
            elif call.lease is not None and call.state not in OVER_STATES:
                lease = lease_from_dict(call.lease)
                msg = lease.outgoing(ts)
                call.lease = lease_to_dict(lease)
                events.extend(self._follow(call, lease, now))
                if msg is not None:
                    messages.append(asdict(msg))
        referrals, withdrawals = [], []
        for r in self.state.referrals.values():
            if r.state == "pending" and ts - r.created_at >= REFERRAL_ANSWER_S:
                events += self._give_up(r, now)
            if r.state == "pending":
                referrals.append({"id": r.id, "item": r.item, "hall": r.hall,
                                  "from_hall": self.hall_id,
                                  **({"person": r.person} if r.person else {})})
            elif r.state == "withdrawing":
                withdrawals.append({"id": r.id, "hall": r.hall})
        return {"choose": choose, "messages": messages, "referrals": referrals,
                "withdrawals": withdrawals}, events

    def remote_choice(self, window_number: str, request: str, choice: dict | None,
                      now: datetime) -> tuple[RemoteCall, list[Event]]:
        """Central's answer to a window's request: a ticket to ask a lease for, or none."""
        call = self.state.remote_calls.get(window_number)
        if call is None or call.request != request or call.state != RemoteCallState.CHOOSING:
            if call is None:
                raise not_found(ErrorCode.UNKNOWN_REQUEST, "远程叫号请求", "Remote-call request")
            return call, []     # a late or repeated answer
        if choice is None:
            return call, self._set_call(call, RemoteCallState.NONE, now)
        home, ticket = choice.get("hall"), choice.get("ticket")
        if not (isinstance(home, str) and HALL_ID.fullmatch(home) and isinstance(ticket, str)
                and 0 < len(ticket) <= TICKET_MAX):
            # the API validates the choice (hall.protocol.RemoteChoice); never half-taken
            raise QueueError(ErrorCode.BAD_REQUEST, "中心平台的选择有误：须含大厅编号和票号",
                             "Central's choice needs a hall id and a ticket id", 422)
        lease = RemoteLease(id=request, home=home, remote=f"{self.hall_id}/{window_number}",
                            ticket=ticket, now=_ts(now), retry_s=LEASE_RETRY_S,
                            give_up_s=self.config.rules.lease_ttl_s + 60.0)
        call.home, call.ticket = lease.home, lease.ticket
        call.number = _str_or(choice.get("number"))
        call.theme = _str_or(choice.get("theme"))
        item = choice.get("item")
        call.item = item if isinstance(item, str) else None
        call.home_name_zh = _str_or(choice.get("name_zh"))
        call.home_name_en = _str_or(choice.get("name_en"))
        call.lease = lease_to_dict(lease)
        return call, self._set_call(call, lease.state.value, now)

    def _on_answer(self, msg: Message, now: datetime) -> list[Event]:
        window = msg.remote.partition("/")[2]
        call = self.state.remote_calls.get(window)
        if call is None or call.lease is None or call.lease.get("id") != msg.lease:
            return []
        lease = lease_from_dict(call.lease)
        lease.on_answer(msg, _ts(now))
        call.lease = lease_to_dict(lease)
        self.state.dirty_remote_calls.add(window)
        return self._follow(call, lease, now)

    def remote_step(self, window_number: str, step: str, now: datetime
                    ) -> tuple[RemoteCall, list[Event]]:
        """The console's part: ``at_booth`` (video connected), ``served`` or ``give_up``."""
        _, state = self.engine.window(window_number)
        call = self.state.remote_calls.get(state.number)
        if call is None or call.lease is None or call.state in OVER_STATES:
            if step == "give_up" and call is not None and call.state == RemoteCallState.CHOOSING:
                return call, self._set_call(call, RemoteCallState.ENDED, now)
            raise QueueError(ErrorCode.BAD_STATE, "本窗口没有进行中的远程叫号",
                             "This window has no remote call in progress", 409)
        lease = lease_from_dict(call.lease)
        expected = {"at_booth": RemoteState.CALLING, "served": RemoteState.SERVING}.get(step)
        if expected is not None and lease.state is not expected:
            raise QueueError(ErrorCode.BAD_STATE, _STEP_REFUSED_ZH[step], _STEP_REFUSED_EN[step],
                             409)
        getattr(lease, step)(_ts(now))
        call.lease = lease_to_dict(lease)
        return call, self._follow(call, lease, now)

    def _follow(self, call: RemoteCall, lease: RemoteLease, now: datetime) -> list[Event]:
        if lease.state.value == call.state:
            return []
        return self._set_call(call, lease.state.value, now)

    def _set_call(self, call: RemoteCall, state: str, now: datetime) -> list[Event]:
        call.state = state
        call.since = _ts(now)
        self.state.dirty_remote_calls.add(call.window)
        kind = EventKind.WINDOW_REMOTE_FREE if state in OVER_STATES else EventKind.WINDOW_REMOTE
        return [self._window_event(kind, call, now)]

    def _window_event(self, kind: EventKind, call: RemoteCall, now: datetime) -> Event:
        self.state.dirty_remote_calls.add(call.window)
        return Event(kind=kind, ts=_ts(now), hall_id=self.hall_id, data={
            "window": call.window, "lease": (call.lease or {}).get("id", ""), "home": call.home,
            "ticket": call.ticket, "number": call.number, "theme": call.theme,
            "state": call.state})

    def remote_view(self, window_number: str) -> dict:
        """The window's remote call as the console shows it (``idle`` when none)."""
        _, state = self.engine.window(window_number)
        call = self.state.remote_calls.get(state.number)
        if call is None:
            return {"window": state.number, "state": RemoteCallState.IDLE, "lease": "", "home": "",
                    "home_name_zh": "", "home_name_en": "", "ticket": "", "number": "",
                    "theme": "", "item": None, "since": None}
        view = call.public()
        view.pop("request", None)
        view.pop("asked_at", None)
        return view

    # ------------------------------------------------------------------ referrals
    def refer(self, item_code: str, hall: str, now: datetime, id_number: str | None = None
              ) -> tuple[Referral, list[Event]]:
        """A citizen at this hall's kiosk chose another hall for a 通办 item. With the ID
        number the card gave, the other hall issues a real-name ticket: the citizen keeps the
        elderly's priority there and counts against its per-ID daily limit (the number
        itself never leaves this hall, see :class:`~hall.state.Person`)."""
        item = self.config.items.get(item_code)
        if item is None:
            raise QueueError(ErrorCode.UNKNOWN_SERVICE, "没有该业务",
                             f"No such service: {item_code}",
                             status=404)
        if not item.anywhere:
            raise QueueError(ErrorCode.NOT_ANYWHERE, "该事项只能在本大厅办理",
                             "This item can only be handled at this hall", 409)
        if hall == self.hall_id or not hall:
            raise QueueError(ErrorCode.BAD_REQUEST, "请选择其他大厅", "Choose another hall", 422)
        person = self.engine.person(id_number, now.astimezone(self.config.timezone).date()) \
            if id_number else None
        day = self.state.day.replace("-", "")
        referral = Referral(id=f"{self.hall_id}-{day}-R{len(self.state.referrals) + 1:04d}",
                            item=item.code, hall=hall, created_at=_ts(now),
                            person=asdict(person) if person else None)
        while referral.id in self.state.referrals:     # loaded from an earlier start today
            referral.id += "x"
        self.state.referrals[referral.id] = referral
        self.state.dirty_referrals.add(referral.id)
        return referral, [Event(kind=EventKind.REFERRAL_REQUESTED, ts=_ts(now),
                                hall_id=self.hall_id,
                                data={"referral": referral.id, "item": item.code,
                                      "theme": item.theme, "hall": hall})]

    def referral(self, referral_id: str) -> Referral:
        """A referral of today, or a 404."""
        referral = self.state.referrals.get(referral_id)
        if referral is None:
            raise not_found(ErrorCode.UNKNOWN_REFERRAL, "转介记录", "Referral")
        return referral

    def referral_result(self, referral_id: str, ticket: dict | None, error: dict | None,
                        now: datetime) -> tuple[Referral, list[Event]]:
        """The chosen hall issued the ticket (or refused); a repeated result changes nothing.
        One later than :data:`REFERRAL_ANSWER_S` finds the citizen given up: the referral is
        withdrawn (a ticket issued there is cancelled through central)."""
        referral = self.referral(referral_id)
        if referral.state != "pending":
            return referral, []
        if (ticket is None) == (error is None):
            raise QueueError(ErrorCode.BAD_REQUEST, "结果须为票号或错误之一",
                             "Give exactly one of ticket and error", 422)
        if _ts(now) - referral.created_at >= REFERRAL_ANSWER_S:
            return referral, self._give_up(referral, now)
        referral.state = "issued" if ticket is not None else "refused"
        referral.ticket, referral.error = ticket, error
        self.state.dirty_referrals.add(referral.id)
        data: dict[str, Any] = {"referral": referral.id, "item": referral.item,
                                "hall": referral.hall}
        if ticket is not None:
            data["number"] = ticket.get("number")
        else:
            data["code"] = (error or {}).get("code")
        return referral, [Event(kind=EventKind(f"referral.{referral.state}"), ts=_ts(now),
                                hall_id=self.hall_id, data=data)]

    def _give_up(self, referral: Referral, now: datetime) -> list[Event]:
        """No answer in time: the kiosk sends the citizen to this hall's line; withdraw."""
        referral.state = "withdrawing"
        referral.error = dict(REFERRAL_TIMEOUT)
        self.state.dirty_referrals.add(referral.id)
        return [Event(kind=EventKind.REFERRAL_WITHDRAWING, ts=_ts(now), hall_id=self.hall_id,
                      data={"referral": referral.id, "item": referral.item,
                            "hall": referral.hall})]

    def referral_withdrawn(self, referral_id: str, now: datetime
                           ) -> tuple[Referral, list[Event]]:
        """Central has the withdrawal: nothing waits for the citizen at the other hall (or
        will be cancelled there). Repeating it changes nothing."""
        referral = self.referral(referral_id)
        if referral.state != "withdrawing":
            return referral, []
        referral.state = "withdrawn"
        self.state.dirty_referrals.add(referral.id)
        return referral, [Event(kind=EventKind.REFERRAL_WITHDRAWN, ts=_ts(now),
                                hall_id=self.hall_id,
                                data={"referral": referral.id, "item": referral.item,
                                      "hall": referral.hall})]

    def cancel_referred(self, ticket_id: str | None, now: datetime, referral: str = ""
                        ) -> tuple[Ticket | None, list[Event]]:
        """The ticket issued here for a citizen another hall (or the city's phone channel)
        referred and then gave up: cancelled if it still waits (one already called or served
        is left as it is). Without ``ticket_id`` (its answer never reached central), the
        ticket issued for ``referral``, if any (None when none was). A ticket issued for
        another referral than ``referral`` (when given) is refused (409)."""
        if ticket_id is None:
            found = self.state.by_referral.get(referral)
            if found is None:
                return None, []
            ticket_id = found.id
        ticket = self._referred(ticket_id, referral)
        if ticket.status is not TicketStatus.WAITING:
            return ticket, []
        return self.engine.cancel(ticket_id, now)

    def rate_referred(self, ticket_id: str, level: int, now: datetime, referral: str = ""
                      ) -> tuple[Ticket, list[Event]]:
        """The rating a citizen gave on the phone to the service of a ticket issued here for
        them (好差评): recorded as if given at the window; the same level again changes
        nothing (the agent may deliver it twice). A ticket issued for another referral than
        ``referral`` (when given) is refused (409)."""
        ticket = self._referred(ticket_id, referral)
        if ticket.rating == level:
            return ticket, []
        return self.engine.rate(ticket_id, level, now)

    def _referred(self, ticket_id: str, referral: str = "") -> Ticket:
        """A ticket issued here for central's referral (another hall's kiosk or the phone
        channel) — for ``referral`` when given; 409 for any other."""
        ticket = self.engine.ticket(ticket_id)
        if ticket.channel not in ("referral", "phone"):
            raise QueueError(ErrorCode.NOT_REFERRED, "该号码不是转介取号", "Not a referred ticket",
                             409)
        if referral and ticket.referral_id != referral:
            raise QueueError(ErrorCode.WRONG_REFERRAL, "该号码不是为此转介签发的",
                             "This ticket was not issued for this referral", 409)
        return ticket

    # ------------------------------------------------------------------ a new day
    def roll_day(self) -> None:
        """Yesterday's lent tickets expired with the day; its referrals are done with."""
        for lease in self.home.leases.values():
            if lease.state in _LIVE_HOME:
                lease.state = HomeState.RETURNED
                self.state.dirty_leases.add(lease.id)
        self.home.active.clear()
        self.state.referrals.clear()


_STEP_REFUSED_ZH = {"at_booth": "该市民尚未被叫到视频服务区", "served": "尚未开始办理"}
_STEP_REFUSED_EN = {"at_booth": "The citizen has not been called to the video booth yet",
                    "served": "The service has not started"}
