"""The simulator's ESC/POS parser: commands, partial input, malformed input and fuzzing."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.printer.errors import EscposStreamError
from devices.printer.escpos_stream import Command, parse_command
from devices.printer.simulator import EscposPrinterSimulator
from devices.printer.ticket import TicketContent, render_ticket
from tests.helpers.device_fuzz import assert_own_error, mutated

TICKET = render_ticket(TicketContent(
    hall_name="福田区行政服务大厅", theme_name="综合服务", number="C012", ahead=0,
    expected_wait_s=0, issued_at=datetime(2024, 1, 2, 8, 0), privacy_line="请留意叫号",
    qr_url="https://hall.example.cn/t/c012",
))


def parse_all(data: bytes) -> list[Command]:
    """Every command in data (the tail must be complete)."""
    commands, pos = [], 0
    while (parsed := parse_command(data, pos)) is not None:
        command, pos = parsed
        commands.append(command)
    assert pos == len(data)
    return commands


def test_ticket_parses_into_named_commands() -> None:
    names = [c.name for c in parse_all(TICKET)]
    assert names[:4] == ["init", "chinese_on", "align", "bold"]
    assert ["qr_model", "qr_size", "qr_ec", "qr_store", "qr_print"] == [
        n for n in names if n.startswith("qr_")]
    assert names[-2:] == ["feed_lines", "cut"]
    assert "unknown" not in names


def test_qr_store_gives_the_payload() -> None:
    store = [c for c in parse_all(TICKET) if c.name == "qr_store"]
    assert store == [Command("qr_store", data=b"https://hall.example.cn/t/c012")]


@pytest.mark.parametrize(
    ("data", "command"),
    [
        (b"\x1d!\x44", Command("size", (0x44,), b"\x1d!\x44")),
        (b"\x1dV\x01", Command("cut", (1, 0), b"\x1dV\x01")),
        (b"\x1dVB\x10", Command("cut", (66, 16), b"\x1dVB\x10")),
        (b"\x10\x04\x04", Command("status", (4,), b"\x10\x04\x04")),
        (b"\x1ba1", Command("align", (49,), b"\x1ba1")),
        (b"\x1c.", Command("chinese_off", (), b"\x1c.")),
    ],
)
def test_single_commands(data: bytes, command: Command) -> None:
    assert parse_all(data) == [command]


@pytest.mark.parametrize("data", [b"\x1d", b"\x1d(k\x05\x00", b"\x1d(k\x06\x001P0ab", b"\x10\x04",
                                  b"\x1dVA", b"\x1bD\x08\x10"])
def test_incomplete_commands_wait_for_more(data: bytes) -> None:
    assert parse_command(data, 0) is None


@pytest.mark.parametrize(
    ("data", "skip"),
    [
        (b"\x1d!\x99", 3),  # size 10 x 10
        (b"\x1dV\x07", 3),  # no such cut
        (b"\x1ba\x07", 3),  # no such alignment
        (b"\x10\x04\x09", 3),  # no such status
        (b"\x1d(k\x03\x001C\x00", 8),  # QR module size 0
        (b"\x1d(k\x01\x00\x31", 6),  # too short for cn fn
        (b"\x1dv0\x00\xff\xff\xff\xff", 8),  # 4 GB raster image
    ],
)
def test_malformed_commands_are_typed_errors_with_skip(data: bytes, skip: int) -> None:
    with pytest.raises(EscposStreamError) as info:
        parse_command(data, 0)
    assert info.value.code == "printer.bad_stream"
    assert info.value.skip == skip


def test_unknown_commands_are_skipped_by_length() -> None:
    data = b"\x1bp\x00\x32\x32" + b"\x1d(L\x02\x0002" + b"\x1b\x99" + b"\x07" + b"OK"
    assert [c.name for c in parse_all(data)] == ["skip", "skip", "unknown", "unknown", "text"]


def _drain(data: bytes) -> None:
    pos = 0
    while pos < len(data):
        try:
            parsed = parse_command(data, pos)
        except Exception as exc:  # noqa: BLE001 - the property is about what comes out
            assert_own_error(exc, EscposStreamError, ("printer",))
            assert exc.code == "printer.bad_stream" and exc.skip >= 1
            pos += exc.skip
            continue
        if parsed is None:
            return
        assert parsed[1] > pos
        pos = parsed[1]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_fuzz_parser_random_bytes_only_typed_errors(data: bytes) -> None:
    _drain(data)


@settings(max_examples=200, deadline=None)
@given(mutated([TICKET]))
def test_fuzz_parser_mutated_ticket_only_typed_errors(data: bytes) -> None:
    _drain(data)


def _mutate(data: bytes, edits: list[tuple[int, int, int]]) -> bytes:
    out = bytearray(data)
    for kind, where, value in edits:
        i = where % (len(out) + 1)
        if kind == 0 and i < len(out):
            out[i] = value
        elif kind == 1:
            out.insert(i, value)
        elif i < len(out):
            del out[i]
    return bytes(out)


EDITS = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 10_000), st.integers(0, 255)),
                 min_size=1, max_size=8)


@pytest.mark.allow_log("malformed ESC/POS skipped")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EDITS, st.integers(1, 64))
def test_fuzz_simulator_with_mutated_tickets(edits: list[tuple[int, int, int]],
                                             chunk: int) -> None:
    sim = EscposPrinterSimulator(out_dir=None)
    session = sim.new_session()
    data = _mutate(TICKET, edits)
    for i in range(0, len(data), chunk):  # arbitrary TCP chunking
        session.feed(data[i:i + chunk])
    assert all(isinstance(e, EscposStreamError) for e in sim.errors)
    # The printer itself is unharmed: a new connection prints a good ticket.
    sim.new_session().feed(TICKET)
    assert sim.tickets[-1].qr_payloads == ("https://hall.example.cn/t/c012",)
    assert "福田区行政服务大厅" in sim.tickets[-1].lines


@pytest.mark.allow_log("malformed ESC/POS skipped")
@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_simulator_with_random_bytes(data: bytes) -> None:
    sim = EscposPrinterSimulator(out_dir=None)
    replies = sim.new_session().feed(data)
    assert all(b & 0x93 == 0x12 for b in replies)
