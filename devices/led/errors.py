"""Typed errors of window LED screens.

Error codes:

* ``led.timeout``      -- the screen did not acknowledge a command (after retries)
* ``led.disconnected`` -- the serial port is missing or vanished (adapter unplugged)
* ``led.rejected``     -- the screen answered with an error status
* ``led.bad_text``     -- text that is empty, too long for one frame, or not encodable
* ``led.bad_value``    -- a brightness or other value out of range
* ``led.unsupported``  -- the screen's protocol cannot do this (e.g. brightness on ``rawline``)

Bad frames in the screen's answers raise the ``bus.*`` errors of :mod:`devices.busframe`;
a bad ``led://`` URL raises ``device.bad_url``.
"""

from __future__ import annotations

from devices.base import DeviceDisconnected, DeviceError, DeviceTimeout
from devices.codes import DeviceErrorCode


class LedError(DeviceError):
    """Base of LED screen errors."""

    code = DeviceErrorCode.LED_ERROR
    message_zh = "窗口屏故障"
    message_en = "Window LED screen failure"


class LedTimeout(DeviceTimeout):
    """The screen did not acknowledge a command."""

    code = DeviceErrorCode.LED_TIMEOUT
    message_zh = "窗口屏无应答，请检查电源、485接线和屏地址"
    message_en = "The LED screen did not answer (check power, RS-485 wiring and screen address)"


class LedDisconnected(DeviceDisconnected):
    """The serial port of the screen is missing or vanished."""

    code = DeviceErrorCode.LED_DISCONNECTED
    message_zh = "窗口屏串口未连接"
    message_en = "The LED screen's serial port is not connected"


class LedRejected(LedError):
    """The screen answered a command with an error status."""

    code = DeviceErrorCode.LED_REJECTED
    message_zh = "窗口屏拒绝执行命令"
    message_en = "The LED screen rejected the command"


class LedBadText(LedError):
    """Text the screen cannot show: empty, too long, or not encodable in GB 18030."""

    code = DeviceErrorCode.LED_BAD_TEXT
    message_zh = "显示内容无效（为空、过长或含无法编码的字符）"
    message_en = "Text cannot be shown (empty, too long, or not encodable in GB 18030)"


class LedBadValue(LedError):
    """A value out of range, such as a brightness level."""

    code = DeviceErrorCode.LED_BAD_VALUE
    message_zh = "参数超出范围"
    message_en = "Value out of range"


class LedUnsupported(LedError):
    """The screen's protocol has no such command."""

    code = DeviceErrorCode.LED_UNSUPPORTED
    message_zh = "该型号窗口屏不支持此功能"
    message_en = "This LED screen protocol does not support the command"
