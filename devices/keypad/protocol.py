"""The calling keypad's commands, in the frames of :mod:`devices.busframe`.

RS-485 is half duplex with one master, so a keypad never speaks first: the host polls it, and
the keypad queues the keys pressed in between.

======  ==========  ==================================  ==================================
CTRL    command     DATA (host -> keypad)               reply CTRL, DATA (keypad -> host)
======  ==========  ==================================  ==================================
0x50    status      (none)                              0xD0, status
0x51    poll keys   ack: the seq of the last key        0xD1, status, then for each queued
                    event the host took (0: none yet)   key after ``ack``: seq, key code
                                                        (at most 8 events per reply)
0x52    display     LED byte, line 1, 0x0A, line 2      0xD2, status; the display shows
                    (each line GB 2312, <= 16 bytes)    the two lines, the LEDs are set
======  ==========  ==================================  ==================================

Status byte: 0x00 done, 0x01 unknown command, 0x02 bad data. No reply to broadcast.

Key events: each key pressed is queued with a sequence number 1..255 (then 1 again; 0 is
never used). A poll drops from the queue every event up to and including the one ``ack``
names, when it is still queued, and reports the rest in order. A lost reply therefore loses
no key: the host polls again with the same ``ack`` and gets the same events; an event is
reported until the host has acknowledged it. The queue holds 32 events; keys pressed while
it is full are ignored (the keypad beeps). Key codes: :class:`devices.keypad.keys.Key`.

Display: a 128×32 dot LCD with the GB 2312 font built in, as the keypads sold for halls
have: 2 lines of 16 columns, an ASCII character one column (8×16 dots), a Chinese character
two (16×16), so 16 ASCII or 8 Chinese characters a line. Line bytes are GB 2312 (whose bytes
are never 0x0A). LED byte: bit 0 green (window open), bit 1 red (paused), bit 2 amber (a
ticket called or being served); other bits 0.
"""

from __future__ import annotations

import logging

from devices import busframe
from devices.busframe import Frame
from devices.keypad.errors import KeypadBadReply, KeypadBadText, KeypadRejected
from devices.keypad.keys import Key

log = logging.getLogger("hallq.devices.keypad")

STATUS = 0x50
POLL = 0x51
DISPLAY = 0x52

STATUS_OK, STATUS_UNKNOWN, STATUS_BAD_DATA = 0x00, 0x01, 0x02
STATUS_TEXT = {STATUS_OK: "done", STATUS_UNKNOWN: "unknown command", STATUS_BAD_DATA: "bad data"}
COLUMNS = 16
LINE_BREAK = 0x0A
ENCODING = "gb2312"
MAX_EVENTS = 8
QUEUE_SIZE = 32
LED_OPEN, LED_PAUSED, LED_BUSY = 0x01, 0x02, 0x04
LED_MASK = LED_OPEN | LED_PAUSED | LED_BUSY


def next_seq(seq: int) -> int:
    """The sequence number after ``seq`` (1..255, then 1)."""
    return seq % 255 + 1


def encode_command(addr: int, ctrl: int) -> bytes:
    """A command without data (status)."""
    return busframe.encode(addr, ctrl)


def encode_poll(addr: int, ack: int) -> bytes:
    """Frame 0x51: report the keys after event ``ack`` (0: every queued key)."""
    if not 0 <= ack <= 255:
        raise KeypadBadReply(f"ack {ack} is not 0..255")
    return busframe.encode(addr, POLL, bytes((ack,)))


def line_bytes(text: str) -> bytes:
    """One display line as GB 2312; :class:`KeypadBadText` when it does not fit."""
    try:
        raw = text.encode(ENCODING)
    except UnicodeEncodeError:
        raise KeypadBadText(f"{text!r} has characters outside GB 2312") from None
    if not text.isprintable():
        raise KeypadBadText(f"{text!r} has control characters")
    if len(raw) > COLUMNS:
        raise KeypadBadText(f"{len(raw)} columns, at most {COLUMNS}")
    return raw


def fit(text: str) -> str:
    """``text`` cut to what one line shows: 16 columns, control characters and characters
    outside GB 2312 as "?"."""
    out, width = [], 0
    for char in text:
        try:
            size = len(char.encode(ENCODING)) if char.isprintable() else 0
        except UnicodeEncodeError:
            size = 0
        if size == 0:
            char, size = "?", 1
        if width + size > COLUMNS:
            break
        out.append(char)
        width += size
    return "".join(out)


def encode_display(addr: int, line1: str, line2: str = "", leds: int = 0) -> bytes:
    """Frame 0x52: show two lines and set the LEDs."""
    if leds & ~LED_MASK:
        raise KeypadBadText(f"LED byte {leds:#04x} sets unknown bits")
    data = bytes((leds,)) + line_bytes(line1) + bytes((LINE_BREAK,)) + line_bytes(line2)
    return busframe.encode(addr, DISPLAY, data)


def decode_display(data: bytes) -> tuple[str, str, int]:
    """The lines and LEDs of a display command's DATA; :class:`KeypadBadText` when bad."""
    if len(data) < 2 or data.count(LINE_BREAK) != 1 or data[0] & ~LED_MASK:
        raise KeypadBadText("display data is not LED byte, line, 0x0A, line")
    first, _, second = data[1:].partition(bytes((LINE_BREAK,)))
    if len(first) > COLUMNS or len(second) > COLUMNS:
        raise KeypadBadText("a line wider than 16 columns")
    try:
        lines = first.decode(ENCODING), second.decode(ENCODING)
    except UnicodeDecodeError:
        raise KeypadBadText("a line is not GB 2312") from None
    if not all(line.isprintable() for line in lines):
        raise KeypadBadText("a line has control characters")
    return lines[0], lines[1], data[0]


def check_reply(addr: int, reply: Frame) -> Frame:
    """Keypad ``addr``'s reply when its status says done; else :class:`KeypadRejected`."""
    if not reply.data:
        raise KeypadRejected(f"reply {reply.ctrl:#04x} without a status byte")
    if reply.data[0] != STATUS_OK:
        text = STATUS_TEXT.get(reply.data[0], "unknown status")
        raise KeypadRejected(f"keypad {addr} answered {reply.data[0]:#04x} ({text})")
    return reply


def events_of(reply: Frame) -> list[tuple[int, Key | None]]:
    """The (seq, key) events of a poll reply, in order; an unknown key code is None (the
    caller skips it after acknowledging it). :class:`KeypadBadReply` when malformed."""
    body = reply.data[1:]
    if len(body) % 2 or len(body) > 2 * MAX_EVENTS:
        raise KeypadBadReply(f"poll reply of {len(reply.data)} bytes")
    events: list[tuple[int, Key | None]] = []
    for seq, code in zip(body[::2], body[1::2], strict=True):
        if seq == 0:
            raise KeypadBadReply("key event with sequence number 0")
        if code in Key._value2member_map_:
            events.append((seq, Key(code)))
        else:
            log.warning("keypad reported an unknown key code %#04x; skipped", code)
            events.append((seq, None))
    return events
