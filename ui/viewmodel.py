"""What every view-model of the apps shares: the :class:`ViewModel` base (listeners told after
each change, held without keeping their objects alive, and a revision counting the changes),
the (Chinese, English) message of an error, and the last state of each of an app's devices
(what its heartbeat, ``ui/heartbeat.py``, tells the hall)."""

from __future__ import annotations

import inspect
import logging
import threading
import weakref
from collections.abc import Callable, Iterable

from devices.base import DeviceError
from hall.client import HallApiError

log = logging.getLogger("hallq.ui")

Message = tuple[str, str]


def weak_callable(func: Callable[[], None]) -> Callable[[], Callable[[], None] | None]:
    """A reference to ``func`` that does not keep a bound method's object alive."""
    if inspect.ismethod(func):
        return weakref.WeakMethod(func)
    return lambda: func


def message_of(err: Exception) -> Message:
    """The (Chinese, English) sentence to show for an error; never a stack trace."""
    if isinstance(err, HallApiError | DeviceError):
        return err.message_zh, err.message_en
    log.error("unexpected error", exc_info=err)
    return "系统暂时无法办理，请稍后再试或咨询工作人员", \
        "Something went wrong; please try again or ask the staff"


class ViewModel:
    """The base of the apps' view-models (kiosk, calling console, wall display): plain Python,
    no widgets. A subclass calls :meth:`_changed` after each change it makes; views
    :meth:`subscribe` to hear of it, or compare :attr:`revision` with the one they last drew.
    All methods run on one thread (the Qt thread)."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], Callable[[], None] | None]] = []
        #: Grows by one with every change.
        self.revision = 0

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after every change (a bound method is held weakly, so a view
        that goes away does not stay alive through its model)."""
        self._listeners.append(weak_callable(listener))

    def _changed(self) -> None:
        """Count a change and tell the listeners still alive."""
        self.revision += 1
        for ref in list(self._listeners):
            listener = ref()
            if listener is not None:
                listener()


class DeviceStates:
    """The last known state of each of an app's devices; safe to use from several threads."""

    def __init__(self, kinds: Iterable[str] = ()) -> None:
        """``kinds``: the devices attached (``printer``, ``idcard`` …), each ``ready``."""
        self._lock = threading.Lock()
        self._states = {kind: ("ready", "") for kind in kinds}

    def set(self, kind: str, state: str, detail: str = "") -> None:
        """Record what the app reported of a device."""
        with self._lock:
            self._states[kind] = (state, detail)

    def state(self, kind: str) -> str | None:
        """The last state of a device (None when the app has no such device)."""
        with self._lock:
            known = self._states.get(kind)
        return known[0] if known else None

    def reports(self) -> list[dict[str, str]]:
        """Every device's state as a heartbeat sends it, by kind."""
        with self._lock:
            return [{"device": kind, "state": state, "detail": detail}
                    for kind, (state, detail) in sorted(self._states.items())]
