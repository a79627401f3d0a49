"""The words of an expected wait, the same on every screen and on the printed ticket.

The hall node's views carry each figure as ``wait_kind`` (a :class:`hall.estimate.WaitKind`)
and ``expected_wait_s``; the kiosk, the wall, the console, the phone page and the ticket all
say it with :func:`wait_words`. Minutes are rounded to the nearest (at least 1) and, past an
hour, to five minutes.
"""

from __future__ import annotations

from hall.estimate import WaitKind

_WORDS: dict[str, tuple[str, str]] = {
    WaitKind.NOW: ("马上办理", "now"),
    WaitKind.NEXT: ("下一位", "next"),
    WaitKind.NO_WINDOW: ("暂无窗口办理此业务", "no window serving this now"),
}


def wait_minutes(seconds: float) -> int:
    """A wait in whole minutes as said: at least 1, past an hour to five minutes."""
    minutes = max(1, int(seconds / 60 + 0.5))
    return minutes if minutes < 60 else 5 * int(minutes / 5 + 0.5)


def minutes_words(minutes: int) -> tuple[str, str]:
    """"约 12 分钟" / "about 12 min"; "约 1 小时 15 分钟" / "about 1 h 15 min" past an hour."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"约 {minutes} 分钟", f"about {minutes} min"
    if not rest:
        return f"约 {hours} 小时", f"about {hours} h"
    return f"约 {hours} 小时 {rest} 分钟", f"about {hours} h {rest} min"


def wait_words(kind: str | None, seconds: float | None) -> tuple[str, str]:
    """The wait in Chinese and English: "约 12 分钟" / "about 12 min", "马上办理" / "now",
    "下一位" / "next", "暂无窗口办理此业务" / "no window serving this now".

    ``kind`` None or unknown (a figure from a hall that does not send one): minutes when
    there are seconds, else nothing ("", "")."""
    words = _WORDS.get(kind) if kind is not None else None   # a str finds its WaitKind
    if words is not None:
        return words
    if kind != WaitKind.ABOUT and not seconds:
        return "", ""
    return minutes_words(wait_minutes(seconds or 0))


def wait_word(kind: str | None, seconds: float | None, lang: str) -> str:
    """:func:`wait_words` in one language (``"zh"`` or ``"en"``)."""
    zh, en = wait_words(kind, seconds)
    return en if lang == "en" else zh


def wait_sentence(kind: str | None, seconds: float | None) -> tuple[str, str]:
    """The wait said on its own, for a citizen's ticket: "预计等待约 12 分钟" /
    "About 12 min wait" for minutes, else the words of :func:`wait_words` ("马上办理" / "now")."""
    zh, en = wait_words(kind, seconds)
    if zh.startswith("约 "):
        return f"预计等待{zh}", f"{en[0].upper()}{en[1:]} wait"
    return zh, en
