"""Typed errors of the ticket printer, each with a stable code.

Codes:
    printer.paper_out     no paper: the printer refuses or stopped the ticket
    printer.cover_open    the paper cover is open
    printer.offline       the printer is offline for another reason (error, FEED held)
    printer.timeout       the printer did not answer a status query in time
    printer.disconnected  the connection or port is gone (refused, dropped, unplugged)
    printer.print_failed  the ticket was sent but the printer did not confirm it
    printer.bad_status    the printer answered something that is not a status byte
    printer.bad_ticket    the ticket content cannot be printed (empty number, full ID number…)
    printer.no_pyusb      escpos+usb needs the pyusb package, which is not installed
    printer.bad_stream    (simulator) a malformed ESC/POS command in the received stream

``printer.paper_low`` (``DeviceErrorCode.PRINTER_PAPER_LOW``) is a warning, not an error: the
state PAPER_LOW, printing still works; the kiosk reports it to staff.
"""

from __future__ import annotations

from devices.base import DeviceDisconnected, DeviceError, DeviceTimeout
from devices.codes import DeviceErrorCode


class PrinterError(DeviceError):
    """Base of every ticket-printer error."""

    code = DeviceErrorCode.PRINTER_ERROR
    message_zh = "打印机故障"
    message_en = "Ticket printer failure"


class PrinterPaperOut(PrinterError):
    """The printer has no paper."""

    code = DeviceErrorCode.PRINTER_PAPER_OUT
    message_zh = "打印机缺纸，请更换纸卷"
    message_en = "The printer is out of paper; load a new roll"


class PrinterCoverOpen(PrinterError):
    """The paper cover is open."""

    code = DeviceErrorCode.PRINTER_COVER_OPEN
    message_zh = "打印机纸仓盖未关闭"
    message_en = "The printer cover is open"


class PrinterOffline(PrinterError):
    """The printer reports offline for a reason other than paper or cover."""

    code = DeviceErrorCode.PRINTER_OFFLINE
    message_zh = "打印机离线或故障"
    message_en = "The printer is offline or in error"


class PrinterTimeout(PrinterError, DeviceTimeout):
    """The printer did not answer within the time limit (silence is never "paper OK")."""

    code = DeviceErrorCode.PRINTER_TIMEOUT
    message_zh = "打印机无响应"
    message_en = "The printer did not answer in time"


class PrinterDisconnected(PrinterError, DeviceDisconnected):
    """The printer connection could not be opened or was dropped."""

    code = DeviceErrorCode.PRINTER_DISCONNECTED
    message_zh = "打印机未连接"
    message_en = "The printer is not connected"


class PrintFailed(PrinterError):
    """The ticket was sent but the printer did not confirm it was printed."""

    code = DeviceErrorCode.PRINTER_PRINT_FAILED
    message_zh = "小票打印失败"
    message_en = "The ticket was not printed"


class PrinterBadStatus(PrinterError):
    """The printer's answer to a status query is not a valid status byte."""

    code = DeviceErrorCode.PRINTER_BAD_STATUS
    message_zh = "打印机状态应答无效"
    message_en = "Invalid status answer from the printer"


class TicketContentError(PrinterError):
    """The ticket content cannot be printed as given."""

    code = DeviceErrorCode.PRINTER_BAD_TICKET
    message_zh = "小票内容无效"
    message_en = "Invalid ticket content"


class UsbUnavailable(PrinterError):
    """USB printing needs pyusb, which is not installed."""

    code = DeviceErrorCode.PRINTER_NO_PYUSB
    message_zh = "缺少 USB 驱动库 pyusb，无法使用 USB 打印机"
    message_en = "USB printing needs the pyusb package, which is not installed"


class EscposStreamError(PrinterError):
    """A malformed ESC/POS command in a received byte stream (raised by the simulator's parser)."""

    code = DeviceErrorCode.PRINTER_BAD_STREAM
    message_zh = "打印数据格式错误"
    message_en = "Malformed ESC/POS data"
    #: How many bytes the parser's caller drops to get past the bad command.
    skip = 1
