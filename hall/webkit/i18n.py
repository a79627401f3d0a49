"""The language of a web page: Chinese unless the visitor chose English with the switch,
kept in a cookie (``hallq_lang``) for a year."""

from __future__ import annotations

from typing import Literal

from starlette.requests import HTTPConnection
from starlette.responses import Response

Language = Literal["zh", "en"]
LANG_COOKIE = "hallq_lang"
LANG_COOKIE_AGE_S = 365 * 24 * 3600


def language(connection: HTTPConnection) -> Language:
    """The page's language: ``en`` only when the cookie says so."""
    return "en" if connection.cookies.get(LANG_COOKIE) == "en" else "zh"


def remember_language(response: Response, chosen: str) -> None:
    """Keep the visitor's choice (anything but ``en`` is Chinese)."""
    response.set_cookie(LANG_COOKIE, "en" if chosen == "en" else "zh",
                        max_age=LANG_COOKIE_AGE_S, samesite="strict", httponly=True)


def pick(lang: Language, zh: str, en: str) -> str:
    """The text of a Chinese–English pair in ``lang``."""
    return en if lang == "en" else zh
