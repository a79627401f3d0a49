"""The queue engine: every rule of the hall, as operations on :class:`~hall.state.HallState`.

Pure domain logic — no Qt, no HTTP, no SQL. Each operation first checks everything that could
refuse it (raising :class:`~hall.errors.QueueError` with nothing changed), then changes the
state, marks what changed as dirty and returns the events it caused. The caller (the hall
node's writer) persists the dirty state and the events in one transaction.
"""

from __future__ import annotations

from datetime import date, datetime

from hall import day_plan, idnumber, links, policy
from hall.cloud import Leasing
from hall.config import HallConfig, Theme, Window, window_order
from hall.errors import (
    ErrorCode,
    QueueError,
    bad_credentials,
    not_found,
    unknown_service,
    window_busy,
)
from hall.estimate import (
    DEFAULT_CV2,
    ArrivalRates,
    ThemeWait,
    WindowCounts,
    called_first,
    services_left_s,
    theme_wait,
    updated_mean,
    updated_spread,
)
from hall.events import Event, EventKind
from hall.issuing_rules import check_appointment, check_open, check_quota
from hall.lease import CALL_OVER
from hall.lines import WaitingLines
from hall.no_show import check_no_show, recheckin_sort_key, undoable
from hall.ratings import LABELS
from hall.state import (
    AT_WINDOW_STATUSES,
    Appointment,
    HallState,
    Issued,
    Person,
    Ticket,
    TicketStatus,
    WindowState,
    WindowStatus,
    line_place,
    slot_data,
)
from hall.window_states import PauseReason

CHANNELS = ("kiosk", "appointment", "phone", "staff", "referral")


#: No window on a video call (the estimate's usual case, without building a set per ticket).
_NONE: frozenset[str] = frozenset()


class Engine:
    """The rules of one hall over its live state.

    ``id_key`` is the secret used to hash ID numbers; ``link_key`` the one of the tickets'
    phone links (:mod:`hall.links`; derived from ``id_key`` when not given); ``now`` arguments
    are aware datetimes.
    """

    def __init__(self, config: HallConfig, state: HallState, id_key: bytes,
                 link_key: bytes | None = None) -> None:
        self.config = config
        self.state = state
        self.id_key = id_key
        self.link_key = link_key or links.derived_key(id_key)
        for number in config.windows:
            state.windows.setdefault(number, WindowState(number=number))
        #: The waiting lines in calling order, kept by the state as tickets change.
        self.lines = WaitingLines({n: w.skills for n, w in config.windows.items()},
                                  self._early_s)
        state.lines = self.lines
        state.rebuild_indexes()
        #: Cloud calling: tickets lent to other halls, windows calling elsewhere, referrals.
        self.leasing = Leasing(self)
        #: Each theme's windows as the estimate counts them (:mod:`hall.estimate`).
        self.window_counts = WindowCounts(config.windows.values())
        #: The windows that serve each theme, in numeric order (each ticket says them).
        self.serving = {theme: sorted((number for number, _ in found), key=window_order)
                        for theme, found in self.window_counts.lines.items()}
        #: Tickets issued today per theme, with a priority or not: the estimator's arrivals.
        self.arrivals = ArrivalRates()
        for ticket in state.tickets.values():
            self.arrivals.seen(ticket.theme, ticket.issued_at, called_first(ticket))

    # ------------------------------------------------------------------ helpers
    def _local(self, now: datetime) -> datetime:
        return now.astimezone(self.config.timezone)

    def _event(self, kind: EventKind, now: datetime, **data: object) -> Event:
        return Event(kind=kind, ts=now.timestamp(), data=dict(data), hall_id=self.config.hall_id)

    @property
    def _early_s(self) -> float:
        return self.config.rules.appointment_early_min * 60.0

    def window(self, number: str) -> tuple[Window, WindowState]:
        """A window's catalog entry and state; 404 ``unknown_window`` when there is none."""
        window = self.config.windows.get(str(number))
        if window is None:
            raise not_found(ErrorCode.UNKNOWN_WINDOW, "窗口", "Window")
        return window, self.state.windows[window.number]

    def ticket(self, ticket_id: str) -> Ticket:
        """A ticket of today, or a 404 error."""
        ticket = self.state.tickets.get(ticket_id)
        if ticket is None:
            raise not_found(ErrorCode.UNKNOWN_TICKET, "票号", "Ticket")
        return ticket

    def _touch(self, *tickets: Ticket, windows: tuple[WindowState, ...] = ()) -> None:
        for ticket in tickets:
            self.state.reindex(ticket)
        self.state.dirty_tickets.update(t.id for t in tickets)
        self.state.dirty_windows.update(w.number for w in windows)
        if windows:
            self.window_counts.changed()

    def roll_day(self, now: datetime) -> list[Event]:
        """Start a new service day when the date changed: yesterday's open tickets expire.

        The hall node runs this before every operation, as an operation of its own.
        """
        today = self._local(now).date().isoformat()
        if today == self.state.day:
            return []
        events = []
        for ticket in list(self.state.tickets.values()):
            if ticket.status in (TicketStatus.WAITING, TicketStatus.LEASED, *AT_WINDOW_STATUSES):
                ticket.status = TicketStatus.CANCELLED
                self._touch(ticket)
                events.append(self._event(EventKind.TICKET_EXPIRED, now, ticket=ticket.id,
                                          number=ticket.number, theme=ticket.theme))
        for window in self.state.windows.values():
            if window.current is not None or window.served_today:
                window.current = None
                window.served_today = 0
                window.service_s_today = 0.0
                self._touch(windows=(window,))
        self.leasing.roll_day()
        self.state.day = today
        # yesterday's changes are still to be written; its counters are done with
        self.state.retired.update((i, self.state.tickets[i]) for i in self.state.dirty_tickets
                                  if i in self.state.tickets)
        self.state.dirty_counters.clear()
        self.state.tickets = {}
        self.state.counters = {}
        self.state.day_plan = day_plan.DayPlan()      # tomorrow is the TOML again
        self.arrivals.clear()
        self.state.rebuild_indexes()
        return events

    # ------------------------------------------------------------------ queries
    def line(self, theme: str, now: datetime) -> list[Ticket]:
        """The waiting line of a theme, first to be called first."""
        self.lines.at(now.timestamp())
        return self.lines.line(theme)

    def position(self, ticket: Ticket, now: datetime) -> int:
        """People ahead of a waiting ticket (0 = next); -1 when it does not wait."""
        if ticket.status is not TicketStatus.WAITING:
            return -1
        self.lines.at(now.timestamp())
        return self.lines.ahead(ticket)

    def positions(self, now: datetime) -> dict[str, int]:
        """People ahead of every waiting ticket, by ticket id (one pass over the lines)."""
        self.lines.at(now.timestamp())
        return self.lines.positions()

    def window_queue(self, number: str, now: datetime, limit: int) -> list[Ticket]:
        """The first ``limit`` tickets a window would call, in that order."""
        self.lines.at(now.timestamp())
        return self.lines.window_queue(number, limit)

    def mean_service_s(self, theme: str, item: str | None = None) -> float:
        """The learned mean service time of an item, else its theme, else the configured one."""
        means = self.state.service_means
        if item and item in means:
            return means[item]
        if theme in means:
            return means[theme]
        if item and item in self.config.items:
            return self.config.items[item].mean_service_s
        return self.config.themes[theme].mean_service_s

    def _learned_or_configured(self, key: str) -> float:
        if key in self.state.service_means:
            return self.state.service_means[key]
        if key in self.config.themes:
            return self.config.themes[key].mean_service_s
        return self.config.items[key].mean_service_s

    def theme_wait(self, theme: str, now: datetime) -> ThemeWait:
        """The estimate of ``theme``'s waits at ``now`` (:mod:`hall.estimate`)."""
        calls = self.state.remote_calls
        groups = self.window_counts.groups(theme, self.state.windows, frozenset(
            n for n, call in calls.items() if call.state not in CALL_OVER) if calls else _NONE)
        skills = {t for group in groups for t in group.preferred} | {theme}
        waiting = {t: self.lines.waiting(t) for t in skills}
        at = now.timestamp()
        spreads = self.state.service_spreads
        left = services_left_s(self.window_counts.lines.get(theme, ()), self.state.windows,
                               self.state.tickets, self.mean_service_s, spreads, at
                               ) if any(g.busy for g in groups) else ()
        return theme_wait(theme, self.window_counts.lines, {}, (), waiting,
                          {t: self.mean_service_s(t) for t in skills},
                          self.arrivals.priority_rate(theme, at), groups,
                          self.arrivals.rates(at), spreads.get(theme, DEFAULT_CV2), left)

    def expected_wait(self, theme: str, ahead: int, now: datetime, priority: bool = False
                      ) -> int:
        """Expected wait in seconds for a ticket of ``theme`` with ``ahead`` before it, as the
        records keep it (:meth:`hall.estimate.ThemeWait.record_s`)."""
        return self.theme_wait(theme, now).record_s(ahead, priority)

    def waiting_counts(self, now: datetime) -> dict[str, int]:
        """People waiting per theme."""
        counts = dict.fromkeys(self.config.themes, 0)
        counts.update((theme, len(line)) for theme, line in self.state.waiting_index.items())
        return counts

    # ------------------------------------------------------------------ issuing
    def person(self, id_number: str, today: date) -> Person:
        """Who an ID number names, as another hall may be told (hash, masked, age)."""
        try:
            id_hash, id_masked, age = idnumber.identify(id_number, self.id_key, today)
        except idnumber.InvalidIdNumber as err:
            raise QueueError(ErrorCode.INVALID_ID_NUMBER,
                             f"身份证号码无效：{err.message_zh}，请核对",
                             f"Invalid ID number: {err}", status=422) from None
        return Person(id_hash=id_hash, id_masked=id_masked, age=age)

    def _id_hash(self, id_number: str | None, theme: Theme, today: date,
                 person: Person | None = None) -> tuple[str | None, str | None, bool]:
        """(hash, masked, elderly) of an ID number (or of a ``person`` referred by another
        hall), after the per-ID daily limit check."""
        if id_number:
            person = self.person(id_number, today)
        if person is None:
            return None, None, False
        id_hash = person.id_hash
        limit = theme.per_id_daily_limit
        taken = sum(1 for t in self.state.by_id_hash.get(id_hash, ())
                    if t.theme == theme.prefix and t.status is not TicketStatus.CANCELLED)
        if limit and taken >= limit:
            raise QueueError(ErrorCode.ID_LIMIT_REACHED,
                             f"同一证件今日在{theme.name_zh}最多取号{limit}次",
                             f"One ID may take at most {limit} tickets a day for {theme.name_en}")
        return id_hash, person.id_masked, person.age >= self.config.rules.elderly_age

    def issue(self, service: str, now: datetime, *, id_number: str | None = None,
              channel: str = "kiosk", appointment_id: str | None = None,
              person: Person | None = None, referral: str | None = None
              ) -> tuple[Issued, list[Event]]:
        """Issue a ticket for a theme prefix or item code (取号). ``person``: the citizen as
        another hall identified them (a referral), instead of an ``id_number``; ``referral``:
        central's referral it is issued for — issued once: asked again, the same ticket."""
        if referral is not None and referral in self.state.by_referral:
            ticket = self.state.by_referral[referral]
            waiting = ticket.status is TicketStatus.WAITING
            return Issued(ticket, self.position(ticket, now) if waiting else 0,
                          ticket.expected_wait_s), []
        found = self.config.resolve_service(service)
        if found is None:
            raise unknown_service(service)
        theme, item = found
        if channel not in CHANNELS:
            raise QueueError(ErrorCode.BAD_CHANNEL, "取号渠道无效", f"Unknown channel {channel!r}",
                             422)
        theme = day_plan.effective_theme(theme, self.state.day_plan)     # today's changes
        check_open(day_plan.effective_rules(self.config.rules, theme.prefix, self.state.day_plan),
                   theme, self._local(now))
        check_quota(theme, self.state.counters.get(theme.prefix, 0))
        local_day = self._local(now).date()
        id_hash, masked, elderly = self._id_hash(id_number, theme, local_day, person)
        appointment = check_appointment(self.state.appointments, appointment_id, theme, id_hash)

        seq = self.state.counters.get(theme.prefix, 0) + 1
        number = f"{theme.prefix}{seq:03d}"
        ticket = Ticket(
            id=f"{local_day:%Y%m%d}-{number}", day=self.state.day, number=number,
            theme=theme.prefix, item=item.code if item else None,
            channel=channel, issued_at=now.timestamp(), sort_key=now.timestamp(),
            elderly=elderly, id_hash=id_hash, id_masked=masked, referral_id=referral,
        )
        if appointment is not None:
            ticket.item = ticket.item or appointment.item
            ticket.appointment_id = appointment.id
            ticket.slot_start, ticket.slot_end = appointment.slot_start, appointment.slot_end
            appointment.ticket_id = ticket.id
            self.state.dirty_appointments.add(appointment.id)
        self.state.counters[theme.prefix] = seq
        self.state.dirty_counters.add(theme.prefix)
        self.state.add(ticket)
        self.arrivals.seen(theme.prefix, ticket.issued_at, called_first(ticket))
        ahead = self.position(ticket, now)
        ticket.expected_wait_s = self.expected_wait(theme.prefix, ahead, now,
                                                    called_first(ticket))
        self._touch(ticket)
        events = [self._event(EventKind.TICKET_ISSUED, now, ticket=ticket.id, number=number,
                                  theme=theme.prefix, item=ticket.item, channel=channel,
                                  elderly=elderly, appointment=ticket.appointment_id,
                                  ahead=ahead, expected_wait_s=ticket.expected_wait_s,
                                  **slot_data(ticket))]
        return Issued(ticket, ahead, ticket.expected_wait_s), events

    # ------------------------------------------------------------------ windows
    def require_open(self, state: WindowState) -> None:
        """Refuse (409 ``window_closed``, ``window_paused``) a window that is not open."""
        if state.status is WindowStatus.CLOSED:
            raise QueueError(ErrorCode.WINDOW_CLOSED, "窗口未开启", "The window is closed")
        if state.status is WindowStatus.PAUSED:
            raise QueueError(ErrorCode.WINDOW_PAUSED, "窗口已暂停服务", "The window is paused")

    def _require_free(self, state: WindowState) -> None:
        """Refuse a window that is not open, has a current ticket or calls another hall."""
        self.require_open(state)
        if state.current is not None:
            raise window_busy()
        self.leasing.check_window_free(state.number)

    def _current(self, state: WindowState) -> Ticket:
        if state.current is None:
            raise QueueError(ErrorCode.WINDOW_IDLE, "窗口当前没有叫号",
                             "The window has no current ticket")
        return self.state.tickets[state.current]

    def call_next(self, window_number: str, now: datetime) -> tuple[Ticket | None, list[Event]]:
        """Call the next ticket for a window (叫号); None when nobody waits for its skills."""
        window, state = self.window(window_number)
        self._require_free(state)
        self.lines.at(now.timestamp())
        ticket = self.lines.next_for(window.number)
        if ticket is None:
            return None, []
        ticket.status = TicketStatus.CALLED
        ticket.window = window.number
        ticket.called_at = now.timestamp()
        ticket.recalls = 0
        ticket.to_window = None
        state.current = ticket.id
        self._touch(ticket, windows=(state,))
        waited = ticket.called_at - ticket.issued_at
        return ticket, [self._event(EventKind.TICKET_CALLED, now, ticket=ticket.id,
                                    number=ticket.number, theme=ticket.theme, window=window.number,
                                    waited_s=round(waited, 1),
                                    expected_wait_s=ticket.expected_wait_s)]

    def recall(self, window_number: str, now: datetime) -> tuple[Ticket, list[Event]]:
        """Call the current ticket again (重呼), up to the configured number of times."""
        _, state = self.window(window_number)
        ticket = self._current(state)
        if ticket.status is not TicketStatus.CALLED:
            raise QueueError(ErrorCode.BAD_STATE, "该号码已在办理中",
                             "The ticket is already being served")
        if ticket.recalls >= self.config.rules.max_recalls:
            raise QueueError(ErrorCode.RECALL_LIMIT, f"已重呼{ticket.recalls}次，请过号",
                             f"Recalled {ticket.recalls} times; mark it as no-show")
        ticket.recalls += 1
        self._touch(ticket)
        return ticket, [self._event(EventKind.TICKET_RECALLED, now, ticket=ticket.id,
                                    number=ticket.number, window=state.number,
                                    recalls=ticket.recalls)]

    def start_serving(self, window_number: str, now: datetime) -> tuple[Ticket, list[Event]]:
        """The called citizen arrived at the window (开始办理)."""
        _, state = self.window(window_number)
        ticket = self._current(state)
        if ticket.status is not TicketStatus.CALLED:
            raise QueueError(ErrorCode.BAD_STATE, "该号码已在办理中",
                             "The ticket is already being served")
        ticket.status = TicketStatus.SERVING
        ticket.serving_at = now.timestamp()
        self._touch(ticket)
        return ticket, [self._event(EventKind.TICKET_SERVING, now, ticket=ticket.id,
                                    number=ticket.number, window=state.number)]

    def no_show(self, window_number: str, now: datetime) -> tuple[Ticket, list[Event]]:
        """The called citizen did not come (过号): the ticket leaves the queue, once the hall's
        minimum of recalls or seconds since the call is reached (``hall.no_show``)."""
        _, state = self.window(window_number)
        ticket = self._current(state)
        if ticket.status is not TicketStatus.CALLED:
            raise QueueError(ErrorCode.BAD_STATE, "办理中的号码不能过号",
                             "A ticket being served cannot be a no-show")
        check_no_show(self.config.rules, ticket, now.timestamp())
        ticket.status = TicketStatus.NO_SHOW
        ticket.finished_at = now.timestamp()    # when it left the window: starts the undo
        state.current = None
        self._touch(ticket, windows=(state,))
        return ticket, [self._event(EventKind.TICKET_NO_SHOW, now, ticket=ticket.id,
                                    number=ticket.number, window=state.number)]

    def undo_no_show(self, window_number: str, now: datetime, ticket_id: str | None = None
                     ) -> tuple[Ticket, list[Event]]:
        """Take back this window's no-show in the grace period: called here again, as it was."""
        _, state = self.window(window_number)
        ticket = undoable(self.state, self.config.rules, state.number, now.timestamp(), ticket_id)
        self._require_free(state)
        ticket.status, ticket.finished_at = TicketStatus.CALLED, None
        state.current = ticket.id
        self._touch(ticket, windows=(state,))
        return ticket, [self._event(
            EventKind.TICKET_NO_SHOW_UNDONE, now, ticket=ticket.id, number=ticket.number,
            theme=ticket.theme, window=state.number, staff=state.staff_id,
            called_at=ticket.called_at, recalls=ticket.recalls)]

    def finish(self, window_number: str, now: datetime) -> tuple[Ticket, list[Event]]:
        """The service is done (办结); its duration teaches the wait estimator."""
        _, state = self.window(window_number)
        ticket = self._current(state)
        ticket.status = TicketStatus.FINISHED
        ticket.finished_at = now.timestamp()
        started = ticket.serving_at or ticket.called_at or ticket.finished_at
        service_s = max(0.0, ticket.finished_at - started)
        for key in filter(None, (ticket.theme, ticket.item)):
            count = self.state.service_counts.get(key, 0)
            mean = self._learned_or_configured(key)
            self.state.service_spreads[key] = updated_spread(
                mean, self.state.service_spreads.get(key, DEFAULT_CV2), count, service_s)
            self.state.service_means[key] = updated_mean(mean, count, service_s)
            self.state.service_counts[key] = count + 1
            self.state.dirty_means.add(key)
        state.current = None
        state.served_today += 1
        state.service_s_today += service_s
        self._touch(ticket, windows=(state,))
        return ticket, [self._event(EventKind.TICKET_FINISHED, now, ticket=ticket.id,
                                    number=ticket.number, theme=ticket.theme, item=ticket.item,
                                    window=state.number, service_s=round(service_s, 1))]

    def transfer(self, window_number: str, now: datetime, *, to_service: str | None = None,
                 to_window: str | None = None) -> tuple[Ticket, list[Event]]:
        """Hand the current ticket to another theme or a named window (转移), keeping its
        arrival time so the citizen does not start again at the end."""
        _, state = self.window(window_number)
        ticket = self._current(state)
        if (to_service is None) == (to_window is None):
            raise QueueError(ErrorCode.BAD_TRANSFER, "请选择转往的业务或窗口",
                             "Give either to_service or to_window", status=422)
        theme, item = ticket.theme, ticket.item
        if to_service is not None:
            found = self.config.resolve_service(to_service)
            if found is None:
                raise unknown_service(to_service)
            theme, item = found[0].prefix, found[1].code if found[1] else None
        target = None
        if to_window is not None:
            target, _ = self.window(to_window)
            if target.number == state.number:
                raise QueueError(ErrorCode.BAD_TRANSFER, "不能转给本窗口",
                                 "Cannot transfer to the same window", status=422)
        ticket.status = TicketStatus.WAITING
        ticket.theme, ticket.item = theme, item
        ticket.to_window = target.number if target else None
        ticket.transfers += 1
        ticket.called_at = ticket.serving_at = None
        state.current = None
        self._touch(ticket, windows=(state,))
        return ticket, [self._event(EventKind.TICKET_TRANSFERRED, now, ticket=ticket.id,
                                    number=ticket.number, from_window=state.number,
                                    theme=theme, item=item, to_window=ticket.to_window,
                                    **line_place(ticket))]

    def _set_window(self, window_number: str, now: datetime, allowed: tuple[WindowStatus, ...],
                    new: WindowStatus, kind: EventKind, staff_id: str | None = None,
                    **extra: object) -> tuple[WindowState, list[Event]]:
        _, state = self.window(window_number)
        if state.status not in allowed:
            raise QueueError(ErrorCode.BAD_STATE, f"窗口当前为{_WINDOW_ZH[state.status]}",
                             f"The window is {state.status.value}")
        if new is not WindowStatus.OPEN and state.current is not None:
            raise window_busy()
        if new is not WindowStatus.OPEN:
            self.leasing.check_window_free(state.number)
        reason = extra.get("reason")     # a pause's, kept while the window stays paused
        state.status, state.pause_reason = new, reason if isinstance(reason, str) else None
        if staff_id is not None:
            state.staff_id = staff_id
        if new is WindowStatus.CLOSED:
            state.staff_id = None
        self._touch(windows=(state,))
        return state, [self._event(kind, now, window=state.number, status=new.value,
                                   staff=state.staff_id, **extra)]

    def open_window(self, window_number: str, now: datetime, staff_id: str | None = None,
                    by: str | None = None) -> tuple[WindowState, list[Event]]:
        """Open a closed window with the staff member who signed in, or with nobody: a
        supervisor's override, recorded in the event with the device that did it (``by``)."""
        if staff_id is not None and staff_id not in self.config.staff:
            raise bad_credentials()
        extra = {} if by is None else {"by": by}
        return self._set_window(window_number, now, (WindowStatus.CLOSED,), WindowStatus.OPEN,
                                EventKind.WINDOW_OPENED, staff_id, **extra)

    def pause(self, window_number: str, now: datetime, reason: PauseReason | None = None
              ) -> tuple[WindowState, list[Event]]:
        """Pause an open window (暂停服务), for a reason (午休, 暂离 …) when one is given."""
        extra = {"reason": reason.value} if reason is not None else {}
        return self._set_window(window_number, now, (WindowStatus.OPEN,), WindowStatus.PAUSED,
                                EventKind.WINDOW_PAUSED, **extra)

    def resume(self, window_number: str, now: datetime) -> tuple[WindowState, list[Event]]:
        """Resume a paused window."""
        return self._set_window(window_number, now, (WindowStatus.PAUSED,), WindowStatus.OPEN,
                                EventKind.WINDOW_RESUMED)

    def close_window(self, window_number: str, now: datetime) -> tuple[WindowState, list[Event]]:
        """Close a window."""
        return self._set_window(window_number, now, (WindowStatus.OPEN, WindowStatus.PAUSED),
                                WindowStatus.CLOSED, EventKind.WINDOW_CLOSED)

    # ------------------------------------------------------------------ tickets
    def recheck_in(self, ticket_id: str, now: datetime) -> tuple[Ticket, list[Event]]:
        """A no-show comes back: placed a few positions back in its line, not at the end."""
        ticket = self.ticket(ticket_id)
        if ticket.status is not TicketStatus.NO_SHOW:
            raise QueueError(ErrorCode.BAD_STATE, "只有过号的号码可以重新签到",
                             "Only a no-show ticket can check in again")
        if ticket.recheckins >= self.config.rules.max_recheckins:
            raise QueueError(ErrorCode.RECHECKIN_LIMIT, "该号码已重新签到过，请重新取号",
                             "This ticket already checked in again; take a new ticket")
        self.lines.at(now.timestamp())
        rank = policy.priority_rank(ticket, now.timestamp(), self._early_s)
        before, peers = self.lines.rank_run(ticket.theme, rank)
        ticket.sort_key = recheckin_sort_key(ticket, before, peers,
                                             self.config.rules.recheckin_positions)
        ticket.status = TicketStatus.WAITING
        ticket.to_window = None
        ticket.recheckins += 1
        ticket.called_at = None
        self._touch(ticket)
        return ticket, [self._event(EventKind.TICKET_RECHECKED_IN, now, ticket=ticket.id,
                                    number=ticket.number, theme=ticket.theme, item=ticket.item,
                                    **line_place(ticket), ahead=self.position(ticket, now))]

    def cancel(self, ticket_id: str, now: datetime) -> tuple[Ticket, list[Event]]:
        """A citizen gives up a waiting ticket (取消)."""
        ticket = self.ticket(ticket_id)
        if ticket.status is not TicketStatus.WAITING:
            raise QueueError(ErrorCode.BAD_STATE, "只有等待中的号码可以取消",
                             "Only a waiting ticket can be cancelled")
        ticket.status = TicketStatus.CANCELLED
        self._touch(ticket)
        return ticket, [self._event(EventKind.TICKET_CANCELLED, now, ticket=ticket.id,
                                    number=ticket.number, theme=ticket.theme)]

    def set_green(self, ticket_id: str, now: datetime, green: bool = True
                  ) -> tuple[Ticket, list[Event]]:
        """Staff put a waiting ticket on (or off) the green channel (绿色通道)."""
        ticket = self.ticket(ticket_id)
        if ticket.status is not TicketStatus.WAITING:
            raise QueueError(ErrorCode.BAD_STATE, "只有等待中的号码可以设置绿色通道",
                             "Only a waiting ticket can be put on the green channel")
        ticket.green = green
        self._touch(ticket)
        return ticket, [self._event(EventKind.TICKET_PRIORITIZED, now, ticket=ticket.id,
                                    number=ticket.number, theme=ticket.theme, green=green)]

    def rate(self, ticket_id: str, level: int, now: datetime) -> tuple[Ticket, list[Event]]:
        """Record the citizen's rating of a finished service (好差评, 1-5)."""
        if level not in LABELS:
            raise QueueError(ErrorCode.BAD_RATING, "评价等级应为1到5",
                             "A rating is a level from 1 to 5", status=422)
        ticket = self.ticket(ticket_id)
        if ticket.status is not TicketStatus.FINISHED:
            raise QueueError(ErrorCode.BAD_STATE, "办结后才能评价",
                             "Only a finished service can be rated")
        if ticket.rating is not None:
            raise QueueError(ErrorCode.ALREADY_RATED, "该次服务已评价",
                             "This service was already rated")
        ticket.rating = level
        self._touch(ticket)
        return ticket, [self._event(EventKind.TICKET_RATED, now, ticket=ticket.id,
                                    number=ticket.number,
                                    window=ticket.window, theme=ticket.theme, level=level,
                                    label_zh=LABELS[level][0])]

    def save_appointment(self, appointment: Appointment, now: datetime) -> list[Event]:
        """Record (or update) an appointment the central platform or staff booked."""
        if appointment.theme not in self.config.themes:
            raise unknown_service(appointment.theme)
        existing = self.state.appointments.get(appointment.id)
        if existing is not None and existing.ticket_id is not None:
            appointment.ticket_id = existing.ticket_id
        self.state.appointments[appointment.id] = appointment
        self.state.dirty_appointments.add(appointment.id)
        return [self._event(EventKind.APPOINTMENT_SAVED, now, appointment=appointment.id,
                            theme=appointment.theme, slot_start=appointment.slot_start,
                            slot_end=appointment.slot_end)]

    def device_status(self, device: str, state: str, now: datetime, where: str = "",
                      detail: str = "") -> list[Event]:
        """A device reported a state a technician or staff should know of (e.g. paper out)."""
        return [self._event(EventKind.DEVICE_STATUS, now, device=device, state=state, where=where,
                            detail=detail)]

    def staff_locked(self, staff_id: str, now: datetime, seconds: float, failures: int,
                     device: str) -> list[Event]:
        """A staff id was locked after wrong PINs: tell the supervisor and the log."""
        return [self._event(EventKind.STAFF_LOCKED, now, staff=staff_id, seconds=seconds,
                            failures=failures, device=device)]


_WINDOW_ZH = {WindowStatus.CLOSED: "关闭", WindowStatus.OPEN: "开启", WindowStatus.PAUSED: "暂停"}

