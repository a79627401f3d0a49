"""Worker threads whose results come back to the Qt thread, and device pollers.

Blocking work (hall API calls, device I/O) goes through :class:`Tasks`, so a screen never
freezes; results and errors are delivered on the Qt thread, where models change and views
render. Models take a :data:`Runner` so that tests can run them synchronously (:func:`run_now`).
The calling console uses this module too.
"""

from __future__ import annotations

import inspect
import logging
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from devices.base import DeviceError
from hall.client import HallApiError

log = logging.getLogger("hallq.ui.tasks")

T = TypeVar("T")
Done = Callable[[Any], None]
Failed = Callable[[Exception], None]
#: How models run blocking work: ``run(job, on_done, on_error)``.
Runner = Callable[[Callable[[], Any], Done, Failed], None]


def weak_slot(method: Callable[..., Any]) -> Callable[..., None]:
    """A slot that calls a bound ``method`` while its object lives, without keeping it alive.

    Connecting a signal straight to a bound method of the object that owns the sender makes a
    reference cycle; Python may then free the object from any thread, and Qt objects must be
    freed on the Qt thread. This breaks the cycle.
    """
    owner = weakref.ref(method.__self__)  # type: ignore[attr-defined]
    name = method.__name__
    try:
        takes = len(inspect.signature(method).parameters)
    except ValueError:  # a Qt method without a Python signature (accept, reject…)
        takes = 0

    def slot(*args: Any) -> None:
        target = owner()
        if target is not None:
            getattr(target, name)(*args[:takes])
    return slot


def run_now(job: Callable[[], T], on_done: Callable[[T], None], on_error: Failed) -> None:
    """A :data:`Runner` that runs the job at once, in the calling thread (tests, tools)."""
    try:
        result = job()
    except Exception as err:  # the model decides what an error means
        on_error(err)
        return
    on_done(result)


def log_failure(err: Exception) -> None:
    """The default error handler: known errors in one line, anything else as a bug."""
    if isinstance(err, HallApiError | DeviceError):
        log.warning("%s", err)
    else:
        log.error("unexpected error in a worker", exc_info=err)


class Tasks(QObject):
    """Runs blocking jobs in worker threads and delivers their outcome on the Qt thread.

    ``workers=1`` keeps jobs in order (one device's commands). :meth:`poll` starts a thread that
    calls a function every ``interval`` seconds and delivers each non-None result. :meth:`close`
    stops the pollers and waits for running jobs; nothing is delivered after it.
    """

    _outcome = Signal(object)

    def __init__(self, workers: int = 4, name: str = "hallq-worker",
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._stop = threading.Event()
        self._pollers: list[threading.Thread] = []
        #: Jobs submitted whose outcome was not yet delivered (read on the Qt thread).
        self.pending = 0
        self._outcome.connect(weak_slot(self._deliver))

    def run(self, job: Callable[[], T], on_done: Callable[[T], None] | None = None,
            on_error: Failed | None = None) -> None:
        """Run ``job()`` in a worker; then ``on_done(result)`` or ``on_error(exc)`` here."""
        if self._stop.is_set():
            return
        self.pending += 1
        self._pool.submit(self._call, job, on_done, on_error or log_failure)

    def _call(self, job: Callable[[], Any], on_done: Done | None, on_error: Failed) -> None:
        try:
            outcome: tuple[Any, Any, bool] = (on_done, job(), True)
        except Exception as err:
            outcome = (on_error, err, True)
        if not self._stop.is_set():
            self._outcome.emit(outcome)
        # An error's traceback holds this frame: drop the local so no cycle keeps them alive.
        del outcome

    def _deliver(self, outcome: tuple[Callable[[Any], None] | None, Any, bool]) -> None:
        callback, value, counted = outcome
        if counted:
            self.pending -= 1
        if callback is not None and not self._stop.is_set():
            callback(value)

    def poll(self, name: str, probe: Callable[[], Any], interval: float,
             on_result: Done, on_error: Failed | None = None) -> None:
        """Call ``probe()`` every ``interval`` s in a thread; deliver non-None results here.

        After an error the poller waits ten intervals before it tries again.
        """
        def loop() -> None:
            pause = interval
            while not self._stop.wait(pause):
                pause = interval
                try:
                    result = probe()
                except Exception as err:
                    pause = interval * 10
                    if not self._stop.is_set():
                        self._outcome.emit((on_error or log_failure, err, False))
                    continue
                if result is not None and not self._stop.is_set():
                    self._outcome.emit((on_result, result, False))

        thread = threading.Thread(target=loop, name=f"poll-{name}", daemon=True)
        self._pollers.append(thread)
        thread.start()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._stop.is_set()

    def close(self) -> None:
        """Stop the pollers and wait for jobs; outcomes not yet delivered are dropped."""
        self._stop.set()
        for thread in self._pollers:
            thread.join(timeout=5)
        self._pool.shutdown(wait=True)
