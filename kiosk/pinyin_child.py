"""Works out the pinyin of item names for the kiosk's search, in a short-lived process of its
own: ``pypinyin``'s phrase dictionary (about 55 MB) then never stays in the kiosk's memory.

Reads a JSON list of names on standard input; writes ``{name: [initials, whole pinyin]}``.
"""

from __future__ import annotations

import json
import sys


def letters(text: str) -> str:
    """Lower-case ASCII letters and digits of ``text``, nothing else."""
    return "".join(c for c in text.lower() if c.isascii() and c.isalnum())


def keys(name: str) -> tuple[str, str]:
    """(initials, whole pinyin) of a name: ``"社保卡申领"`` → ``("sbksl", "shebaokashenling")``;
    Latin letters and digits in the name are kept as they are."""
    from pypinyin import Style, lazy_pinyin  # only here: the kiosk imports letters() too

    initials = "".join(letters(part) for part in lazy_pinyin(name, style=Style.FIRST_LETTER))
    whole = "".join(letters(part) for part in lazy_pinyin(name))
    return initials, whole


def main() -> int:
    """Answer one batch of names."""
    names = json.load(sys.stdin)
    json.dump({name: keys(name) for name in names}, sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
