"""Typed errors of the smart-card reader.

Codes:
    smartcard.service_down   pcscd (the PC/SC service) is not running
    smartcard.no_reader      no PC/SC reader matches the URL
    smartcard.no_card        no card in the reader (or none came within the wait)
    smartcard.removed        the card was pulled out during an operation
    smartcard.apdu_failed    the card answered a status word meaning failure (SW in the detail)
    smartcard.io             the reader or card failed to carry a command
    smartcard.timeout        the card did not answer within the time limit
    smartcard.bad_apdu       a malformed command APDU or file id was given
    smartcard.vpcd_unreachable  the virtual card could not reach vpcd (simulator only)
"""

from __future__ import annotations

from devices.base import DeviceDisconnected, DeviceError, DeviceTimeout
from devices.codes import DeviceErrorCode


class SmartCardError(DeviceError):
    """Base of every smart-card failure."""

    code = DeviceErrorCode.SMARTCARD_ERROR
    message_zh = "读卡器故障"
    message_en = "Smart-card reader failure"


class ServiceDown(SmartCardError, DeviceDisconnected):
    """pcscd is not running, so no reader can be reached."""

    code = DeviceErrorCode.SMARTCARD_SERVICE_DOWN
    message_zh = "智能卡服务（pcscd）未运行"
    message_en = "The PC/SC service (pcscd) is not running"


class NoReader(SmartCardError, DeviceDisconnected):
    """No PC/SC reader matches the URL (unplugged, or a wrong name)."""

    code = DeviceErrorCode.SMARTCARD_NO_READER
    message_zh = "未找到读卡器"
    message_en = "No smart-card reader found"


class NoCard(SmartCardError):
    """The reader has no card in it."""

    code = DeviceErrorCode.SMARTCARD_NO_CARD
    message_zh = "请插入或放置卡片"
    message_en = "No card in the reader"


class CardRemoved(SmartCardError):
    """The card was taken away while it was being read."""

    code = DeviceErrorCode.SMARTCARD_REMOVED
    message_zh = "读卡过程中卡片被移开，请重新放置"
    message_en = "The card was removed during the operation"


class ApduFailed(SmartCardError):
    """The card answered with a status word other than success; ``sw`` holds it."""

    code = DeviceErrorCode.SMARTCARD_APDU_FAILED
    message_zh = "卡片拒绝了指令"
    message_en = "The card refused the command"

    def __init__(self, sw1: int, sw2: int, command: str = "") -> None:
        self.sw1 = sw1
        self.sw2 = sw2
        detail = f"SW={sw1:02X}{sw2:02X}"
        super().__init__(f"{detail} ({command})" if command else detail)

    @property
    def sw(self) -> int:
        """The status word as one number, e.g. 0x6A82."""
        return (self.sw1 << 8) | self.sw2


class TransmitFailed(SmartCardError):
    """The reader could not carry a command to the card and back."""

    code = DeviceErrorCode.SMARTCARD_IO
    message_zh = "读卡器通信失败"
    message_en = "Communication with the card failed"


class CardTimeout(SmartCardError, DeviceTimeout):
    """The card did not answer within the time limit."""

    code = DeviceErrorCode.SMARTCARD_TIMEOUT
    message_zh = "卡片无响应"
    message_en = "The card did not answer in time"


class BadApdu(SmartCardError):
    """A command APDU or file id that cannot be sent as given."""

    code = DeviceErrorCode.SMARTCARD_BAD_APDU
    message_zh = "读卡指令格式错误"
    message_en = "Malformed command APDU"


class VpcdUnreachable(SmartCardError, DeviceDisconnected):
    """The virtual card could not connect to vpcd (pcscd not running, or no vpcd driver)."""

    code = DeviceErrorCode.SMARTCARD_VPCD_UNREACHABLE
    message_zh = "虚拟读卡器（vpcd）无法连接"
    message_en = "The virtual reader (vpcd) cannot be reached"
