"""Text laid out in the printer's columns: how wide a string prints, and wrapping it to the paper.

The printer prints in Chinese mode (``FS &``) with GB 18030: a one-byte code (ASCII) takes one
column of font A (12 dots), every multi-byte code one full-width cell (24 dots, two columns).
So a character's width is the length of its GB 18030 code capped at 2, derived from the
encoding rather than from a list. That counts "·" (U+00B7), "—", "…", "“" and full-width
punctuation as 2, as the printer prints them, where Unicode's East Asian Width calls them
ambiguous. A 4-byte GB 18030 code (CJK extension B, Latin letters outside GBK, emoji) is one
full-width cell too: printers with the full GB 18030 font print its glyph there, printers with
only the two-byte area print a blank or substitute cell of the same width, so 2 columns is
never too few. A character GB 18030 cannot encode (a lone surrogate) is sent as "?".

Wrapping breaks English at spaces (a word longer than the line is split), Chinese between any
two characters, but never puts closing punctuation (，。）、 …) at the start of a line.
"""

from __future__ import annotations

import functools

ENCODING = "gb18030"
#: Printable dots per column of font A at size 1 (ASCII is 12 x 24 dots, Chinese 24 x 24).
DOTS_PER_COLUMN = 12
#: Printable width of the paper rolls, in dots at 203 dpi.
PAPER_80MM_DOTS = 576
PAPER_58MM_DOTS = 384
#: Characters that stay on the line of the character before them.
CLOSING = frozenset("，。、；：？！）》」』】〉”’,.;:?!)]}%")


@functools.lru_cache(maxsize=4096)
def char_columns(ch: str) -> int:
    """Columns one character takes at size 1: its GB 18030 code length, capped at 2."""
    try:
        return min(len(ch.encode(ENCODING)), 2)
    except UnicodeEncodeError:
        return 1  # sent as "?"


def columns(text: str) -> int:
    """Columns ``text`` takes at size 1 (the printer's display width)."""
    return sum(char_columns(ch) for ch in text)


def encode(text: str) -> bytes:
    """``text`` in GB 18030 as the printer receives it (an unencodable character as "?")."""
    return text.encode(ENCODING, errors="replace")


def paper_columns(paper_dots: int, size: int = 1) -> int:
    """Columns of font A across ``paper_dots`` at character width multiplier ``size``."""
    return paper_dots // (DOTS_PER_COLUMN * size)


def wrap(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` columns (``width`` >= 2).

    Spaces where a line breaks are dropped; every other character is kept, in order.
    """
    if width < 2:
        raise ValueError("a line must hold at least one full-width character (2 columns)")
    lines: list[str] = []
    line = ""
    for gap, unit in _units(text):
        joined = f"{line}{gap}{unit}" if line else unit
        if columns(joined) <= width:
            line = joined
            continue
        if line:
            lines.append(line)
        while columns(unit) > width:
            head = _fit(unit, width)
            lines.append(unit[:head])
            unit = unit[head:]
        line = unit
    if line:
        lines.append(line)
    return lines


def _units(text: str) -> list[tuple[str, str]]:
    """The unbreakable pieces of ``text``, each with the spaces before it: an English word
    (a run of one-column characters), or one wide character; closing punctuation is joined
    to the piece before it, spaces and all."""
    units: list[tuple[str, str]] = []
    gap = ""
    for ch in text:
        if ch.isspace():
            gap += ch
        elif units and ch in CLOSING:
            units[-1] = (units[-1][0], units[-1][1] + gap + ch)
            gap = ""
        elif units and not gap and char_columns(ch) == 1 == char_columns(units[-1][1][-1]):
            units[-1] = (units[-1][0], units[-1][1] + ch)
        else:
            units.append((gap, ch))
            gap = ""
    return units


def _fit(text: str, width: int) -> int:
    """How many leading characters of ``text`` fit in ``width`` columns (at least one)."""
    used = 0
    for count, ch in enumerate(text):
        used += char_columns(ch)
        if used > width:
            return max(count, 1)
    return len(text)
