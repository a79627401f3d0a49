"""Decoding of the real-time status bytes a printer sends back for ``DLE EOT n``.

Every status byte has bit 1 and bit 4 set and bits 0 and 7 clear (``0x12`` when all is well);
anything else is not a status answer. The bits used here (Epson ESC/POS reference):

* ``DLE EOT 1`` printer status: bit 3 offline.
* ``DLE EOT 2`` offline cause: bit 2 cover open, bit 5 stopped by paper end, bit 6 error.
* ``DLE EOT 4`` roll paper sensor: bits 2-3 paper near its end, bits 5-6 paper end.
"""

from __future__ import annotations

from devices.base import DeviceState
from devices.printer.errors import PrinterBadStatus

QUERY_PRINTER = 1
QUERY_OFFLINE_CAUSE = 2
QUERY_PAPER = 4

FIXED_MASK = 0x93
FIXED_BITS = 0x12
OFFLINE = 0x08
COVER_OPEN = 0x04
PAPER_END_STOP = 0x20
ERROR = 0x40
PAPER_NEAR_END = 0x0C
PAPER_END = 0x60


def check_status_byte(query: int, value: int) -> int:
    """Return ``value`` if it is a status byte; raise :class:`PrinterBadStatus` otherwise."""
    if value & FIXED_MASK != FIXED_BITS:
        raise PrinterBadStatus(f"DLE EOT {query} answered {value:#04x}")
    return value


def answer_byte(query: int, answer: bytes) -> int:
    """The status byte of the answer to ``DLE EOT query``: its last byte (late answers to
    earlier queries come first); :class:`PrinterBadStatus` when there is none or it is not one."""
    if not answer:
        raise PrinterBadStatus(f"DLE EOT {query} answered no byte")
    return check_status_byte(query, answer[-1])


def paper_state(paper: int) -> DeviceState:
    """READY, PAPER_LOW or PAPER_OUT from the ``DLE EOT 4`` byte."""
    if paper & PAPER_END:
        return DeviceState.PAPER_OUT
    if paper & PAPER_NEAR_END:
        return DeviceState.PAPER_LOW
    return DeviceState.READY


def printer_state(printer: int, paper: int, cause: int | None = None) -> DeviceState:
    """The device state from ``DLE EOT 1``, ``DLE EOT 4`` and, when offline, ``DLE EOT 2``."""
    from_paper = paper_state(paper)
    if from_paper is DeviceState.PAPER_OUT:
        return from_paper
    if printer & OFFLINE:
        if cause is not None and cause & COVER_OPEN:
            return DeviceState.COVER_OPEN
        if cause is not None and cause & PAPER_END_STOP:
            return DeviceState.PAPER_OUT
        return DeviceState.ERROR
    return from_paper
