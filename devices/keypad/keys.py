"""The keys of the calling keypad (呼叫器), by the code the keypad reports.

Eight function keys and the digits 0..9 (for a transfer preset, and free for the hall's use).
What each key does at the window is the window controller's business, not the keypad's.
"""

from __future__ import annotations

import enum


class Key(enum.IntEnum):
    """A key; the value is the code the keypad reports in a poll reply."""

    CALL = 0x01
    RECALL = 0x02
    START = 0x03
    FINISH = 0x04
    NO_SHOW = 0x05
    PAUSE = 0x06
    TRANSFER = 0x07
    CLEAR = 0x08
    DIGIT_0 = 0x30
    DIGIT_1 = 0x31
    DIGIT_2 = 0x32
    DIGIT_3 = 0x33
    DIGIT_4 = 0x34
    DIGIT_5 = 0x35
    DIGIT_6 = 0x36
    DIGIT_7 = 0x37
    DIGIT_8 = 0x38
    DIGIT_9 = 0x39


#: The label printed on each function key: Chinese, English.
LABELS: dict[Key, tuple[str, str]] = {
    Key.CALL: ("叫号", "Call"),
    Key.RECALL: ("重呼", "Recall"),
    Key.START: ("开始", "Start"),
    Key.FINISH: ("办结", "Finish"),
    Key.NO_SHOW: ("过号", "No-show"),
    Key.PAUSE: ("暂停/恢复", "Pause/Resume"),
    Key.TRANSFER: ("转移", "Transfer"),
    Key.CLEAR: ("取消", "Clear"),
}


def digit_of(key: Key) -> int | None:
    """The digit a digit key stands for, None for a function key."""
    return key - Key.DIGIT_0 if Key.DIGIT_0 <= key <= Key.DIGIT_9 else None


def key_named(name: str) -> Key:
    """The key a technician names: ``call``, ``no_show``, ``7``…; ValueError when none."""
    name = name.strip().lower().replace("-", "_")
    if len(name) == 1 and name.isdigit():
        return Key(Key.DIGIT_0 + int(name))
    try:
        return Key[name.upper()]
    except KeyError:
        raise ValueError(f"no key {name!r}; keys: {', '.join(KEY_NAMES)}, 0..9") from None


#: Function keys by the names ``key_named`` takes.
KEY_NAMES = tuple(key.name.lower() for key in LABELS)
