"""Fuzz every device parser with random and mutated frames; report any exception not its own.

Each parser (a *target*) gets ``--frames`` inputs: one in ten is random bytes, the rest are
real valid frames of that parser (encoded by the drivers and simulators) put through one to
four mutations — bit flips, bytes set to values the protocols give meaning (0x68, 0x16, 0xAA,
0x90 ...), a two-byte field overwritten (length fields), truncation, insertion, deletion,
duplication, splicing with another frame, and for the ID card's UCS-2 text block digits swapped
for digits of other scripts (full-width, Arabic-Indic, superscript) and characters for odd
ones (lone surrogates, the type letters, the long-term mark). Framed targets get half their
mutants back with a right length and checksum, to reach the code behind those checks.

A target runs its bytes through the code a driver runs on what a device sends, and the only
exceptions allowed out are the driver's own typed errors (:class:`devices.base.DeviceError`
subclasses with a ``DeviceErrorCode``).

Per target it reports frames, inputs that parsed, typed errors, and each distinct other
exception (by type and the line that raised it) with the first input that caused it, in hex.
Exit status 1 when there is any. Never run as a test.

Run: ``.venv/bin/python -m bench.fuzz_devices --frames 1000000 --seed 1``
(``--only ga467.text,bus.stream`` runs some targets; ``--list`` names them).
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from devices import busframe
from devices.base import DeviceError
from devices.busframe import BusFrameError, FrameReply
from devices.camera.qr import classify
from devices.codes import DeviceErrorCode
from devices.idcard import protocol as ga467
from devices.idcard.parse import encode_text_block, parse_text_block
from devices.idcard.samples import SAMPLE_CARDS
from devices.keypad import protocol as keypad_protocol
from devices.keypad.errors import KeypadError
from devices.keypad.keys import Key
from devices.led.errors import LedError
from devices.led.protocols import HallBusAck, LedAck
from devices.printer import status
from devices.printer.errors import EscposStreamError, PrinterBadStatus
from devices.printer.escpos_stream import parse_command
from devices.printer.ticket import TicketContent, render_test_page, render_ticket
from devices.rating import protocol as pad_protocol
from devices.rating.errors import RatingError
from devices.smartcard import apdu
from devices.smartcard.errors import SmartCardError

#: Byte values the protocols give a meaning to: start, end and preamble bytes, statuses.
INTERESTING = (0x00, 0x01, 0x02, 0x04, 0x0A, 0x10, 0x16, 0x1B, 0x1D, 0x20, 0x30, 0x39, 0x61,
               0x62, 0x68, 0x69, 0x6C, 0x7F, 0x80, 0x90, 0x96, 0x9F, 0xAA, 0xFE, 0xFF)
#: UCS-2 code units that look like digits or letters but are not ASCII, lone surrogates,
#: the card-type letters, the long-term mark and padding.
ODD_UNITS = tuple(ord(c) for c in "¹²³⁰٠٣۳０９①Ⅻ〇长期 JIY?\x00") + (0xD800, 0xDBFF, 0xDC00,
                                                                      0xDFFF, 0xFFFF, 0xFEFF)

#: Digits 0-9 of other scripts, all of which ``str.isdigit()`` accepts: full-width,
#: Arabic-Indic, extended Arabic-Indic, Devanagari, superscript.
LOOKALIKE_DIGITS = ("０１２３４５６７８９", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "०१२३४५६७८९",
                    "⁰¹²³⁴⁵⁶⁷⁸⁹")

Parse = Callable[[bytes], object]


@dataclass(frozen=True)
class Target:
    """One parser: what it runs on an input, which errors are its own, its valid frames."""

    name: str
    parse: Parse
    typed: tuple[type[DeviceError], ...]
    seeds: tuple[bytes, ...]
    size: int | None = None  # inputs of a fixed size (the text block): most keep it
    reframe: Callable[[bytes], bytes] | None = None  # half the mutants get a right header
    text: bool = False  # UCS-2 text: also swap whole characters


# --- what each driver runs on what a device sends ---------------------------------------


def ga467_stream(raw: bytes) -> object:
    """The reader's decoder fed in two pieces, each answer split into status and data.

    A bad frame does not stop the decoder (the next call goes on); the first one is raised
    once all bytes are through, so the tally counts inputs with a bad frame.
    """
    decoder = ga467.FrameDecoder()
    answers, errors = [], []
    for piece in (raw[:len(raw) // 2], raw[len(raw) // 2:]):
        decoder.feed(piece)
        while True:
            try:
                payload = decoder.next_frame()
            except ga467.IdCardError as exc:
                errors.append(exc)
                continue
            if payload is None:
                break
            answers.append(ga467.Response.from_payload(payload))
    decoder.finish()
    if errors:
        raise errors[0]
    return answers


def ga467_answer(raw: bytes) -> object:
    """One answer as the reader takes it after each command: SAM id, card data, text block."""
    response = ga467.decode_response_frame(raw).expect(ga467.SW_OK, ga467.SW_CARD_FOUND)
    results: list[object] = []
    for read in (ga467.format_sam_id, ga467_card_data, ga467_card_data_with_fingerprint):
        try:
            results.append(read(response.data))
        except ga467.IdCardError:
            pass
    return results


def ga467_card_data(data: bytes) -> object:
    """A read-base answer's data: blocks, then the text block decoded."""
    blocks = ga467.split_card_data(data)
    return parse_text_block(blocks.text, blocks.photo, blocks.fingerprint)


def ga467_card_data_with_fingerprint(data: bytes) -> object:
    """A read-with-fingerprint answer's data: blocks, then the text block decoded."""
    blocks = ga467.split_card_data(data, with_fingerprint=True)
    return parse_text_block(blocks.text, blocks.photo, blocks.fingerprint)


def ga467_text(raw: bytes) -> object:
    """The 256-byte text block, decoded and shown the way the apps show it."""
    info = parse_text_block(raw)
    return repr(info), info.to_dict()


def bus_stream(raw: bytes) -> object:
    """The bus decoder fed in two pieces, every frame taken out; the first bad one raised last."""
    decoder = busframe.FrameDecoder()
    frames, errors = [], []
    for piece in (raw[:len(raw) // 2], raw[len(raw) // 2:]):
        decoder.feed(piece)
        while True:
            try:
                frame = decoder.next_frame()
            except BusFrameError as exc:
                errors.append(exc)
                continue
            if frame is None:
                break
            frames.append(frame)
    if errors:
        raise errors[0]
    return frames


def led_ack(raw: bytes) -> object:
    """Screen 3's acknowledgement of a show-text command, as the LED driver reads it."""
    ack: LedAck | None = HallBusAck(3, 0x31).feed(raw)
    return ack is not None and ack.ok


def rating_reply(raw: bytes) -> object:
    """Pad 3's answer to a poll, as the pad driver reads it: status checked, then the key."""
    frame = FrameReply(3, pad_protocol.POLL).feed(raw)
    if frame is None:
        return None
    return pad_protocol.key_of(pad_protocol.check_reply(3, frame))


def keypad_reply(raw: bytes) -> object:
    """Keypad 3's answer to a poll, as the keypad driver reads it: status, then key events."""
    frame = FrameReply(3, keypad_protocol.POLL).feed(raw)
    if frame is None:
        return None
    return keypad_protocol.events_of(keypad_protocol.check_reply(3, frame))


def keypad_display(raw: bytes) -> object:
    """A display command as a keypad reads it: the frame, then its LED byte and two lines."""
    frame = busframe.decode(raw)
    return keypad_protocol.decode_display(frame.data)


def keypad_seeds() -> tuple[bytes, ...]:
    """Poll replies with no key, one key and a full reply of eight events."""
    codes = [int(key) for key in Key][:8]
    events = bytes(byte for seq, code in enumerate(codes, 1) for byte in (seq, code))
    return (busframe.encode(3, 0xD1, b"\x00"), busframe.encode(3, 0xD1, bytes((0, 7, Key.CALL))),
            busframe.encode(3, 0xD1, b"\x00" + events), busframe.encode(3, 0xD1, b"\x02"))


def escpos_stream(raw: bytes) -> object:
    """The simulator's ESC/POS parser over the whole input, skipping what it reports (the
    first report raised at the end)."""
    pos, commands, errors = 0, 0, []
    while pos < len(raw):
        try:
            parsed = parse_command(raw, pos)
        except EscposStreamError as exc:
            errors.append(exc)
            pos += exc.skip
            continue
        if parsed is None:
            break
        if parsed[1] <= pos:
            raise RuntimeError(f"parse_command did not advance at {pos}")
        pos, commands = parsed[1], commands + 1
    if errors:
        raise errors[0]
    return commands


def printer_status(raw: bytes) -> object:
    """A printer's answer to ``DLE EOT n``, made into the printer's state and paper state."""
    byte = status.answer_byte(status.QUERY_PRINTER, raw)
    return status.printer_state(byte, byte, byte), status.paper_state(byte)


def smartcard_answer(raw: bytes) -> object:
    """A card's answer (FCP template, status word) and a command checked and re-sized."""
    size = apdu.fcp_file_size(raw)
    sw = apdu.describe_sw(raw[-2], raw[-1]) if len(raw) >= 2 else ""
    command = apdu.check_apdu(raw)
    return size, sw, apdu.with_le(command, raw[-1])


def qr_text(raw: bytes) -> object:
    """Decoded QR text (any UTF-8, stray bytes kept as surrogates) classified for the hall."""
    return classify(raw.decode("utf-8", "surrogateescape"))


def ga467_reframe(frame: bytes) -> bytes:
    """The same payload in a frame with a right LEN and checksum (to reach past them)."""
    payload = frame[ga467.HEADER_SIZE:-1]
    body = (len(payload) + 1).to_bytes(2, "big") + payload
    return ga467.PREAMBLE + body + bytes((ga467.checksum(body),))


def bus_reframe(frame: bytes) -> bytes:
    """The same ADDR..DATA in a frame with a right L, checksum and end byte."""
    body = frame[busframe.HEADER_LEN + 1:-2]
    length = len(body) & 0xFF
    return bytes((busframe.WAKE, busframe.START, length, length, busframe.START)) + body + \
        bytes((busframe.checksum(body), busframe.END))


# --- valid frames -------------------------------------------------------------------------


def _card_blocks() -> list[tuple[bytes, bytes, bytes | None]]:
    return [(encode_text_block(card), card.photo_wlt, card.fingerprint)
            for card in SAMPLE_CARDS.values()]


def ga467_seeds() -> tuple[bytes, ...]:
    """The reader's real answers: found, no card, SAM id, and a read of each sample card."""
    seeds = [ga467.encode_response(ga467.SW_CARD_FOUND, bytes(4)),
             ga467.encode_response(ga467.SW_OK, bytes(8)),
             ga467.encode_response(ga467.SW_NO_CARD),
             ga467.encode_response(ga467.SW_OK, ga467.encode_sam_id("05.01-20101010-0000012345-"
                                                                    "0123456789"))]
    for text, photo, fingerprint in _card_blocks():
        seeds.append(ga467.encode_response(ga467.SW_OK, ga467.encode_card_data(text, photo)))
        seeds.append(ga467.encode_response(ga467.SW_OK, ga467.encode_card_data(
            text, photo, fingerprint, with_fingerprint=True)))
    return tuple(seeds)


def bus_seeds() -> tuple[bytes, ...]:
    """Frames of the hall bus: LED commands and acks, pad commands and replies."""
    return (busframe.encode(3, 0x31, b"\x00" + "请A001号到3号窗口".encode("gb18030")),
            busframe.encode(3, 0xB1, b"\x00"), busframe.encode(3, 0xB3, b"\x02"),
            busframe.encode(255, 0x32), busframe.encode(3, 0xC3, b"\x00\x05"),
            busframe.encode(3, 0xC3, b"\x00\x00"), busframe.encode(3, 0xC1, b"\x01"))


def escpos_seeds() -> tuple[bytes, ...]:
    """A hall ticket and the technician's test page, as the driver renders them."""
    content = TicketContent(
        hall_name="福田区行政服务大厅", theme_name="综合服务", number="C012", ahead=3,
        expected_wait_s=420, issued_at=datetime(2024, 6, 1, 9, 30),
        privacy_line="请留意叫号 / Please watch the screen",
        qr_url="https://hall.example.cn/t/c012")
    return (render_ticket(content), render_test_page("escpos+tcp://127.0.0.1:9100",
                                                     datetime(2024, 6, 1, 9, 30)))


def smartcard_seeds() -> tuple[bytes, ...]:
    """Commands the reader sends and answers a card gives."""
    return (apdu.select_ef(b"\x00\x05"), apdu.select_ef(b"\x00\x05", want_fcp=False),
            apdu.read_binary(0x20, 0xE0), apdu.GET_UID, apdu.get_response(13),
            bytes.fromhex("620B8201018302000580 02024B 9000".replace(" ", "")),
            bytes.fromhex("04A1B2C39000"), bytes.fromhex("6C0D"), bytes.fromhex("610D"))


def targets() -> list[Target]:
    """Every device parser, with its own errors and its valid frames."""
    ga467_frames = ga467_seeds()
    return [
        Target("ga467.stream", ga467_stream, (ga467.IdCardError,), ga467_frames,
               reframe=ga467_reframe),
        Target("ga467.answer", ga467_answer, (ga467.IdCardError,), ga467_frames,
               reframe=ga467_reframe),
        Target("ga467.text", ga467_text, (ga467.IdCardError,),
               tuple(text for text, _, _ in _card_blocks()), size=ga467.TEXT_SIZE, text=True),
        Target("bus.stream", bus_stream, (BusFrameError,), bus_seeds(), reframe=bus_reframe),
        Target("led.ack", led_ack, (BusFrameError, LedError),
               (busframe.encode(3, 0xB1, b"\x00"), busframe.encode(3, 0xB1, b"\x02")),
               reframe=bus_reframe),
        Target("rating.reply", rating_reply, (BusFrameError, RatingError),
               tuple(busframe.encode(3, 0xC3, bytes((0, key))) for key in range(6)),
               reframe=bus_reframe),
        Target("keypad.reply", keypad_reply, (BusFrameError, KeypadError), keypad_seeds(),
               reframe=bus_reframe),
        Target("keypad.display", keypad_display, (BusFrameError, KeypadError),
               (keypad_protocol.encode_display(3, "14号窗口 A001", "请到14号窗口", 0x05),
                keypad_protocol.encode_display(3, "", "", 0),
                keypad_protocol.encode_display(3, "暂停服务", "PAUSED", 0x02)),
               reframe=bus_reframe),
        Target("escpos.stream", escpos_stream, (EscposStreamError,), escpos_seeds()),
        Target("printer.status", printer_status, (PrinterBadStatus,),
               (b"\x12", b"\x16", b"\x1a", b"\x72", b"\x7e", b"\x12\x12", b"\x1e\x32\x72")),
        Target("smartcard.apdu", smartcard_answer, (SmartCardError,), smartcard_seeds()),
        Target("camera.qr", qr_text, (), tuple(s.encode() for s in (
            "hallq:appt:AP123", "hallq:ticket:20250101-A001",
            "https://hall.example.cn/t/20250101-A001", "https://[::1]:8443/m/t/C012/"))),
    ]


# --- inputs ---------------------------------------------------------------------------------


class Mutator:
    """Makes a target's inputs from its valid frames, reproducibly from one random generator."""

    def __init__(self, rng: random.Random, target: Target) -> None:
        self.rng = rng
        self.target = target
        self.longest = max(len(seed) for seed in target.seeds)
        in_place: list[Callable[[bytearray], None]] = [self.flip, self.set_byte, self.set_word]
        if target.text:  # mostly edits that keep the UCS-2 fields in place
            in_place = [*in_place, self.set_char, self.lookalike] * 2
        self.edits = [*in_place, self.flip, self.cut, self.insert, self.delete, self.duplicate,
                      self.splice]

    def frame(self) -> bytes:
        """One input: random bytes (one in ten) or a valid frame with 1-4 mutations."""
        rng = self.rng
        if rng.random() < 0.1:
            return rng.randbytes(rng.randrange(0, 2 * self.longest + 2))
        data = bytearray(rng.choice(self.target.seeds))
        for _ in range(rng.randint(1, 4)):
            rng.choice(self.edits)(data)
        if self.target.reframe is not None and rng.random() < 0.5:
            data = bytearray(self.target.reframe(bytes(data)))
        size = self.target.size
        if size is not None and rng.random() < 0.9:  # mostly keep the size, so fields decode
            data = (data + b" \x00" * size)[:size]
        return bytes(data)

    def _pos(self, data: bytearray, end: bool = False) -> int:
        return self.rng.randrange(len(data) + (1 if end else 0)) if data or end else 0

    def flip(self, data: bytearray) -> None:
        """Flip one to three bits."""
        for _ in range(self.rng.randint(1, 3)):
            if data:
                data[self._pos(data)] ^= 1 << self.rng.randrange(8)

    def set_byte(self, data: bytearray) -> None:
        """Set a byte to a value the protocols give a meaning, or to any value."""
        if data:
            meaningful = self.rng.random() < 0.7
            data[self._pos(data)] = (self.rng.choice(INTERESTING) if meaningful
                                     else self.rng.randrange(256))

    def set_word(self, data: bytearray) -> None:
        """Overwrite two bytes (a length field, a status word) with an extreme or any value."""
        if len(data) >= 2:
            pos = self.rng.randrange(len(data) - 1)
            word = self.rng.choice((0, 1, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF,
                                    self.rng.randrange(0x10000)))
            data[pos:pos + 2] = word.to_bytes(2, self.rng.choice(("big", "little")))

    def set_char(self, data: bytearray) -> None:
        """Swap a UCS-2 character for a look-alike digit, a lone surrogate or a type letter."""
        if len(data) >= 2:
            pos = self.rng.randrange(len(data) // 2) * 2
            data[pos:pos + 2] = self.rng.choice(ODD_UNITS).to_bytes(2, "little")

    def lookalike(self, data: bytearray) -> None:
        """Swap one to eight ASCII digits of the UCS-2 text for digits of another script."""
        digits = [i for i in range(0, len(data) - 1, 2)
                  if 0x30 <= data[i] <= 0x39 and data[i + 1] == 0]
        script = self.rng.choice(LOOKALIKE_DIGITS)
        for i in self.rng.sample(digits, min(len(digits), self.rng.randint(1, 8))):
            data[i:i + 2] = ord(script[data[i] - 0x30]).to_bytes(2, "little")

    def cut(self, data: bytearray) -> None:
        """Cut the frame off at a random point."""
        del data[self._pos(data, end=True):]

    def insert(self, data: bytearray) -> None:
        """Insert 1-16 random or meaningful bytes."""
        rng = self.rng
        extra = rng.randbytes(rng.randint(1, 16)) if rng.random() < 0.5 else \
            bytes(rng.choice(INTERESTING) for _ in range(rng.randint(1, 4)))
        pos = self._pos(data, end=True)
        data[pos:pos] = extra

    def delete(self, data: bytearray) -> None:
        """Delete 1-16 bytes."""
        pos = self._pos(data, end=True)
        del data[pos:pos + self.rng.randint(1, 16)]

    def duplicate(self, data: bytearray) -> None:
        """Repeat a stretch of the frame (a resent or echoed piece)."""
        if data:
            start = self._pos(data)
            piece = data[start:start + self.rng.randint(1, 64)]
            pos = self._pos(data, end=True)
            data[pos:pos] = piece

    def splice(self, data: bytearray) -> None:
        """Keep the head of this frame and append the tail of another valid frame."""
        other = self.rng.choice(self.target.seeds)
        head = self._pos(data, end=True)
        tail = self.rng.randrange(len(other) + 1)
        data[head:] = other[tail:]


# --- running --------------------------------------------------------------------------------


@dataclass
class Tally:
    """What one target did with its inputs."""

    frames: int = 0
    parsed: int = 0
    typed: int = 0
    codes: dict[str, int] = field(default_factory=dict)
    #: each distinct untyped exception (type and line): how often, the first input, its text
    crashes: dict[str, tuple[int, bytes, str]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def untyped(self) -> int:
        """Inputs that let out an exception that is not the parser's own."""
        return sum(count for count, _, _ in self.crashes.values())


def _where(exc: BaseException) -> str:
    frame = traceback.extract_tb(exc.__traceback__)[-1]
    path = "/".join(frame.filename.rsplit("/", 2)[-2:])
    return f"{type(exc).__name__} at {path}:{frame.lineno}"


def run_target(target: Target, frames: int, seed: int) -> Tally:
    """Feed ``frames`` inputs to one target; count what came out."""
    mutator = Mutator(random.Random(f"{seed}:{target.name}"), target)
    tally = Tally(frames=frames)
    started = time.perf_counter()
    for _ in range(frames):
        raw = mutator.frame()
        try:
            target.parse(raw)
        except target.typed as exc:
            if not isinstance(exc.code, DeviceErrorCode):
                _record(tally, exc, raw)
                continue
            tally.typed += 1
            tally.codes[exc.code] = tally.codes.get(exc.code, 0) + 1
        except Exception as exc:  # what this script is here to find
            _record(tally, exc, raw)
        else:
            tally.parsed += 1
    tally.seconds = time.perf_counter() - started
    return tally


def _record(tally: Tally, exc: BaseException, raw: bytes) -> None:
    key = _where(exc)
    count, first, text = tally.crashes.get(key, (0, raw, f"{type(exc).__name__}: {exc}"))
    tally.crashes[key] = (count + 1, first, text)


def report(target: Target, tally: Tally) -> str:
    """A few lines for one target: counts, error codes, and each untyped exception."""
    codes = ", ".join(f"{code} {n:,}" for code, n in sorted(tally.codes.items()))
    lines = [f"{target.name:15} {tally.frames:>10,} frames {tally.seconds:7.1f} s  "
             f"parsed {tally.parsed:>9,}  typed errors {tally.typed:>9,}  "
             f"untyped {tally.untyped:,}", f"{'':15} {codes or '(no typed errors)'}"]
    for key, (count, first, text) in tally.crashes.items():
        lines.append(f"{'':15} UNTYPED {count:,}x {key}: {text[:200]}")
        lines.append(f"{'':15}   first input ({len(first)} bytes): {first.hex()}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen targets; 1 when any let out an exception that is not its own."""
    # a driver's warnings on bad input (e.g. an unknown key code) are expected here by the million
    logging.getLogger("hallq.devices").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=100_000, help="inputs per parser")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", default="", help="comma-separated target names")
    parser.add_argument("--list", action="store_true", help="name the targets and stop")
    args = parser.parse_args(argv)
    chosen = targets()
    if args.list:
        print("\n".join(t.name for t in chosen))
        return 0
    if args.only:
        wanted = set(args.only.split(","))
        chosen = [t for t in chosen if t.name in wanted]
        if not chosen or wanted - {t.name for t in chosen}:
            parser.error(f"unknown target in {args.only!r}; --list names them")
    started, untyped, total = time.perf_counter(), 0, 0
    for target in chosen:
        tally = run_target(target, args.frames, args.seed)
        print(report(target, tally), flush=True)
        untyped, total = untyped + tally.untyped, total + tally.frames
    print(f"{total:,} frames to {len(chosen)} parsers in {time.perf_counter() - started:.1f} s, "
          f"seed {args.seed}: {untyped:,} untyped exceptions")
    return 1 if untyped else 0


if __name__ == "__main__":
    sys.exit(main())
