"""The rating pad's commands, in the frames of :mod:`devices.busframe`.

RS-485 is half duplex with one master, so a pad never speaks first: the host polls it.

======  ==========  =================================  ==================================
CTRL    command     DATA (host -> pad)                 reply CTRL, DATA (pad -> host)
======  ==========  =================================  ==================================
0x40    status      (none)                             0xC0, status
0x41    prompt      ticket number in GB 18030 (<= 16   0xC1, status; the pad lights its
                    bytes)                             keys and shows "<number> 请评价"
0x42    cancel      (none)                             0xC2, status; keys dark, key
                                                       forgotten, display blank
0x43    poll        (none)                             0xC3, status, key (0 = none yet,
                                                       1..5 = the level pressed)
0x44    thanks      (none)                             0xC4, status; shows "感谢您的评价",
                                                       keys dark, key forgotten
======  ==========  =================================  ==================================

Status byte: 0x00 done, 0x01 unknown command, 0x02 bad data. A pad keeps reporting the
pressed key to every poll until ``cancel`` or ``thanks``, so a lost poll reply loses no
rating. Keys pressed while the pad is not prompted are ignored. No reply to broadcast.
"""

from __future__ import annotations

from devices import busframe
from devices.busframe import Frame
from devices.rating.errors import RatingBadKey, RatingBadText, RatingRejected
from devices.rating.levels import Rating

STATUS = 0x40
PROMPT = 0x41
CANCEL = 0x42
POLL = 0x43
THANKS = 0x44

STATUS_OK, STATUS_UNKNOWN, STATUS_BAD_DATA = 0x00, 0x01, 0x02
STATUS_TEXT = {STATUS_OK: "done", STATUS_UNKNOWN: "unknown command", STATUS_BAD_DATA: "bad data"}
MAX_TICKET = 16
NO_KEY = 0
PROMPT_TEXT = "请评价"
THANKS_TEXT = "感谢您的评价"


def encode_prompt(addr: int, ticket_number: str) -> bytes:
    """Frame 0x41: light the keys and show ``<ticket_number> 请评价``."""
    number = ticket_number.strip()
    if not number:
        raise RatingBadText("empty ticket number")
    try:
        raw = number.encode("gb18030")
    except UnicodeEncodeError:
        raise RatingBadText("ticket number cannot be encoded in GB 18030") from None
    if len(raw) > MAX_TICKET:
        raise RatingBadText(f"ticket number of {len(raw)} bytes, at most {MAX_TICKET}")
    return busframe.encode(addr, PROMPT, raw)


def encode_command(addr: int, ctrl: int) -> bytes:
    """A command without data (status, cancel, poll, thanks)."""
    return busframe.encode(addr, ctrl)



def check_reply(addr: int, reply: Frame) -> Frame:
    """Return pad ``addr``'s reply when its status byte says done; else :class:`RatingRejected`."""
    if not reply.data:
        raise RatingRejected(f"reply {reply.ctrl:#04x} without a status byte")
    if reply.data[0] != STATUS_OK:
        text = STATUS_TEXT.get(reply.data[0], "unknown status")
        raise RatingRejected(f"pad {addr} answered {reply.data[0]:#04x} ({text})")
    return reply


def key_of(reply: Frame) -> Rating | None:
    """The key a poll reply reports: None for none yet; :class:`RatingBadKey` for no level."""
    if len(reply.data) != 2:
        raise RatingBadKey(f"poll reply of {len(reply.data)} bytes, expected 2")
    key = reply.data[1]
    if key == NO_KEY:
        return None
    if key not in Rating._value2member_map_:
        raise RatingBadKey(f"key {key}")
    return Rating(key)
