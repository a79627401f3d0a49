"""What every view-model of the apps shares: the (Chinese, English) message of an error, and
listeners held without keeping their objects alive."""

from __future__ import annotations

import inspect
import logging
import weakref
from collections.abc import Callable

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
