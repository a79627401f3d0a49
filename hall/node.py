"""The hall node's core: one engine, one store, one writer thread with group commit.

Every operation that changes the queue goes through :meth:`HallNode.submit`. A single writer
thread takes the operations waiting at that moment, runs each through the engine in turn (so no
ticket is ever called by two windows and no number is given twice), writes their state and
events in ONE durable transaction (group commit), and only then answers them and publishes the
events. If the write fails, nothing of the batch is acknowledged and the state is reloaded.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any, TypeVar

from hall import links
from hall.config import HallConfig, Staff
from hall.device_book import DeviceBook
from hall.engine import Engine
from hall.errors import ErrorCode, QueueError
from hall.events import Event
from hall.gc_pauses import collect_in_full
from hall.store import DatabaseUnusable, Store, StoreError

log = logging.getLogger("hallq.node")

T = TypeVar("T")
Operation = Callable[[Engine, datetime], tuple[Any, list[Event]]]
Clock = Callable[[], datetime]
EventListener = Callable[[list[Event]], None]

AnyFuture = Future | asyncio.Future
Outcome = tuple[AnyFuture, Any, BaseException | None]

#: The store's meta key of the hall's window numbers (a JSON list), written at start.
WINDOWS_META = "windows"
#: Most operations written in one transaction.
MAX_BATCH = 512
#: Seconds between two looks at the timers of remote calling (lease expiry).
TICK_S = 1.0


def utc_now() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


class InternalError(Exception):
    """An operation hit a bug; nothing of its batch was written. Safe to retry."""

    code = ErrorCode.INTERNAL_ERROR


class HallNode:
    """Owns a hall's live state. Reads take :attr:`lock`; writes go through :meth:`submit`."""

    def __init__(self, config: HallConfig, data_dir: Path | str, *, clock: Clock = utc_now,
                 id_key: bytes | None = None) -> None:
        self.config = config
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.clock = clock
        #: The key of the tickets' phone links and cancel tokens (:mod:`hall.links`).
        self.link_key = links.load_or_create_key(self.data_dir / links.KEY_FILE)
        self.store = Store(self.data_dir / "hall.sqlite3")
        self.store.set_meta("hall_id", config.hall_id)
        # for `hallq pair`, which checks a window against them without loading the TOML
        self.store.set_meta(WINDOWS_META, json.dumps(sorted(config.windows)))
        self.id_key = id_key or self.store.secret("id_key")
        self.lock = threading.RLock()
        self._roster: dict[str, str] = {}
        self._toml_staff = config.staff
        self._merge_roster(self.store.staff_roster())
        try:
            self.engine = self._load_engine()
            #: Each app's heartbeat and each device's last state (faults from before a restart).
            self.device_book = DeviceBook(self.store.device_states())
        except sqlite3.DatabaseError as damaged:     # a page the opening did not read
            self.store.close()
            raise DatabaseUnusable(self.store.path, damaged) from None
        self._queue: queue.SimpleQueue[tuple[Operation, AnyFuture] | None] = queue.SimpleQueue()
        self._listeners: list[EventListener] = [self.device_book.on_events]
        self._thread: threading.Thread | None = None
        self._ticker: threading.Thread | None = None
        self._stopping = threading.Event()
        self._purged_on: date | None = None
        #: Figures for technicians: batches written, operations in them, seconds writing.
        self.write_stats = {"batches": 0, "operations": 0, "commit_s": 0.0}
        #: Why the disk refused the last write, until a write succeeds again (health says so).
        self.write_failure: str | None = None

    def refresh_staff(self) -> None:
        """Take in staff added with ``hallq staff add`` since the last look (another process
        may have added them while the node runs); the engine and views see them at once."""
        roster = self.store.staff_roster()
        if roster != self._roster:
            with self.lock:
                self._merge_roster(roster)
                self.engine.config = self.config

    def _merge_roster(self, roster: dict[str, str]) -> None:
        added = {sid: Staff(id=sid, name_zh=name) for sid, name in roster.items()
                 if sid not in self._toml_staff}
        self.config = replace(self.config, staff={**added, **self._toml_staff})
        self._roster = roster

    def _load_engine(self) -> Engine:
        now = self.clock()
        today = now.astimezone(self.config.timezone).date().isoformat()
        return Engine(self.config, self.store.load_state(today, now.timestamp()), self.id_key,
                      self.link_key)

    # ------------------------------------------------------------------ life cycle
    def start(self) -> HallNode:
        """Start the writer thread (and erase personal data past its retention)."""
        if self._thread is None:
            self.purge_personal()
            self._thread = threading.Thread(target=self._write_loop, name="hall-writer",
                                            daemon=True)
            self._thread.start()
            self._stopping.clear()
            self._ticker = threading.Thread(target=self._tick_loop, name="hall-ticker",
                                            daemon=True)
            self._ticker.start()
        return self

    def stop(self) -> None:
        """Finish the operations already submitted, then stop and close the store."""
        self._stopping.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        self.store.close()

    def add_listener(self, listener: EventListener) -> None:
        """Call ``listener(events)`` from the writer thread after each durable commit."""
        self._listeners.append(listener)

    # ------------------------------------------------------------------ operations
    def submit(self, operation: Operation) -> Future:
        """Queue an operation; its future resolves once the result is on disk."""
        future: Future = Future()
        self._queue.put((operation, future))
        return future

    def submit_async(self, operation: Operation) -> asyncio.Future:
        """Like :meth:`submit`, for the event loop: an asyncio future, and the loop is woken
        once per written batch rather than once per operation."""
        future = asyncio.get_running_loop().create_future()
        self._queue.put((operation, future))
        return future

    def run(self, operation: Operation, timeout: float = 30.0) -> Any:
        """Submit and wait (for CLIs, tests and threads); raises the operation's error."""
        return self.submit(operation).result(timeout)

    def _tick_loop(self) -> None:
        """Every second, while a timer of remote calling runs, let it act (as an operation);
        on each new day, erase the personal data that has passed its retention and let the
        garbage collector walk every object once (:mod:`hall.gc_pauses`)."""
        while not self._stopping.wait(TICK_S):
            if self.engine.leasing.needs_tick():    # a hint read without the lock is enough
                self.submit(lambda engine, now: (None, engine.leasing.tick(now)))
            if self.write_failure is not None:
                self._probe_write()
            if self.purge_personal() is not None:
                collect_in_full()   # the night's housekeeping: see hall.gc_pauses

    def _probe_write(self) -> None:
        """While writes fail, try a one-row write each tick, so that health turns ``ok`` as
        soon as the disk takes writes again, even when nobody is asking for one."""
        try:
            self.store.set_meta("write_probe", self.clock().isoformat())
        except sqlite3.Error as still:
            self.write_failure = str(still)
            return
        log.info("the store takes writes again (it had refused: %s)", self.write_failure)
        self.write_failure = None

    def purge_personal(self, force: bool = False) -> dict[str, int] | None:
        """Erase ID hashes and masked numbers older than the hall's ``personal_data_days``
        (once a day; ``force`` again). What was erased, or None when already done today."""
        local = self.clock().astimezone(self.config.timezone)
        if local.date() == self._purged_on and not force:
            return None
        cutoff = local.date() - timedelta(days=self.config.rules.personal_data_days)
        start = datetime.combine(cutoff, dt_time(0), tzinfo=self.config.timezone)
        erased = self.store.purge_personal(cutoff.isoformat(), start.timestamp())
        self._purged_on = local.date()
        if any(erased.values()):
            log.info("personal data before %s erased: %d tickets, %d appointments, "
                     "%d referrals", cutoff, erased["tickets"], erased["appointments"],
                     erased["referrals"])
        return erased

    def _write_loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < MAX_BATCH:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            self._write_batch(batch)
            if stop:
                return

    def _write_batch(self, batch: list[tuple[Operation, AnyFuture]]) -> None:
        outcomes: list[Outcome] = []
        events: list[Event] = []
        with self.lock:
            try:
                for operation, future in batch:
                    now = self.clock()
                    events.extend(self.engine.roll_day(now))
                    try:
                        result, caused = operation(self.engine, now)
                    except QueueError as refused:
                        outcomes.append((future, None, refused))
                        continue
                    events.extend(caused)
                    outcomes.append((future, result, None))
                started = time.perf_counter()
                committed = self.store.commit(self.engine.state, events)
                self.write_stats["batches"] += 1
                self.write_stats["operations"] += len(batch)
                self.write_stats["commit_s"] += time.perf_counter() - started
            except Exception as failure:
                if isinstance(failure, StoreError):
                    log.error("could not write %d operations: %s", len(batch), failure)
                    self.write_failure = str(failure)
                else:
                    log.exception("bug in an operation; its batch of %d is dropped", len(batch))
                    failure = InternalError(str(failure))
                self.engine = self._load_engine()
                _resolve([(future, None, failure) for _, future in batch])
                return
        _resolve(outcomes)
        if committed:
            self.write_failure = None
            for listener in list(self._listeners):
                try:
                    listener(committed)
                except Exception:
                    log.exception("event listener failed")

    # ------------------------------------------------------------------ reads
    def read(self, reader: Callable[[Engine, datetime], T]) -> T:
        """Run a read-only function on the committed state."""
        with self.lock:
            return reader(self.engine, self.clock())


def _resolve(outcomes: list[Outcome]) -> None:
    """Answer every operation of a batch; asyncio futures in one call per event loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[Outcome]] = {}
    for outcome in outcomes:
        future = outcome[0]
        if isinstance(future, asyncio.Future):
            by_loop.setdefault(future.get_loop(), []).append(outcome)
        else:
            _settle(outcome)
    for loop, settled in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle_all, settled)
        except RuntimeError:  # the loop was closed: nobody waits any more
            pass


def _settle(outcome: Outcome) -> None:
    future, result, error = outcome
    if future.done():  # an HTTP client went away and its task was cancelled
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)


def _settle_all(outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        _settle(outcome)


def open_node(config_path: Path | str, data_dir: Path | str, **kwargs: Any) -> HallNode:
    """Load a hall's TOML and open its node (not started)."""
    from hall.config import load_config

    return HallNode(load_config(config_path), data_dir, **kwargs)
