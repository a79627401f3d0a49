"""The printer's ``DLE EOT`` status answers, as the drivers read them: any bytes a printer
sends give a state or the typed ``printer.bad_status``, never another exception."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.base import DeviceState
from devices.printer import status
from devices.printer.errors import PrinterBadStatus
from tests.helpers.device_fuzz import assert_own_error


@pytest.mark.parametrize(("answer", "byte"), [
    (b"\x12", 0x12),
    (b"\x72", 0x72),  # paper end bits
    (b"\x1e\x12", 0x12),  # a late answer to an earlier query first: ours is the last
])
def test_the_last_byte_of_an_answer_is_the_status(answer: bytes, byte: int) -> None:
    assert status.answer_byte(status.QUERY_PAPER, answer) == byte


@pytest.mark.parametrize("answer", [b"", b"\xff", b"\x12\x00", b"A"])
def test_an_answer_that_is_no_status_is_bad_status(answer: bytes) -> None:
    # b"" reached answer[-1] in the driver: an IndexError, not a printer error
    with pytest.raises(PrinterBadStatus) as info:
        status.answer_byte(status.QUERY_PRINTER, answer)
    assert info.value.code == "printer.bad_status"


def test_states_from_status_bytes() -> None:
    assert status.printer_state(0x12, 0x12) is DeviceState.READY
    assert status.printer_state(0x12, 0x1E) is DeviceState.PAPER_LOW
    assert status.printer_state(0x12, 0x72) is DeviceState.PAPER_OUT
    assert status.printer_state(0x1A, 0x12, 0x16) is DeviceState.COVER_OPEN
    assert status.printer_state(0x1A, 0x12, 0x32) is DeviceState.PAPER_OUT
    assert status.printer_state(0x1A, 0x12, 0x52) is DeviceState.ERROR


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=16), min_size=3, max_size=3),
       st.sampled_from([status.QUERY_PRINTER, status.QUERY_PAPER]))
def test_fuzz_status_answers_only_typed_errors(answers: list[bytes], query: int) -> None:
    queries = (query, status.QUERY_PAPER, status.QUERY_OFFLINE_CAUSE)
    try:
        printer, paper, cause = [status.answer_byte(n, answer)
                                 for n, answer in zip(queries, answers, strict=True)]
    except Exception as exc:  # noqa: BLE001 - the property is about what comes out
        assert_own_error(exc, PrinterBadStatus, ("printer",))
        return
    assert all(byte & status.FIXED_MASK == status.FIXED_BITS for byte in (printer, paper, cause))
    assert status.printer_state(printer, paper, cause) in DeviceState
