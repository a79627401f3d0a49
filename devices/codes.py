"""The stable codes of every device error, ``<kind>.<what>`` (e.g. ``printer.paper_out``).

Each device error class carries one (``devices.base.DeviceError`` and the per-kind
``errors`` modules, where each code's meaning is listed); the apps compare an error's code
against these members, never against strings. A ``StrEnum``: a member equals its string, so the
codes shown to technicians and sent to the hall (``device.status`` events) are unchanged.
``devices`` imports none of our other packages, so these are apart from the hall's
``hall.errors.ErrorCode``.
"""

from __future__ import annotations

import enum


class DeviceErrorCode(enum.StrEnum):
    """A device error's stable code."""

    # device
    DEVICE_BAD_URL = "device.bad_url"
    DEVICE_DISCONNECTED = "device.disconnected"
    DEVICE_ERROR = "device.error"
    DEVICE_TIMEOUT = "device.timeout"
    DEVICE_UNAVAILABLE = "device.unavailable"
    # bus
    BUS_ADDRESS = "bus.address"
    BUS_CHECKSUM = "bus.checksum"
    BUS_FRAME = "bus.frame"
    BUS_LENGTH = "bus.length"
    # idcard
    IDCARD_AUTH_FAILED = "idcard.auth_failed"
    IDCARD_CHECKSUM = "idcard.checksum"
    IDCARD_DISCONNECTED = "idcard.disconnected"
    IDCARD_ERROR = "idcard.error"
    IDCARD_FRAME = "idcard.frame"
    IDCARD_NO_CARD = "idcard.no_card"
    IDCARD_PARSE = "idcard.parse"
    IDCARD_READ_FAILED = "idcard.read_failed"
    IDCARD_SAM_ERROR = "idcard.sam_error"
    IDCARD_SELECT_FAILED = "idcard.select_failed"
    IDCARD_TIMEOUT = "idcard.timeout"
    IDCARD_TRUNCATED = "idcard.truncated"
    IDCARD_UNKNOWN_CARD = "idcard.unknown_card"
    # printer
    PRINTER_BAD_STATUS = "printer.bad_status"
    PRINTER_BAD_STREAM = "printer.bad_stream"
    PRINTER_BAD_TICKET = "printer.bad_ticket"
    PRINTER_COVER_OPEN = "printer.cover_open"
    PRINTER_DISCONNECTED = "printer.disconnected"
    PRINTER_ERROR = "printer.error"
    PRINTER_NO_PYUSB = "printer.no_pyusb"
    PRINTER_OFFLINE = "printer.offline"
    PRINTER_PAPER_LOW = "printer.paper_low"
    PRINTER_PAPER_OUT = "printer.paper_out"
    PRINTER_PRINT_FAILED = "printer.print_failed"
    PRINTER_TIMEOUT = "printer.timeout"
    # camera
    CAMERA_BAD_IMAGE = "camera.bad_image"
    CAMERA_BLURRED = "camera.blurred"
    CAMERA_DARK = "camera.dark"
    CAMERA_DISCONNECTED = "camera.disconnected"
    CAMERA_ERROR = "camera.error"
    CAMERA_NO_DOCUMENT = "camera.no_document"
    CAMERA_NO_FRAME = "camera.no_frame"
    CAMERA_NOT_FOUND = "camera.not_found"
    CAMERA_SAVE_FAILED = "camera.save_failed"
    # led
    LED_BAD_TEXT = "led.bad_text"
    LED_BAD_VALUE = "led.bad_value"
    LED_DISCONNECTED = "led.disconnected"
    LED_ERROR = "led.error"
    LED_REJECTED = "led.rejected"
    LED_TIMEOUT = "led.timeout"
    LED_UNSUPPORTED = "led.unsupported"
    # rating
    RATING_BAD_KEY = "rating.bad_key"
    RATING_BAD_TEXT = "rating.bad_text"
    RATING_DISCONNECTED = "rating.disconnected"
    RATING_ERROR = "rating.error"
    RATING_REJECTED = "rating.rejected"
    RATING_TIMEOUT = "rating.timeout"
    # keypad
    KEYPAD_BAD_REPLY = "keypad.bad_reply"
    KEYPAD_BAD_TEXT = "keypad.bad_text"
    KEYPAD_DISCONNECTED = "keypad.disconnected"
    KEYPAD_ERROR = "keypad.error"
    KEYPAD_REJECTED = "keypad.rejected"
    KEYPAD_TIMEOUT = "keypad.timeout"
    # smartcard
    SMARTCARD_APDU_FAILED = "smartcard.apdu_failed"
    SMARTCARD_BAD_APDU = "smartcard.bad_apdu"
    SMARTCARD_ERROR = "smartcard.error"
    SMARTCARD_IO = "smartcard.io"
    SMARTCARD_NO_CARD = "smartcard.no_card"
    SMARTCARD_NO_READER = "smartcard.no_reader"
    SMARTCARD_REMOVED = "smartcard.removed"
    SMARTCARD_SERVICE_DOWN = "smartcard.service_down"
    SMARTCARD_TIMEOUT = "smartcard.timeout"
    SMARTCARD_VPCD_UNREACHABLE = "smartcard.vpcd_unreachable"
