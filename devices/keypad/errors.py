"""Typed errors of calling keypads.

Error codes:

* ``keypad.timeout``      -- the keypad did not answer a command (after retries)
* ``keypad.disconnected`` -- the serial port is missing or vanished (adapter unplugged)
* ``keypad.rejected``     -- the keypad answered with an error status
* ``keypad.bad_reply``    -- a poll reply whose key events do not add up (odd length, seq 0)
* ``keypad.bad_text``     -- display text the keypad cannot show (not GB 2312, too wide)

Bad frames in the keypad's answers raise the ``bus.*`` errors of :mod:`devices.busframe`;
a bad ``keypad://`` URL raises ``device.bad_url``. An unknown key code in a poll reply is not
an error: the driver logs it and skips that key.
"""

from __future__ import annotations

from devices.base import DeviceDisconnected, DeviceError, DeviceTimeout
from devices.codes import DeviceErrorCode


class KeypadError(DeviceError):
    """Base of calling keypad errors."""

    code = DeviceErrorCode.KEYPAD_ERROR
    message_zh = "呼叫器故障"
    message_en = "Calling keypad failure"


class KeypadTimeout(DeviceTimeout):
    """The keypad did not answer a command."""

    code = DeviceErrorCode.KEYPAD_TIMEOUT
    message_zh = "呼叫器无应答，请检查电源、485接线和呼叫器地址"
    message_en = "The calling keypad did not answer (check power, RS-485 wiring and address)"


class KeypadDisconnected(DeviceDisconnected):
    """The serial port of the keypad is missing or vanished."""

    code = DeviceErrorCode.KEYPAD_DISCONNECTED
    message_zh = "呼叫器串口未连接"
    message_en = "The calling keypad's serial port is not connected"


class KeypadRejected(KeypadError):
    """The keypad answered a command with an error status."""

    code = DeviceErrorCode.KEYPAD_REJECTED
    message_zh = "呼叫器拒绝执行命令"
    message_en = "The calling keypad rejected the command"


class KeypadBadReply(KeypadError):
    """A poll reply whose key events are malformed."""

    code = DeviceErrorCode.KEYPAD_BAD_REPLY
    message_zh = "呼叫器按键数据无效"
    message_en = "The calling keypad sent malformed key events"


class KeypadBadText(KeypadError):
    """Display text the keypad cannot show."""

    code = DeviceErrorCode.KEYPAD_BAD_TEXT
    message_zh = "呼叫器显示内容无效（非GB 2312字符或超过16列）"
    message_en = "Keypad display text is not GB 2312 or wider than 16 columns"
