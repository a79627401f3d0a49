"""Typing Chinese characters by their pinyin on the form keyboard, for the fields the ID card
would have filled (a name, an address) when the citizen came with an appointment QR code and
types them: the letters typed are a syllable (``zhang``, ``lv`` for lü), the characters read
so are offered in a row, and the one touched is written.

The characters of each syllable are in :data:`TABLE_FILE`: every character of GBK (a name may
hold rare ones), the most common surnames first, then by how many words of ``pypinyin``'s
phrase dictionary hold the character (小, 校, 笑 before 霄 and 淆), a character's usual reading
before its others. The table is made once from ``pypinyin``'s dictionaries
(``python -m kiosk.hanzi_input > kiosk/hanzi_pinyin.txt``), so that the kiosk never loads them
(about 55 MB) itself. Plain Python.
"""

from __future__ import annotations

import sys
from collections import Counter
from functools import cache
from pathlib import Path

TABLE_FILE = Path(__file__).with_name("hanzi_pinyin.txt")
#: The most common surnames, most common first: offered before the other characters of their
#: syllable.
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
            "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史"
            "陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
#: The longest syllable (``zhuang``, ``chuang``, ``shuang``) and a little room.
MAX_LETTERS = 6
#: At most this many characters offered for what was typed.
MAX_OFFERED = 240


@cache
def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    for line in TABLE_FILE.read_text(encoding="utf-8").splitlines():
        syllable, _, characters = line.partition("\t")
        table[syllable] = characters
    return table


def candidates(letters: str) -> list[str]:
    """The characters read as ``letters`` (any case): those of that very syllable first, then
    those of the syllables it begins, the first of each before the second of each (``zh``
    offers 张, 赵, 周 …)."""
    letters = letters.lower()
    if not letters:
        return []
    table = _table()
    offered = list(table.get(letters, ""))
    longer = [table[s] for s in sorted(table) if s.startswith(letters) and s != letters]
    by_rank = sorted(((rank, n, c) for n, chars in enumerate(longer)
                      for rank, c in enumerate(chars[:MAX_OFFERED])))
    seen = set(offered)
    for _, _, character in by_rank:
        if len(offered) >= MAX_OFFERED:
            break
        if character not in seen:
            offered.append(character)
            seen.add(character)
    return offered[:MAX_OFFERED]


def _gbk_characters() -> list[str]:
    """GB 2312's first level, its second, then the rest of GBK, in code order."""
    ordered: dict[str, None] = {}
    for first, last, low in ((0xB0, 0xD7, 0xA1), (0xD8, 0xF7, 0xA1), (0x81, 0xFE, 0x40)):
        for high in range(first, last + 1):
            for second in range(low, 0xFF):
                try:
                    character = bytes([high, second]).decode("gbk")
                except UnicodeDecodeError:
                    continue
                if "\u4e00" <= character <= "\u9fff":
                    ordered.setdefault(character)
    return list(ordered)


def make_table() -> str:
    """The table's text (a line per syllable: the syllable, a tab, its characters)."""
    from pypinyin import Style, pinyin  # only here: the kiosk reads the table made once
    from pypinyin.phrases_dict import phrases_dict

    words: Counter[str] = Counter()
    for phrase in phrases_dict:
        words.update(set(phrase))
    by_syllable: dict[str, list[str]] = {}
    characters = _gbk_characters()
    rank = {c: i for i, c in enumerate(SURNAMES)}
    characters.sort(key=lambda c: (rank.get(c, len(SURNAMES)), -words[c]))  # stable
    readings = {c: [r.replace("ü", "v") for r in pinyin(c, style=Style.NORMAL,
                                                        heteronym=True)[0]]
                for c in characters}
    for which in (slice(0, 1), slice(1, None)):   # a character's usual reading first
        for character in characters:
            for reading in readings[character][which]:
                if reading.isascii() and reading.isalpha() and \
                        character not in by_syllable.get(reading, ()):
                    by_syllable.setdefault(reading, []).append(character)
    return "".join(f"{s}\t{''.join(cs)}\n" for s, cs in sorted(by_syllable.items()))


if __name__ == "__main__":
    sys.stdout.write(make_table())
