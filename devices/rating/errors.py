"""Typed errors of rating pads.

Error codes:

* ``rating.timeout``      -- the pad did not answer a command (after retries)
* ``rating.disconnected`` -- the serial port is missing or vanished (adapter unplugged)
* ``rating.rejected``     -- the pad answered with an error status
* ``rating.bad_key``      -- the pad reported a key that is not a level 1..5
* ``rating.bad_text``     -- a ticket number that is empty or too long to show

Bad frames in the pad's answers raise the ``bus.*`` errors of :mod:`devices.busframe`;
a bad ``rating://`` URL raises ``device.bad_url``. A citizen who does not press is not an
error: :meth:`~devices.rating.pad.RatingPad.read_rating` returns None.
"""

from __future__ import annotations

from devices.base import DeviceDisconnected, DeviceError, DeviceTimeout
from devices.codes import DeviceErrorCode


class RatingError(DeviceError):
    """Base of rating pad errors."""

    code = DeviceErrorCode.RATING_ERROR
    message_zh = "评价器故障"
    message_en = "Rating pad failure"


class RatingTimeout(DeviceTimeout):
    """The pad did not answer a command."""

    code = DeviceErrorCode.RATING_TIMEOUT
    message_zh = "评价器无应答，请检查电源、485接线和评价器地址"
    message_en = "The rating pad did not answer (check power, RS-485 wiring and pad address)"


class RatingDisconnected(DeviceDisconnected):
    """The serial port of the pad is missing or vanished."""

    code = DeviceErrorCode.RATING_DISCONNECTED
    message_zh = "评价器串口未连接"
    message_en = "The rating pad's serial port is not connected"


class RatingRejected(RatingError):
    """The pad answered a command with an error status."""

    code = DeviceErrorCode.RATING_REJECTED
    message_zh = "评价器拒绝执行命令"
    message_en = "The rating pad rejected the command"


class RatingBadKey(RatingError):
    """The pad reported a key outside 1..5."""

    code = DeviceErrorCode.RATING_BAD_KEY
    message_zh = "评价器上报了无效按键"
    message_en = "The rating pad reported an invalid key"


class RatingBadText(RatingError):
    """A ticket number the pad cannot show."""

    code = DeviceErrorCode.RATING_BAD_TEXT
    message_zh = "票号无效（为空或过长）"
    message_en = "Ticket number cannot be shown (empty or too long)"
